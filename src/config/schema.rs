//! The walk over the config schema: which key holds which setting.
//!
//! Each function reads one object of the schema into its typed struct, on top of the values
//! already there (the defaults), so a partial object merges. The delivery keys are read by
//! one function for both `config.delivery` and the top level of subscribe options.

use super::value::{set, ConfigValue, Scope};
use super::{Backoff, BreakerConfig, Config, DeliveryOptions, Limits, SubscribeOptions};
use crate::error::Error;

/// Reads a whole `PubSubConfig`; errors are [`Error::InvalidConfig`].
pub(super) fn config(value: &ConfigValue) -> crate::Result<Config> {
    let mut config = Config::default();
    Scope::root("config", false, Error::InvalidConfig).object(value, |field, key, value| {
        match key {
            "autoCreateTopics" => set(&mut config.auto_create_topics, field.bool(value)?),
            "limits" => limits(field, value, &mut config.limits)?,
            "delivery" => field.object(value, |f, k, v| {
                delivery_field(f, k, v, &mut config.delivery)
            })?,
            "clock" | "onDeadLetter" | "logger" => {}
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(config)
}

/// Reads subscribe options over `defaults`; errors are [`Error::InvalidArgument`].
pub(super) fn subscribe_options(
    value: &ConfigValue,
    defaults: &DeliveryOptions,
) -> crate::Result<SubscribeOptions> {
    let mut options = SubscribeOptions::default();
    let mut delivery = defaults.clone();
    Scope::root("options", true, Error::InvalidArgument).object(value, |field, key, value| {
        match key {
            "name" => set(&mut options.name, field.string(value)?.map(Some)),
            "filter" => filter(field, value, &mut options.filter)?,
            "signal" => {}
            _ => return delivery_field(field, key, value, &mut delivery),
        }
        Ok(true)
    })?;
    options.delivery = Some(delivery);
    Ok(options)
}

fn limits(scope: &Scope, value: &ConfigValue, limits: &mut Limits) -> crate::Result<()> {
    scope.object(value, |field, key, value| {
        let (slot, min) = match key {
            "maxTopics" => (&mut limits.max_topics, 1),
            "maxSubscriptionsPerTopic" => (&mut limits.max_subscriptions_per_topic, 1),
            "maxTopicNameLength" => (&mut limits.max_topic_name_length, 1),
            "maxMessageBytes" => (&mut limits.max_message_bytes, 1),
            "maxAttributes" => (&mut limits.max_attributes, 1),
            "maxAttributeKeyLength" => (&mut limits.max_attribute_key_length, 1),
            "maxAttributeValueLength" => (&mut limits.max_attribute_value_length, 1),
            "maxBatchSize" => (&mut limits.max_batch_size, 1),
            "maxDeadLetters" => (&mut limits.max_dead_letters, 0),
            _ => return Ok(false),
        };
        set(slot, field.int(value, min)?);
        Ok(true)
    })
}

/// Reads one delivery key into `delivery`; `Ok(false)` when `key` is not a delivery key.
fn delivery_field(
    field: &Scope,
    key: &str,
    value: &ConfigValue,
    delivery: &mut DeliveryOptions,
) -> crate::Result<bool> {
    match key {
        "maxInFlight" => set(&mut delivery.max_in_flight, field.int(value, 1)?),
        "ackTimeoutMs" => set(&mut delivery.ack_timeout_ms, field.int(value, 0)?),
        "maxDeliveryAttempts" => set(&mut delivery.max_delivery_attempts, field.int(value, 1)?),
        "retryBackoff" => backoff(field, value, &mut delivery.retry_backoff)?,
        "circuitBreaker" => breaker(field, value, &mut delivery.circuit_breaker)?,
        "queueCapacity" => set(&mut delivery.queue_capacity, field.int(value, 1)?),
        "overflow" => set(&mut delivery.overflow, field.overflow(value)?),
        _ => return Ok(false),
    }
    Ok(true)
}

fn backoff(scope: &Scope, value: &ConfigValue, backoff: &mut Backoff) -> crate::Result<()> {
    scope.object(value, |field, key, value| {
        match key {
            "initialMs" => set(&mut backoff.initial_ms, field.int(value, 0)?),
            "maxMs" => set(&mut backoff.max_ms, field.int(value, 0)?),
            "multiplier" => set(&mut backoff.multiplier, field.multiplier(value)?),
            _ => return Ok(false),
        }
        Ok(true)
    })
}

fn breaker(scope: &Scope, value: &ConfigValue, breaker: &mut BreakerConfig) -> crate::Result<()> {
    scope.object(value, |field, key, value| {
        match key {
            "failureThreshold" => set(&mut breaker.failure_threshold, field.int(value, 1)?),
            "resetTimeoutMs" => set(&mut breaker.reset_timeout_ms, field.int(value, 0)?),
            "halfOpenMaxCalls" => set(&mut breaker.half_open_max_calls, field.int(value, 1)?),
            _ => return Ok(false),
        }
        Ok(true)
    })
}

/// Reads a filter: an object whose given values are all strings (`undefined` is skipped).
fn filter(
    scope: &Scope,
    value: &ConfigValue,
    filter: &mut Vec<(String, String)>,
) -> crate::Result<()> {
    scope.object(value, |_, key, value| {
        if let Some(wanted) = scope.entry(key).string(value)? {
            filter.push((key.to_owned(), wanted));
        }
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Overflow;
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
