//! The config schema as tables: which key holds which setting, and how it is read.
//!
//! Every object of the schema is a table of keys, and one walk ([`read`]) reads any object
//! through its tables into [`Settings`], on top of the values already there (the defaults),
//! so a partial object merges. The delivery keys are one table, read under
//! `config.delivery` and at the top level of subscribe options alike. Tables rather than a
//! `match` per object keep the wasm small: one walk serves them all.

use super::value::{set, ConfigValue, Scope};
use super::{Config, DeliveryOptions, SubscribeOptions};
use crate::error::Error;

/// Everything a walk may set: a whole config, or subscribe options (whose delivery keys
/// land in `config.delivery`).
#[derive(Default)]
struct Settings {
    config: Config,
    name: Option<String>,
    filter: Vec<(String, String)>,
}

/// How one key is read.
enum Read {
    /// An integer from the given minimum to 2³¹−1, into the field the function picks.
    Int(u32, fn(&mut Settings) -> &mut u32),
    /// Anything else, by its own reader.
    With(fn(&Scope, &ConfigValue, &mut Settings) -> crate::Result<()>),
}

/// The keys of one object of the schema.
type Table = [(&'static str, Read)];

const CONFIG: &Table = &[
    ("autoCreateTopics", Read::With(|f, v, s| {
        f.bool(v).map(|b| set(&mut s.config.auto_create_topics, b))
    })),
    ("limits", Read::With(|f, v, s| read(f, v, s, &[LIMITS]))),
    ("delivery", Read::With(|f, v, s| read(f, v, s, &[DELIVERY]))),
    ("clock", Read::With(ignore)),
    ("onDeadLetter", Read::With(ignore)),
    ("logger", Read::With(ignore)),
    ("deadLetterStore", Read::With(ignore)),
];

const LIMITS: &Table = &[
    ("maxTopics", Read::Int(1, |s| &mut s.config.limits.max_topics)),
    ("maxSubscriptionsPerTopic", Read::Int(1, |s| &mut s.config.limits.max_subscriptions_per_topic)),
    ("maxTopicNameLength", Read::Int(1, |s| &mut s.config.limits.max_topic_name_length)),
    ("maxMessageBytes", Read::Int(1, |s| &mut s.config.limits.max_message_bytes)),
    ("maxAttributes", Read::Int(1, |s| &mut s.config.limits.max_attributes)),
    ("maxAttributeKeyLength", Read::Int(1, |s| &mut s.config.limits.max_attribute_key_length)),
    ("maxAttributeValueLength", Read::Int(1, |s| &mut s.config.limits.max_attribute_value_length)),
    ("maxBatchSize", Read::Int(1, |s| &mut s.config.limits.max_batch_size)),
    ("maxDeadLetters", Read::Int(0, |s| &mut s.config.limits.max_dead_letters)),
];

const DELIVERY: &Table = &[
    ("maxInFlight", Read::Int(1, |s| &mut s.config.delivery.max_in_flight)),
    ("ackTimeoutMs", Read::Int(0, |s| &mut s.config.delivery.ack_timeout_ms)),
    ("maxDeliveryAttempts", Read::Int(1, |s| &mut s.config.delivery.max_delivery_attempts)),
    ("retryBackoff", Read::With(|f, v, s| read(f, v, s, &[BACKOFF]))),
    ("circuitBreaker", Read::With(|f, v, s| read(f, v, s, &[BREAKER]))),
    ("queueCapacity", Read::Int(1, |s| &mut s.config.delivery.queue_capacity)),
    ("overflow", Read::With(|f, v, s| f.overflow(v).map(|o| set(&mut s.config.delivery.overflow, o)))),
];

const BACKOFF: &Table = &[
    ("initialMs", Read::Int(0, |s| &mut s.config.delivery.retry_backoff.initial_ms)),
    ("maxMs", Read::Int(0, |s| &mut s.config.delivery.retry_backoff.max_ms)),
    ("multiplier", Read::With(|f, v, s| {
        f.multiplier(v).map(|m| set(&mut s.config.delivery.retry_backoff.multiplier, m))
    })),
];

const BREAKER: &Table = &[
    ("failureThreshold", Read::Int(1, |s| &mut s.config.delivery.circuit_breaker.failure_threshold)),
    ("resetTimeoutMs", Read::Int(0, |s| &mut s.config.delivery.circuit_breaker.reset_timeout_ms)),
    ("halfOpenMaxCalls", Read::Int(1, |s| &mut s.config.delivery.circuit_breaker.half_open_max_calls)),
];

/// The keys `bus.configure(changes)` reads: the config's keys but those of the host, which
/// are fixed when the bus is made.
const CHANGES: &Table = &[
    ("autoCreateTopics", Read::With(|f, v, s| {
        f.bool(v).map(|b| set(&mut s.config.auto_create_topics, b))
    })),
    ("limits", Read::With(|f, v, s| read(f, v, s, &[LIMITS]))),
    ("delivery", Read::With(|f, v, s| read(f, v, s, &[DELIVERY]))),
    ("clock", Read::With(fixed_at_construction)),
    ("onDeadLetter", Read::With(fixed_at_construction)),
    ("logger", Read::With(fixed_at_construction)),
    ("deadLetterStore", Read::With(fixed_at_construction)),
];

/// The keys of subscribe options that `subscription.update(changes)` cannot change.
const FIXED_AT_SUBSCRIBE: &Table = &[
    ("name", Read::With(fixed_at_subscribe)),
    ("filter", Read::With(fixed_at_subscribe)),
    ("signal", Read::With(fixed_at_subscribe)),
];

/// The keys of subscribe options besides the delivery keys.
const SUBSCRIBE: &Table = &[
    ("name", Read::With(|f, v, s| f.string(v).map(|n| set(&mut s.name, n.map(Some))))),
    ("filter", Read::With(filter)),
    ("signal", Read::With(ignore)),
];

/// Reads a whole `PubSubConfig`; errors are [`Error::InvalidConfig`].
pub(super) fn config(value: &ConfigValue) -> crate::Result<Config> {
    let mut settings = Settings::default();
    read(&Scope::root("config", false, Error::InvalidConfig), value, &mut settings, &[CONFIG])?;
    Ok(settings.config)
}

/// Reads `bus.configure(changes)` over `current`; errors are [`Error::InvalidConfig`].
pub(super) fn config_changes(value: &ConfigValue, current: &Config) -> crate::Result<Config> {
    let mut settings = Settings { config: current.clone(), ..Settings::default() };
    read(&Scope::root("config", false, Error::InvalidConfig), value, &mut settings, &[CHANGES])?;
    Ok(settings.config)
}

/// Reads `subscription.update(changes)` over `current`; errors are [`Error::InvalidArgument`].
pub(super) fn delivery_changes(value: &ConfigValue, current: &DeliveryOptions) -> crate::Result<DeliveryOptions> {
    let mut settings = Settings::default();
    settings.config.delivery = current.clone();
    read(&Scope::root("options", true, Error::InvalidArgument), value, &mut settings, &[DELIVERY, FIXED_AT_SUBSCRIBE])?;
    Ok(settings.config.delivery)
}

/// Reads subscribe options over `defaults`; errors are [`Error::InvalidArgument`].
pub(super) fn subscribe_options(
    value: &ConfigValue,
    defaults: &DeliveryOptions,
) -> crate::Result<SubscribeOptions> {
    let mut settings = Settings::default();
    settings.config.delivery = defaults.clone();
    let scope = Scope::root("options", true, Error::InvalidArgument);
    read(&scope, value, &mut settings, &[SUBSCRIBE, DELIVERY])?;
    Ok(SubscribeOptions {
        name: settings.name,
        filter: settings.filter,
        delivery: Some(settings.config.delivery),
    })
}

/// Reads an object whose keys are those of `tables` into `settings`.
fn read(
    scope: &Scope,
    value: &ConfigValue,
    settings: &mut Settings,
    tables: &[&Table],
) -> crate::Result<()> {
    scope.object(value, |field, key, value| {
        let Some(how) = lookup(tables, key) else {
            return match home(key) {
                Some(home) => Err(scope.misplaced(key, home)),
                None => Ok(false),
            };
        };
        match how {
            Read::Int(min, slot) => set(slot(settings), field.int(value, *min)?),
            Read::With(reader) => reader(field, value, settings)?,
        }
        Ok(true)
    })
}

/// The objects nested in the schema, by the key that holds each.
const NESTED: [(&str, &Table); 4] =
    [("delivery", DELIVERY), ("limits", LIMITS), ("retryBackoff", BACKOFF), ("circuitBreaker", BREAKER)];

/// The config keys the binding reads itself.
pub const HOST_KEYS: [&str; 4] = ["clock", "onDeadLetter", "logger", "deadLetterStore"];

/// Where a key of the schema belongs, for the error that names a key given at the wrong
/// level (`maxInFlight` at the top of the config).
fn home(key: &str) -> Option<&'static str> {
    NESTED.into_iter().find(|(_, table)| table.iter().any(|(name, _)| *name == key)).map(|(home, _)| home)
}

/// Every setting of a config as its path of keys (`["delivery", "retryBackoff",
/// "initialMs"]`), host keys left out: what an environment variable may set.
pub(super) fn setting_paths() -> Vec<Vec<&'static str>> {
    let mut paths = Vec::new();
    collect_paths(CONFIG, &mut Vec::new(), &mut paths);
    paths
}

fn collect_paths(table: &Table, path: &mut Vec<&'static str>, paths: &mut Vec<Vec<&'static str>>) {
    for &(key, _) in table.iter().filter(|(key, _)| !HOST_KEYS.contains(key)) {
        path.push(key);
        match NESTED.iter().find(|(name, _)| *name == key) {
            Some((_, nested)) => collect_paths(nested, path, paths),
            None => paths.push(path.clone()),
        }
        path.pop();
    }
}

/// How `key` is read, from the first of `tables` that has it.
fn lookup<'t>(tables: &[&'t Table], key: &str) -> Option<&'t Read> {
    for table in tables {
        for (name, how) in table.iter() {
            if *name == key {
                return Some(how);
            }
        }
    }
    None
}

/// A host key `configure` refuses: the bus was built around it.
fn fixed_at_construction(scope: &Scope, _: &ConfigValue, _: &mut Settings) -> crate::Result<()> {
    Err(scope.refuse("is fixed when the bus is made: create a new PubSub to change it"))
}

/// A subscribe option `update` refuses: it names the subscription, so it cannot change.
fn fixed_at_subscribe(scope: &Scope, _: &ConfigValue, _: &mut Settings) -> crate::Result<()> {
    Err(scope.refuse("is fixed when subscribing: unsubscribe and subscribe again to change it"))
}

/// A key the binding reads itself: accepted whatever its value.
fn ignore(_: &Scope, _: &ConfigValue, _: &mut Settings) -> crate::Result<()> {
    Ok(())
}

/// Reads a filter: an object whose given values are all strings (`undefined` is skipped).
fn filter(scope: &Scope, value: &ConfigValue, settings: &mut Settings) -> crate::Result<()> {
    scope.object(value, |_, key, value| {
        if let Some(wanted) = scope.entry(key).string(value)? {
            settings.filter.push((key.to_owned(), wanted));
        }
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Backoff, BreakerConfig, Overflow};
    use ConfigValue::{Number, Object, Undefined};

    fn object(entries: &[(&str, ConfigValue)]) -> ConfigValue {
        Object(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn given_a_partial_breaker_the_other_breaker_settings_keep_their_defaults() {
        let value = object(&[(
            "delivery",
            object(&[(
                "circuitBreaker",
                object(&[("halfOpenMaxCalls", Number(3.0))]),
            )]),
        )]);
        let breaker = config(&value).unwrap().delivery.circuit_breaker;
        assert_eq!(
            breaker,
            BreakerConfig {
                half_open_max_calls: 3,
                ..BreakerConfig::default()
            }
        );
    }

    #[test]
    fn every_delivery_key_reads_the_same_in_config_and_in_subscribe_options() {
        let keys = object(&[
            ("maxInFlight", Number(4.0)),
            ("ackTimeoutMs", Number(0.0)),
            ("maxDeliveryAttempts", Number(2.0)),
            (
                "retryBackoff",
                object(&[("initialMs", Number(0.0)), ("multiplier", Number(1.0))]),
            ),
            ("circuitBreaker", object(&[("resetTimeoutMs", Number(5.0))])),
            ("queueCapacity", Number(7.0)),
            ("overflow", ConfigValue::String("deadLetterOldest".into())),
        ]);
        let from_config = config(&object(&[("delivery", keys.clone())]))
            .unwrap()
            .delivery;
        let from_options = subscribe_options(&keys, &DeliveryOptions::default())
            .unwrap()
            .delivery;
        assert_eq!(Some(from_config.clone()), from_options);
        assert_eq!(from_config.overflow, Overflow::DeadLetterOldest);
        assert_eq!(
            from_config.retry_backoff,
            Backoff {
                initial_ms: 0,
                max_ms: 10_000,
                multiplier: 1.0
            }
        );
    }

    #[test]
    fn the_same_bad_key_is_invalid_config_in_config_and_invalid_argument_in_options() {
        let bad = object(&[("maxInFlight", Number(0.0))]);
        let err = config(&object(&[("delivery", bad.clone())])).unwrap_err();
        assert_eq!(
            err,
            Error::InvalidConfig(
                "delivery.maxInFlight must be an integer from 1 to 2147483647".into()
            )
        );
        let err = subscribe_options(&bad, &DeliveryOptions::default()).unwrap_err();
        assert_eq!(
            err,
            Error::InvalidArgument(
                "options.maxInFlight must be an integer from 1 to 2147483647".into()
            )
        );
    }

    #[test]
    fn an_undefined_name_or_filter_value_counts_as_not_given() {
        let value = object(&[("name", Undefined), ("filter", object(&[("a", Undefined)]))]);
        let options = subscribe_options(&value, &DeliveryOptions::default()).unwrap();
        assert_eq!((options.name, options.filter), (None, vec![]));
    }

    #[test]
    fn limits_nested_too_deep_are_just_the_wrong_type() {
        let value = object(&[(
            "limits",
            object(&[("maxTopics", object(&[("x", object(&[]))]))]),
        )]);
        let err = config(&value).unwrap_err().to_string();
        assert_eq!(
            err,
            "limits.maxTopics must be an integer from 1 to 2147483647"
        );
    }
}
