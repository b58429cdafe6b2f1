//! Config and subscribe options read from JavaScript-like values, through the public API.

mod common;

use common::value as js;
use serde_json::json;
use wasm_pubsub::{
    Backoff, BreakerConfig, Config, ConfigValue, DeliveryOptions, Error, Limits, Overflow,
    SubscribeOptions,
};
use ConfigValue::{Number, Undefined};

/// `{ a: { b: value } }` for the path `a.b`: for values JSON cannot hold (NaN, undefined).
fn at(path: &str, value: ConfigValue) -> ConfigValue {
    path.rsplit('.').fold(value, |inner, key| {
        ConfigValue::Object(vec![(key.to_owned(), inner)])
    })
}

fn config_error(value: &ConfigValue) -> String {
    let err = Config::from_value(value).unwrap_err();
    assert_eq!(err.code(), "INVALID_CONFIG");
    err.to_string()
}

fn options(value: &ConfigValue) -> Result<SubscribeOptions, Error> {
    SubscribeOptions::from_value(value, &DeliveryOptions::default())
}

fn options_error(value: &ConfigValue) -> String {
    let err = options(value).unwrap_err();
    assert_eq!(err.code(), "INVALID_ARGUMENT");
    err.to_string()
}

/// Every integer key below `delivery` (and at the top of subscribe options) with its minimum.
const DELIVERY_INTS: [(&str, u32); 8] = [
    ("maxInFlight", 1),
    ("ackTimeoutMs", 0),
    ("maxDeliveryAttempts", 1),
    ("queueCapacity", 1),
    ("retryBackoff.initialMs", 0),
    ("retryBackoff.maxMs", 0),
    ("circuitBreaker.failureThreshold", 1),
    ("circuitBreaker.resetTimeoutMs", 0),
];

const LIMIT_INTS: [(&str, u32); 9] = [
    ("maxTopics", 1),
    ("maxSubscriptionsPerTopic", 1),
    ("maxTopicNameLength", 1),
    ("maxMessageBytes", 1),
    ("maxAttributes", 1),
    ("maxAttributeKeyLength", 1),
    ("maxAttributeValueLength", 1),
    ("maxBatchSize", 1),
    ("maxDeadLetters", 0),
];

fn config_int_keys() -> Vec<(String, u32)> {
    let limits = LIMIT_INTS
        .iter()
        .map(|&(k, min)| (format!("limits.{k}"), min));
    let delivery = DELIVERY_INTS
        .iter()
        .map(|&(k, min)| (format!("delivery.{k}"), min));
    limits
        .chain(delivery)
        .chain([("delivery.circuitBreaker.halfOpenMaxCalls".to_string(), 1)])
        .collect()
}

fn bad_integers(min: u32) -> Vec<ConfigValue> {
    let mut bad = vec![
        Number(f64::NAN),
        Number(f64::INFINITY),
        Number(f64::NEG_INFINITY),
        Number(-1.0),
        Number(1.5),
        Number(2147483648.0),
        js(json!("5")),
        js(json!(null)),
        js(json!(true)),
        js(json!([5])),
        js(json!({ "value": 5 })),
        ConfigValue::Other("bigint"),
    ];
    if min == 1 {
        bad.push(Number(0.0));
    }
    bad
}

#[test]
fn no_config_or_an_empty_one_gives_the_documented_defaults() {
    let expected = Config {
        auto_create_topics: false,
        limits: Limits {
            max_topics: 1024,
            max_subscriptions_per_topic: 256,
            max_topic_name_length: 255,
            max_message_bytes: 1_048_576,
            max_attributes: 32,
            max_attribute_key_length: 256,
            max_attribute_value_length: 1024,
            max_batch_size: 1000,
            max_dead_letters: 1000,
        },
        delivery: DeliveryOptions {
            max_in_flight: 1,
            ack_timeout_ms: 30_000,
            max_delivery_attempts: 5,
            retry_backoff: Backoff {
                initial_ms: 100,
                max_ms: 10_000,
                multiplier: 2.0,
            },
            circuit_breaker: BreakerConfig {
                failure_threshold: 10,
                reset_timeout_ms: 30_000,
                half_open_max_calls: 1,
            },
            queue_capacity: 10_000,
            overflow: Overflow::Reject,
        },
    };
    assert_eq!(Config::default(), expected);
    assert_eq!(Config::from_value(&Undefined), Ok(expected.clone()));
    assert_eq!(Config::from_value(&js(json!({}))), Ok(expected.clone()));
    assert_eq!(
        Config::from_value(&js(json!({ "limits": {}, "delivery": {} }))),
        Ok(expected)
    );
}

#[test]
fn a_config_that_is_not_an_object_is_rejected_as_config() {
    for value in [
        js(json!(null)),
        js(json!([])),
        js(json!(5)),
        js(json!("x")),
        ConfigValue::Other("function"),
    ] {
        assert_eq!(
            config_error(&value),
            "config must be an object",
            "{value:?}"
        );
    }
}

#[test]
fn every_integer_key_accepts_its_whole_range() {
    for (path, min) in config_int_keys() {
        for n in [f64::from(min), 2147483647.0] {
            assert!(
                Config::from_value(&at(&path, Number(n))).is_ok(),
                "{path} = {n}"
            );
        }
    }
}

#[test]
fn every_integer_key_rejects_wrong_types_and_numbers_out_of_range_naming_the_key() {
    for (path, min) in config_int_keys() {
        let expected = format!("{path} must be an integer from {min} to 2147483647");
        for bad in bad_integers(min) {
            assert_eq!(config_error(&at(&path, bad.clone())), expected, "{bad:?}");
        }
    }
}

#[test]
fn the_other_leaves_reject_wrong_types_naming_the_key() {
    let overflow = "\"reject\" or \"deadLetterOldest\"";
    let cases = [
        (
            "autoCreateTopics",
            "a boolean",
            vec![js(json!("true")), js(json!(1))],
        ),
        (
            "delivery.overflow",
            overflow,
            vec![js(json!("drop")), js(json!(null))],
        ),
        ("limits", "an object", vec![js(json!(5)), js(json!(null))]),
        ("delivery", "an object", vec![js(json!([]))]),
        ("delivery.retryBackoff", "an object", vec![js(json!(true))]),
        ("delivery.circuitBreaker", "an object", vec![js(json!("x"))]),
        (
            "delivery.retryBackoff.multiplier",
            "a number from 1 to 1000",
            vec![
                Number(0.5),
                Number(1000.5),
                Number(f64::NAN),
                Number(f64::INFINITY),
                js(json!("2")),
            ],
        ),
    ];
    for (path, what, values) in cases {
        for value in values {
            let expected = format!("{path} must be {what}");
            assert_eq!(
                config_error(&at(path, value.clone())),
                expected,
                "{value:?}"
            );
        }
    }
}

#[test]
fn unknown_keys_are_named_with_the_object_they_are_in() {
    let cases = [
        (json!({ "foo": 1 }), "unknown key \"foo\" in config"),
        (
            json!({ "limits": { "maxTopic": 1 } }),
            "unknown key \"maxTopic\" in limits",
        ),
        (
            json!({ "delivery": { "name": "x" } }),
            "unknown key \"name\" in delivery",
        ),
        (
            json!({ "delivery": { "retryBackoff": { "max": 1 } } }),
            "unknown key \"max\" in delivery.retryBackoff",
        ),
        (
            json!({ "delivery": { "circuitBreaker": { "threshold": 1 } } }),
            "unknown key \"threshold\" in delivery.circuitBreaker",
        ),
        (
            json!({ "maxTopics": 1 }),
            "unknown key \"maxTopics\" in config: it belongs under limits: { maxTopics: … }",
        ),
    ];
    for (value, expected) in cases {
        assert_eq!(config_error(&js(value)), expected);
    }
    let sneaky = at("limits.a\u{202e}b", Number(1.0));
    assert_eq!(
        config_error(&sneaky),
        "unknown key \"a\\u{202e}b\" in limits"
    );
}

#[test]
fn a_partial_nested_object_merges_with_the_defaults() {
    let config = Config::from_value(&js(json!({
        "autoCreateTopics": true,
        "limits": { "maxTopics": 3, "maxDeadLetters": 0 },
        "delivery": { "retryBackoff": { "maxMs": 500 }, "overflow": "deadLetterOldest" }
    })))
    .unwrap();
    assert!(config.auto_create_topics);
    assert_eq!(
        config.limits,
        Limits {
            max_topics: 3,
            max_dead_letters: 0,
            ..Limits::default()
        }
    );
    assert_eq!(
        config.delivery.retry_backoff,
        Backoff {
            max_ms: 500,
            ..Backoff::default()
        }
    );
    assert_eq!(config.delivery.overflow, Overflow::DeadLetterOldest);
    assert_eq!(config.delivery.circuit_breaker, BreakerConfig::default());
}

#[test]
fn keys_given_as_undefined_keep_their_defaults() {
    for path in [
        "autoCreateTopics",
        "limits",
        "limits.maxTopics",
        "delivery.retryBackoff",
        "delivery.overflow",
        "clock",
    ] {
        assert_eq!(
            Config::from_value(&at(path, Undefined)),
            Ok(Config::default()),
            "{path}"
        );
    }
}

#[test]
fn the_host_keys_are_accepted_whatever_they_hold() {
    let value = ConfigValue::Object(vec![
        ("clock".into(), js(json!({ "now": 1, "other": [1] }))),
        ("onDeadLetter".into(), ConfigValue::Other("function")),
        ("logger".into(), js(json!(null))),
    ]);
    assert_eq!(Config::from_value(&value), Ok(Config::default()));
}

#[test]
fn subscribe_options_merge_onto_non_default_delivery_defaults() {
    let defaults = DeliveryOptions {
        max_in_flight: 4,
        retry_backoff: Backoff {
            initial_ms: 7,
            max_ms: 70,
            multiplier: 1.5,
        },
        overflow: Overflow::DeadLetterOldest,
        ..DeliveryOptions::default()
    };
    let value = js(json!({ "name": "audit", "queueCapacity": 3, "retryBackoff": { "maxMs": 90 } }));
    let options = SubscribeOptions::from_value(&value, &defaults).unwrap();
    assert_eq!(options.name.as_deref(), Some("audit"));
    let expected = DeliveryOptions {
        queue_capacity: 3,
        retry_backoff: Backoff {
            max_ms: 90,
            ..defaults.retry_backoff.clone()
        },
        ..defaults.clone()
    };
    assert_eq!(options.delivery, Some(expected));
    assert_eq!(
        SubscribeOptions::from_value(&Undefined, &defaults)
            .unwrap()
            .delivery,
        Some(defaults)
    );
}

#[test]
fn every_subscribe_option_rejects_bad_values_naming_the_option() {
    let ints = DELIVERY_INTS
        .iter()
        .copied()
        .chain([("circuitBreaker.halfOpenMaxCalls", 1)]);
    for (key, min) in ints {
        let expected = format!("options.{key} must be an integer from {min} to 2147483647");
        for bad in bad_integers(min) {
            assert_eq!(options_error(&at(key, bad.clone())), expected, "{bad:?}");
        }
    }
    let cases = [
        (json!({ "name": 5 }), "options.name must be a string"),
        (
            json!({ "overflow": "dropNewest" }),
            "options.overflow must be \"reject\" or \"deadLetterOldest\"",
        ),
        (
            json!({ "retryBackoff": { "multiplier": 0 } }),
            "options.retryBackoff.multiplier must be a number from 1 to 1000",
        ),
        (
            json!({ "retryBackoff": 100 }),
            "options.retryBackoff must be an object",
        ),
        (json!({ "nmae": "x" }), "unknown key \"nmae\" in options"),
        (
            json!({ "circuitBreaker": { "reset": 1 } }),
            "unknown key \"reset\" in options.circuitBreaker",
        ),
        (json!({ "limits": {} }), "unknown key \"limits\" in options"),
    ];
    for (value, expected) in cases {
        assert_eq!(options_error(&js(value)), expected);
    }
}

#[test]
fn options_that_are_not_an_object_are_rejected() {
    for value in [js(json!(null)), js(json!([])), js(json!("name"))] {
        assert_eq!(options_error(&value), "options must be an object");
    }
}

#[test]
fn a_filter_is_an_object_of_strings_kept_in_order() {
    let text = |s: &str| ConfigValue::String(s.into());
    let filter = ConfigValue::Object(vec![
        ("tier".into(), text("")),
        ("region".into(), text("eu")),
    ]);
    let signal = js(json!({ "aborted": false }));
    let value = ConfigValue::Object(vec![("filter".into(), filter), ("signal".into(), signal)]);
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        options(&value).unwrap().filter,
        [pair("tier", ""), pair("region", "eu")]
    );
    let cases = [
        (
            json!({ "filter": "region=eu" }),
            "options.filter must be an object",
        ),
        (
            json!({ "filter": ["eu"] }),
            "options.filter must be an object",
        ),
        (
            json!({ "filter": { "region": 1 } }),
            "options.filter[\"region\"] must be a string",
        ),
        (
            json!({ "filter": { "a": "x", "tier": null } }),
            "options.filter[\"tier\"] must be a string",
        ),
        (
            json!({ "filter": { "n": { "x": "y" } } }),
            "options.filter[\"n\"] must be a string",
        ),
    ];
    for (value, expected) in cases {
        assert_eq!(options_error(&js(value)), expected);
    }
}

fn backoff(initial_ms: u32, max_ms: u32, multiplier: f64) -> Backoff {
    Backoff {
        initial_ms,
        max_ms,
        multiplier,
    }
}

#[test]
fn backoff_delays_grow_by_the_multiplier_up_to_the_cap() {
    let max = 2_147_483_647;
    let table = [
        (Backoff::default(), 1, 100),
        (Backoff::default(), 2, 200),
        (Backoff::default(), 3, 400),
        (Backoff::default(), 7, 6400),
        (Backoff::default(), 8, 10_000),
        (Backoff::default(), 1000, 10_000),
        (Backoff::default(), u32::MAX, 10_000),
        (backoff(50, 1000, 1.0), 1, 50),
        (backoff(50, 1000, 1.0), u32::MAX, 50),
        (backoff(10, max, 1000.0), 2, 10_000),
        (backoff(10, max, 1000.0), 4, max),
        (backoff(10, max, 1000.0), u32::MAX, max),
        (backoff(0, 0, 2.0), 1, 0),
        (backoff(0, 0, 2.0), u32::MAX, 0),
    ];
    for (backoff, attempts, expected) in table {
        let delay = backoff.delay_ms(attempts);
        assert_eq!(delay, expected, "{backoff:?} after {attempts}");
    }
}

fn any_value() -> impl proptest::strategy::Strategy<Value = ConfigValue> {
    use proptest::prelude::*;
    let keys = prop::sample::select(vec!["limits", "delivery", "retryBackoff", "maxMs", "x"]);
    let leaf = prop_oneof![
        Just(Undefined),
        any::<f64>().prop_map(Number),
        any::<bool>().prop_map(ConfigValue::Bool),
        "[a-z]{0,3}".prop_map(ConfigValue::String),
    ];
    leaf.prop_recursive(4, 32, 4, move |inner| {
        let entry = (keys.clone().prop_map(String::from), inner);
        prop::collection::vec(entry, 0..4).prop_map(ConfigValue::Object)
    })
}

proptest::proptest! {
    #[test]
    fn reading_any_value_never_panics(value in any_value()) {
        let _ = Config::from_value(&value);
        let _ = SubscribeOptions::from_value(&value, &DeliveryOptions::default());
    }
}

#[test]
fn a_delivery_or_limits_key_at_the_top_of_the_config_names_where_it_belongs() {
    let err = Config::from_value(&js(json!({ "maxInFlight": 4 }))).unwrap_err();
    assert_eq!(err.code(), "INVALID_CONFIG");
    assert!(err.to_string().contains("it belongs under delivery: { maxInFlight: … }"), "{err}");
    let err = Config::from_value(&js(json!({ "delivery": { "maxTopics": 4 } }))).unwrap_err();
    assert!(err.to_string().contains("it belongs under limits"), "{err}");
    let err = Config::from_value(&js(json!({ "delivery": { "initialMs": 4 } }))).unwrap_err();
    assert!(err.to_string().contains("it belongs under retryBackoff"), "{err}");
}

#[test]
fn errors_that_have_a_remedy_name_it() {
    let missing = wasm_pubsub::Error::TopicNotFound("orders".into()).to_string();
    assert!(missing.contains("createTopic(\"orders\")") && missing.contains("autoCreateTopics: true"), "{missing}");
    let full = wasm_pubsub::Error::QueueFull { subscription: "audit".into(), capacity: 10 }.to_string();
    assert!(full.contains("queueCapacity") && full.contains("overflow: \"deadLetterOldest\""), "{full}");
}
