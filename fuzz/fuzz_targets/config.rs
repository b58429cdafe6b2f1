//! Config trees: `Config::from_value`, `SubscribeOptions::from_value` and `parse_millis`
//! never panic on any `ConfigValue` tree; refusals are `INVALID_CONFIG` (config) or
//! `INVALID_ARGUMENT` (options, milliseconds) with a short, escaped message; an accepted
//! value holds only sane ranges and reads back the same when written out again.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wasm_pubsub::{
    parse_millis, Config, ConfigValue, DeliveryOptions, Limits, Overflow, SubscribeOptions, QUOTE_MAX_CHARS,
};

/// The largest count or millisecond value the parsers accept: 2³¹−1.
const MAX_INT: u32 = i32::MAX as u32;

/// Every key the schemas know, so the fuzzer reaches deep settings without guessing names.
const KEYS: &[&str] = &[
    "autoCreateTopics", "limits", "delivery", "clock", "onDeadLetter", "logger", "maxTopics",
    "maxSubscriptionsPerTopic", "maxTopicNameLength", "maxMessageBytes", "maxAttributes",
    "maxAttributeKeyLength", "maxAttributeValueLength", "maxBatchSize", "maxDeadLetters",
    "maxInFlight", "ackTimeoutMs", "maxDeliveryAttempts", "retryBackoff", "initialMs", "maxMs",
    "multiplier", "circuitBreaker", "failureThreshold", "resetTimeoutMs", "halfOpenMaxCalls",
    "queueCapacity", "overflow", "name", "filter", "signal",
];

const NUMBERS: &[f64] = &[
    0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.0, 1000.0, 1000.5, 2147483647.0, 2147483648.0, 4294967296.0,
    f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, f64::MIN_POSITIVE, 5e-324,
];

const STRINGS: &[&str] = &["reject", "deadLetterOldest", "", "Reject", "audit", "a\u{202e}b"];

const OTHERS: &[&str] = &["function", "symbol", "bigint", "array", "object"];

#[derive(Arbitrary, Debug)]
struct Input {
    config: Tree,
    options: Tree,
    millis: Tree,
}

/// A JavaScript-like value, built from the fuzz bytes.
#[derive(Arbitrary, Debug)]
enum Tree {
    Undefined,
    Null,
    Bool(bool),
    Number(Number),
    String(Text),
    Object(Vec<(Text, Tree)>),
    Other(u8),
}

#[derive(Arbitrary, Debug)]
enum Number {
    Special(u8),
    Int(i64),
    Raw(f64),
}

/// A known key or string, or any text.
#[derive(Arbitrary, Debug)]
enum Text {
    Key(u8),
    Known(u8),
    Raw(String),
}

impl Text {
    fn get(&self) -> String {
        match self {
            Text::Key(n) => KEYS[usize::from(*n) % KEYS.len()].to_owned(),
            Text::Known(n) => STRINGS[usize::from(*n) % STRINGS.len()].to_owned(),
            Text::Raw(text) => text.clone(),
        }
    }
}

impl Tree {
    /// The tree as a `ConfigValue`; below depth 8 everything is `undefined`.
    fn value(&self, depth: u32) -> ConfigValue {
        match self {
            _ if depth > 8 => ConfigValue::Undefined,
            Tree::Undefined => ConfigValue::Undefined,
            Tree::Null => ConfigValue::Null,
            Tree::Bool(b) => ConfigValue::Bool(*b),
            Tree::Number(Number::Special(n)) => ConfigValue::Number(NUMBERS[usize::from(*n) % NUMBERS.len()]),
            Tree::Number(Number::Int(n)) => ConfigValue::Number(*n as f64),
            Tree::Number(Number::Raw(n)) => ConfigValue::Number(*n),
            Tree::String(text) => ConfigValue::String(text.get()),
            Tree::Object(entries) => {
                ConfigValue::Object(entries.iter().map(|(k, v)| (k.get(), v.value(depth + 1))).collect())
            }
            Tree::Other(n) => ConfigValue::Other(OTHERS[usize::from(*n) % OTHERS.len()]),
        }
    }
}

fuzz_target!(|input: Input| {
    let defaults = match Config::from_value(&input.config.value(0)) {
        Ok(config) => {
            sane_limits(&config.limits);
            sane_delivery(&config.delivery);
            assert_eq!(Config::from_value(&config_value(&config)).as_ref(), Ok(&config), "config round trip");
            config.delivery
        }
        Err(err) => {
            refusal(&err, "INVALID_CONFIG");
            DeliveryOptions::default()
        }
    };
    match SubscribeOptions::from_value(&input.options.value(0), &defaults) {
        Ok(options) => {
            sane_delivery(options.delivery.as_ref().expect("from_value fills the delivery settings"));
            let again = SubscribeOptions::from_value(&options_value(&options), &DeliveryOptions::default());
            assert_eq!(again.as_ref(), Ok(&options), "options round trip");
        }
        Err(err) => refusal(&err, "INVALID_ARGUMENT"),
    }
    let millis = input.millis.value(0);
    match parse_millis("drainTimeoutMs", &millis) {
        Ok(Some(ms)) => assert!(ms <= MAX_INT),
        Ok(None) => assert_eq!(millis, ConfigValue::Undefined),
        Err(err) => refusal(&err, "INVALID_ARGUMENT"),
    }
});

/// A refusal has the expected code and a short message with no raw control character.
fn refusal(err: &wasm_pubsub::Error, code: &str) {
    assert_eq!(err.code(), code, "{err}");
    let message = err.to_string();
    assert!(message.chars().count() <= QUOTE_MAX_CHARS * 10 + 120, "a long message: {message}");
    let raw = |c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}';
    assert!(!message.chars().any(raw), "an unescaped character in {message:?}");
}

fn count(n: u32) {
    assert!((1..=MAX_INT).contains(&n), "count {n}");
}

fn millis(n: u32) {
    assert!(n <= MAX_INT, "milliseconds {n}");
}

fn sane_limits(l: &Limits) {
    for n in [
        l.max_topics,
        l.max_subscriptions_per_topic,
        l.max_topic_name_length,
        l.max_message_bytes,
        l.max_attributes,
        l.max_attribute_key_length,
        l.max_attribute_value_length,
        l.max_batch_size,
    ] {
        count(n);
    }
    millis(l.max_dead_letters);
}

fn sane_delivery(d: &DeliveryOptions) {
    for n in [d.max_in_flight, d.max_delivery_attempts, d.queue_capacity] {
        count(n);
    }
    let b = &d.circuit_breaker;
    count(b.failure_threshold);
    count(b.half_open_max_calls);
    for n in [d.ack_timeout_ms, d.retry_backoff.initial_ms, d.retry_backoff.max_ms, b.reset_timeout_ms] {
        millis(n);
    }
    let multiplier = d.retry_backoff.multiplier;
    assert!(multiplier.is_finite() && (1.0..=1000.0).contains(&multiplier), "multiplier {multiplier}");
    for failed in [0, 1, 2, 31, 64, u32::MAX] {
        assert!(d.retry_backoff.delay_ms(failed) <= d.retry_backoff.max_ms, "a delay above maxMs");
    }
}

fn object(entries: Vec<(&str, ConfigValue)>) -> ConfigValue {
    ConfigValue::Object(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn number(n: u32) -> ConfigValue {
    ConfigValue::Number(f64::from(n))
}

fn config_value(c: &Config) -> ConfigValue {
    let l = &c.limits;
    let limits = object(vec![
        ("maxTopics", number(l.max_topics)),
        ("maxSubscriptionsPerTopic", number(l.max_subscriptions_per_topic)),
        ("maxTopicNameLength", number(l.max_topic_name_length)),
        ("maxMessageBytes", number(l.max_message_bytes)),
        ("maxAttributes", number(l.max_attributes)),
        ("maxAttributeKeyLength", number(l.max_attribute_key_length)),
        ("maxAttributeValueLength", number(l.max_attribute_value_length)),
        ("maxBatchSize", number(l.max_batch_size)),
        ("maxDeadLetters", number(l.max_dead_letters)),
    ]);
    object(vec![
        ("autoCreateTopics", ConfigValue::Bool(c.auto_create_topics)),
        ("limits", limits),
        ("delivery", object(delivery_entries(&c.delivery))),
    ])
}

fn delivery_entries(d: &DeliveryOptions) -> Vec<(&'static str, ConfigValue)> {
    let (b, r) = (&d.circuit_breaker, &d.retry_backoff);
    let overflow = match d.overflow {
        Overflow::Reject => "reject",
        Overflow::DeadLetterOldest => "deadLetterOldest",
    };
    vec![
        ("maxInFlight", number(d.max_in_flight)),
        ("ackTimeoutMs", number(d.ack_timeout_ms)),
        ("maxDeliveryAttempts", number(d.max_delivery_attempts)),
        (
            "retryBackoff",
            object(vec![
                ("initialMs", number(r.initial_ms)),
                ("maxMs", number(r.max_ms)),
                ("multiplier", ConfigValue::Number(r.multiplier)),
            ]),
        ),
        (
            "circuitBreaker",
            object(vec![
                ("failureThreshold", number(b.failure_threshold)),
                ("resetTimeoutMs", number(b.reset_timeout_ms)),
                ("halfOpenMaxCalls", number(b.half_open_max_calls)),
            ]),
        ),
        ("queueCapacity", number(d.queue_capacity)),
        ("overflow", ConfigValue::String(overflow.to_owned())),
    ]
}

fn options_value(o: &SubscribeOptions) -> ConfigValue {
    let mut entries: Vec<(String, ConfigValue)> = Vec::new();
    if let Some(name) = &o.name {
        entries.push(("name".to_owned(), ConfigValue::String(name.clone())));
    }
    let filter = o.filter.iter().map(|(k, v)| (k.clone(), ConfigValue::String(v.clone()))).collect();
    entries.push(("filter".to_owned(), ConfigValue::Object(filter)));
    if let Some(delivery) = &o.delivery {
        entries.extend(delivery_entries(delivery).into_iter().map(|(k, v)| (k.to_owned(), v)));
    }
    ConfigValue::Object(entries)
}
