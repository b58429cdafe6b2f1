//! Broker configuration and subscribe options, with the defaults of API.md.
//!
//! JavaScript hands its plain objects to the binding, which converts them into a neutral
//! [`ConfigValue`] tree; [`Config::from_value`] and [`SubscribeOptions::from_value`] read
//! that tree strictly: unknown keys, wrong types, NaN, ±Infinity, fractions and numbers out
//! of range are errors that name the full key (`limits.maxTopics`,
//! `options.retryBackoff.maxMs`). A partial nested object merges with the defaults, and a
//! key whose value is `undefined` keeps its default.
//!
//! Counts are integers from 1 (`maxDeadLetters` from 0) to 2³¹−1, milliseconds integers
//! from 0 to 2³¹−1, and `retryBackoff.multiplier` a number from 1 to 1000 (the cap keeps
//! the delay arithmetic far from overflow surprises; any useful backoff is far below it).

mod env;
mod schema;
mod value;

pub use env::config_from_env;
/// The config keys the binding reads itself, for its conversion of the config object.
#[cfg(target_arch = "wasm32")]
pub(crate) use schema::HOST_KEYS;
pub use value::{parse_millis, ConfigValue};

/// Settings of a whole broker (`new PubSub(config)`).
///
/// Build it with [`Config::default`] and struct update syntax in Rust, or with
/// [`Config::from_value`] from a JavaScript object. The host-only keys `clock`,
/// `onDeadLetter` and `logger` are the binding's business and have no field here.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Config, Limits};
///
/// let config = Config { limits: Limits { max_topics: 8, ..Limits::default() }, ..Config::default() };
/// assert!(!config.auto_create_topics);
/// assert_eq!(config.limits.max_topics, 8);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Config {
    /// `autoCreateTopics` (default false): publish/subscribe on a missing topic creates it.
    pub auto_create_topics: bool,
    /// `limits`: the bounds on topics, messages and stores.
    pub limits: Limits,
    /// `delivery`: defaults for every subscription.
    pub delivery: DeliveryOptions,
}

impl Config {
    /// Reads a configuration object, merging it onto the defaults.
    ///
    /// `undefined` gives every default. The keys `clock`, `onDeadLetter` and `logger` are
    /// accepted and ignored: the binding reads them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) naming the key, for a top value
    /// that is not an object, an unknown key, a value of the wrong type or out of range.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Config, ConfigValue};
    ///
    /// let limits = ConfigValue::Object(vec![("maxTopics".into(), ConfigValue::Number(1.5))]);
    /// let value = ConfigValue::Object(vec![("limits".into(), limits)]);
    /// let err = Config::from_value(&value).unwrap_err();
    /// assert_eq!(err.code(), "INVALID_CONFIG");
    /// assert_eq!(err.to_string(), "limits.maxTopics must be an integer from 1 to 2147483647");
    /// assert_eq!(Config::from_value(&ConfigValue::Undefined), Ok(Config::default()));
    /// ```
    pub fn from_value(value: &ConfigValue) -> crate::Result<Config> {
        schema::config(value)
    }

    /// This config with the changes of `bus.configure(changes)`: `autoCreateTopics`,
    /// `limits` and `delivery`, merged key by key onto the current values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) as [`Config::from_value`], and
    /// for the host keys `clock`, `onDeadLetter` and `logger`, fixed when the bus is made.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Config, ConfigValue};
    ///
    /// let delivery = ConfigValue::Object(vec![("maxInFlight".into(), ConfigValue::Number(4.0))]);
    /// let changes = ConfigValue::Object(vec![("delivery".into(), delivery)]);
    /// let changed = Config::default().with_changes(&changes).unwrap();
    /// assert_eq!((changed.delivery.max_in_flight, changed.delivery.queue_capacity), (4, 10_000));
    /// let clock = ConfigValue::Object(vec![("clock".into(), ConfigValue::Null)]);
    /// assert_eq!(Config::default().with_changes(&clock).unwrap_err().code(), "INVALID_CONFIG");
    /// ```
    pub fn with_changes(&self, changes: &ConfigValue) -> crate::Result<Config> {
        schema::config_changes(changes, self)
    }
}

/// The bounds of a broker (`config.limits`); lengths count code points, sizes bytes.
///
/// Every limit is enforced where the thing it bounds is created, so nothing in the broker
/// grows without bound.
///
/// # Example
///
/// ```
/// use wasm_pubsub::Limits;
/// assert_eq!(Limits::default().max_message_bytes, 1024 * 1024);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// `maxTopics` (default 1024).
    pub max_topics: u32,
    /// `maxSubscriptionsPerTopic` (default 256), counted per topic-or-pattern string.
    pub max_subscriptions_per_topic: u32,
    /// `maxTopicNameLength` (default 255 code points); bounds subscription names too.
    pub max_topic_name_length: u32,
    /// `maxMessageBytes` (default 1 MiB): data plus attribute keys and values.
    pub max_message_bytes: u32,
    /// `maxAttributes` (default 32) per message.
    pub max_attributes: u32,
    /// `maxAttributeKeyLength` (default 256 code points).
    pub max_attribute_key_length: u32,
    /// `maxAttributeValueLength` (default 1024 code points).
    pub max_attribute_value_length: u32,
    /// `maxBatchSize` (default 1000) messages per `publishBatch`.
    pub max_batch_size: u32,
    /// `maxDeadLetters` (default 1000, may be 0) kept in memory; the oldest is evicted.
    pub max_dead_letters: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_topics: 1024,
            max_subscriptions_per_topic: 256,
            max_topic_name_length: 255,
            max_message_bytes: 1024 * 1024,
            max_attributes: 32,
            max_attribute_key_length: 256,
            max_attribute_value_length: 1024,
            max_batch_size: 1000,
            max_dead_letters: 1000,
        }
    }
}

/// How a subscription delivers (`config.delivery`, or subscribe options at the top level).
///
/// # Example
///
/// ```
/// use wasm_pubsub::{DeliveryOptions, Overflow};
///
/// let delivery = DeliveryOptions::default();
/// assert_eq!((delivery.max_in_flight, delivery.ack_timeout_ms), (1, 30_000));
/// assert_eq!(delivery.overflow, Overflow::Reject);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryOptions {
    /// `maxInFlight` (default 1): handler calls awaiting settlement at once.
    pub max_in_flight: u32,
    /// `ackTimeoutMs` (default 30000): a handler not settled by then has failed.
    pub ack_timeout_ms: u32,
    /// `maxDeliveryAttempts` (default 5): then the message is dead-lettered.
    pub max_delivery_attempts: u32,
    /// `retryBackoff`: the delay before each retry.
    pub retry_backoff: Backoff,
    /// `circuitBreaker`: when to stop delivering to a failing handler.
    pub circuit_breaker: BreakerConfig,
    /// `queueCapacity` (default 10000): messages waiting, including those awaiting a retry.
    pub queue_capacity: u32,
    /// `overflow` (default `"reject"`): what a full queue does.
    pub overflow: Overflow,
}

impl DeliveryOptions {
    /// These options with the changes of `subscription.update(changes)`: the delivery keys
    /// of subscribe options, merged key by key onto the current values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the option, as
    /// [`SubscribeOptions::from_value`], and for `name`, `filter` and `signal`, fixed when
    /// subscribing.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{ConfigValue, DeliveryOptions};
    ///
    /// let changes = ConfigValue::Object(vec![("queueCapacity".into(), ConfigValue::Number(5.0))]);
    /// let changed = DeliveryOptions::default().with_changes(&changes).unwrap();
    /// assert_eq!((changed.queue_capacity, changed.max_in_flight), (5, 1));
    /// let name = ConfigValue::Object(vec![("name".into(), ConfigValue::String("x".into()))]);
    /// let err = DeliveryOptions::default().with_changes(&name).unwrap_err();
    /// assert_eq!(err.to_string(), "options.name is fixed when subscribing: unsubscribe and subscribe again to change it");
    /// ```
    pub fn with_changes(&self, changes: &ConfigValue) -> crate::Result<DeliveryOptions> {
        schema::delivery_changes(changes, self)
    }
}

impl Default for DeliveryOptions {
    fn default() -> DeliveryOptions {
        DeliveryOptions {
            max_in_flight: 1,
            ack_timeout_ms: 30_000,
            max_delivery_attempts: 5,
            retry_backoff: Backoff::default(),
            circuit_breaker: BreakerConfig::default(),
            queue_capacity: 10_000,
            overflow: Overflow::Reject,
        }
    }
}

/// Exponential retry backoff (`retryBackoff`, default `{ initialMs: 100, maxMs: 10000,
/// multiplier: 2 }`).
///
/// The delay before attempt n+1, after n failed attempts, is
/// min(`initial_ms`·`multiplier`ⁿ⁻¹, `max_ms`).
///
/// # Example
///
/// ```
/// use wasm_pubsub::Backoff;
///
/// let backoff = Backoff::default();
/// assert_eq!([1, 2, 3].map(|n| backoff.delay_ms(n)), [100, 200, 400]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Backoff {
    /// `initialMs` (default 100): the delay after the first failure.
    pub initial_ms: u32,
    /// `maxMs` (default 10000): no delay is longer.
    pub max_ms: u32,
    /// `multiplier` (default 2): the growth per failure, 1 to 1000 when read from JavaScript.
    pub multiplier: f64,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            initial_ms: 100,
            max_ms: 10_000,
            multiplier: 2.0,
        }
    }
}

impl Backoff {
    /// The delay before attempt n+1 after n failed attempts: min(initial·multiplierⁿ⁻¹, max).
    ///
    /// `failed_attempts` 0 is treated as 1. The result is rounded to whole milliseconds and
    /// saturates at `max_ms`; it never panics and never comes from a NaN, whatever the
    /// fields hold (a NaN multiplier gives `max_ms`).
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::Backoff;
    ///
    /// let backoff = Backoff { initial_ms: 100, max_ms: 1000, multiplier: 3.0 };
    /// assert_eq!(backoff.delay_ms(3), 900);
    /// assert_eq!(backoff.delay_ms(4), 1000);
    /// assert_eq!(backoff.delay_ms(u32::MAX), 1000);
    /// ```
    pub fn delay_ms(&self, failed_attempts: u32) -> u32 {
        if self.initial_ms == 0 {
            return 0;
        }
        let exponent = i32::try_from(failed_attempts.saturating_sub(1)).unwrap_or(i32::MAX);
        let delay = f64::from(self.initial_ms) * self.multiplier.powi(exponent);
        if delay < f64::from(self.max_ms) {
            delay.round() as u32
        } else {
            self.max_ms
        }
    }
}

/// The per-subscription circuit breaker (`circuitBreaker`).
///
/// After `failure_threshold` consecutive failed attempts it opens for `reset_timeout_ms`,
/// then lets `half_open_max_calls` trial deliveries through.
///
/// # Example
///
/// ```
/// use wasm_pubsub::BreakerConfig;
///
/// let breaker = BreakerConfig::default();
/// assert_eq!((breaker.failure_threshold, breaker.reset_timeout_ms, breaker.half_open_max_calls), (10, 30_000, 1));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerConfig {
    /// `failureThreshold` (default 10) consecutive failures open the breaker.
    pub failure_threshold: u32,
    /// `resetTimeoutMs` (default 30000): how long it stays open.
    pub reset_timeout_ms: u32,
    /// `halfOpenMaxCalls` (default 1): trial deliveries while half open.
    pub half_open_max_calls: u32,
}

impl Default for BreakerConfig {
    fn default() -> BreakerConfig {
        BreakerConfig {
            failure_threshold: 10,
            reset_timeout_ms: 30_000,
            half_open_max_calls: 1,
        }
    }
}

/// What publishing to a full subscription queue does (`overflow`).
///
/// # Example
///
/// ```
/// use wasm_pubsub::{DeliveryOptions, Overflow};
/// assert_eq!(DeliveryOptions::default().overflow, Overflow::Reject);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// `"reject"`: the publish throws `QUEUE_FULL` and nothing is queued.
    Reject,
    /// `"deadLetterOldest"`: the oldest queued message is dead-lettered with reason `OVERFLOW`.
    DeadLetterOldest,
}

/// Options of one subscription (`subscribe(topic, handler, options)`).
///
/// The delivery keys sit at the top level of the JavaScript object and default to
/// `config.delivery`. The host-only key `signal` is the binding's business.
///
/// # Example
///
/// ```
/// use wasm_pubsub::SubscribeOptions;
///
/// let options = SubscribeOptions { name: Some("audit".into()), ..SubscribeOptions::default() };
/// assert!(options.filter.is_empty());
/// assert!(options.delivery.is_none(), "None: the bus's config.delivery applies");
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SubscribeOptions {
    /// `name`: unique among live subscriptions; generated when `None`. Its naming rules are
    /// checked by the broker.
    pub name: Option<String>,
    /// `filter`: only messages whose attributes contain all these pairs (empty: all).
    pub filter: Vec<(String, String)>,
    /// The delivery settings; `None` takes the bus's `config.delivery` as it is.
    /// [`SubscribeOptions::from_value`] always fills it, merged onto the defaults it is given.
    pub delivery: Option<DeliveryOptions>,
}

impl SubscribeOptions {
    /// Reads subscribe options, merging the delivery keys onto `defaults`.
    ///
    /// `undefined` gives `defaults` with no name and no filter. `filter` is an object of
    /// strings (an `undefined` value is skipped); `signal` is accepted and ignored.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the option
    /// (`options.maxInFlight`, `options.filter["region"]`), for a value that is not an
    /// object, an unknown key, or a value of the wrong type or out of range.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{ConfigValue, DeliveryOptions, SubscribeOptions};
    ///
    /// let value = ConfigValue::Object(vec![("maxInFlight".into(), ConfigValue::Number(8.0))]);
    /// let defaults = DeliveryOptions { queue_capacity: 50, ..DeliveryOptions::default() };
    /// let options = SubscribeOptions::from_value(&value, &defaults).unwrap();
    /// let delivery = options.delivery.unwrap();
    /// assert_eq!((delivery.max_in_flight, delivery.queue_capacity), (8, 50));
    /// ```
    pub fn from_value(
        value: &ConfigValue,
        defaults: &DeliveryOptions,
    ) -> crate::Result<SubscribeOptions> {
        schema::subscribe_options(value, defaults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_backoff_doubles_from_100_ms_up_to_10_s() {
        let backoff = Backoff::default();
        let delays: Vec<u32> = (1..=9).map(|n| backoff.delay_ms(n)).collect();
        assert_eq!(
            delays,
            [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]
        );
        assert_eq!(backoff.delay_ms(0), 100);
    }

    #[test]
    fn a_backoff_never_overflows_nor_yields_nan() {
        let huge = Backoff {
            initial_ms: u32::MAX,
            max_ms: u32::MAX,
            multiplier: 1000.0,
        };
        assert_eq!(huge.delay_ms(u32::MAX), u32::MAX);
        let zero = Backoff {
            initial_ms: 0,
            max_ms: 5,
            multiplier: 1000.0,
        };
        assert_eq!(zero.delay_ms(u32::MAX), 0);
        let nan = Backoff {
            initial_ms: 1,
            max_ms: 5,
            multiplier: f64::NAN,
        };
        assert_eq!(nan.delay_ms(2), 5);
        let negative = Backoff {
            initial_ms: 1,
            max_ms: 5,
            multiplier: -3.0,
        };
        assert_eq!(negative.delay_ms(2), 0);
    }

    #[test]
    fn a_fractional_multiplier_rounds_to_whole_milliseconds() {
        let backoff = Backoff {
            initial_ms: 100,
            max_ms: 10_000,
            multiplier: 1.15,
        };
        assert_eq!(backoff.delay_ms(2), 115);
        let flat = Backoff {
            initial_ms: 250,
            max_ms: 100,
            multiplier: 1.0,
        };
        assert_eq!(flat.delay_ms(7), 100);
    }
}
