//! Publishing: validate, check capacity, then queue on every matching subscription.
//!
//! Publishing is synchronous and all-or-nothing: every check (name, attributes, size,
//! ordering key, batch size, queue capacity) passes before anything is queued. Handlers
//! never run inside `publish`; queued subscriptions get a drain run scheduled.

use std::rc::Rc;

use super::effects::Effect;
use super::state::{Inner, Route};
use super::Broker;
use crate::attributes::{matches_filter, validate_attributes, Attributes};
use crate::error::{Error, Result};
use crate::message::{Message, Payload};
use crate::subscription::Subscription;

/// Longest ordering key, in code points.
pub const MAX_ORDERING_KEY_CHARS: usize = 1024;

/// Attributes and ordering key of one published message.
///
/// # Example
///
/// ```
/// use wasm_pubsub::PublishOptions;
/// let options = PublishOptions {
///     attributes: vec![("region".into(), "eu".into())],
///     ordering_key: Some("customer-42".into()),
/// };
/// assert_eq!(options.attributes.len(), 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishOptions {
    /// Key/value strings, checked against the attribute limits.
    pub attributes: Attributes,
    /// Messages sharing a key are delivered in order, one at a time (1..=1024 code points).
    pub ordering_key: Option<String>,
}

/// A message to publish with its payload's size (`None`: not measured), measured before the
/// state is borrowed: measuring may call into the host, which may call back into the broker.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Measured, PublishOptions};
/// let message: Measured<String> = ("hi".into(), PublishOptions::default(), Some(2));
/// assert_eq!(message.2, Some(2));
/// ```
pub type Measured<P> = (P, PublishOptions, Option<u64>);

/// A message checked and ready to be stamped and queued.
struct Checked<P> {
    data: P,
    attributes: Rc<Attributes>,
    ordering_key: Option<Rc<str>>,
}

impl<P: Payload> Broker<P> {
    /// Publishes one message and returns its id.
    ///
    /// # Errors
    ///
    /// `INVALID_TOPIC_NAME`, `TOPIC_NOT_FOUND`, `LIMIT_EXCEEDED` (auto-creation past
    /// `maxTopics`), `MESSAGE_TOO_LARGE`, `INVALID_ATTRIBUTES`, `INVALID_ARGUMENT` (ordering
    /// key), `QUEUE_FULL`, `CLOSED`.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock, PublishOptions};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert_eq!(bus.publish("nope", "x".into(), PublishOptions::default()).unwrap_err().code(), "TOPIC_NOT_FOUND");
    /// ```
    pub fn publish(&self, topic: &str, data: P, options: PublishOptions) -> Result<u64> {
        let size = data.byte_size();
        self.publish_measured(topic, data, options, size)
    }

    /// [`Broker::publish`] for a host that has already measured the payload: `size` is what
    /// [`Payload::byte_size`] would answer, and the payload is not asked again (a host whose
    /// measurement is a call into another runtime saves that call).
    ///
    /// # Errors
    ///
    /// Those of [`Broker::publish`].
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Limits, ManualClock, PublishOptions};
    /// let clock = ManualClock::new();
    /// let config = Config { limits: Limits { max_message_bytes: 4, ..Limits::default() }, ..Config::default() };
    /// let bus: Broker<String> = Broker::new(config, clock.clone(), clock);
    /// bus.create_topic("t").unwrap();
    /// let error = bus.publish_measured("t", "hi".into(), PublishOptions::default(), Some(5)).unwrap_err();
    /// assert_eq!(error.code(), "MESSAGE_TOO_LARGE");
    /// ```
    pub fn publish_measured(&self, topic: &str, data: P, options: PublishOptions, size: Option<u64>) -> Result<u64> {
        self.publishing(1, |inner, now| inner.publish_one(topic, data, options, size, now))
    }

    /// Publishes several messages on one topic, all or nothing, and returns their ids.
    ///
    /// # Errors
    ///
    /// Those of [`Broker::publish`], plus `BATCH_TOO_LARGE` and `INVALID_ARGUMENT` for an
    /// empty batch. On any error nothing is queued.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock, PublishOptions};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// bus.create_topic("t").unwrap();
    /// let batch = vec![("a".to_string(), PublishOptions::default()), ("b".to_string(), PublishOptions::default())];
    /// assert_eq!(bus.publish_batch("t", batch).unwrap(), [1, 2]);
    /// ```
    pub fn publish_batch(&self, topic: &str, messages: Vec<(P, PublishOptions)>) -> Result<Vec<u64>> {
        let measured = messages.into_iter().map(|(data, options)| {
            let size = data.byte_size();
            (data, options, size)
        });
        self.publish_batch_measured(topic, measured.collect())
    }

    /// [`Broker::publish_batch`] for a host that has already measured the payloads (see
    /// [`Broker::publish_measured`]).
    ///
    /// # Errors
    ///
    /// Those of [`Broker::publish_batch`].
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock, PublishOptions};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// bus.create_topic("t").unwrap();
    /// let batch = vec![("a".to_string(), PublishOptions::default(), Some(1))];
    /// assert_eq!(bus.publish_batch_measured("t", batch).unwrap(), [1]);
    /// ```
    pub fn publish_batch_measured(&self, topic: &str, messages: Vec<Measured<P>>) -> Result<Vec<u64>> {
        let count = messages.len() as u64;
        self.publishing(count, |inner, now| inner.publish_batch(topic, messages, now))
    }

    /// Runs `publish` on the state at the clock's time, counting `count` rejections when it
    /// fails, then runs the effects it recorded.
    fn publishing<T>(&self, count: u64, publish: impl FnOnce(&mut Inner<P>, f64) -> Result<T>) -> Result<T> {
        let now = self.clock().map(|clock| clock.now_ms());
        let result = {
            let mut inner = self.shared.borrow_mut();
            let result = now.ok_or(Error::Closed).and_then(|now| publish(&mut inner, now));
            if result.is_err() {
                inner.counters.rejected += count;
            }
            result
        };
        self.flush();
        result
    }
}

impl<P: Payload> Inner<P> {
    fn publish_one(&mut self, topic: &str, data: P, options: PublishOptions, size: Option<u64>, now: f64) -> Result<u64> {
        self.ensure_open()?;
        let checked = self.check(data, options, size)?;
        let wanted = |sub: &Subscription<P>| usize::from(matches_filter(&checked.attributes, &sub.filter));
        let mut route = self.reserve_route(topic, 1, wanted)?;
        Ok(self.queue_message(&mut route, checked, now))
    }

    fn publish_batch(&mut self, topic: &str, messages: Vec<Measured<P>>, now: f64) -> Result<Vec<u64>> {
        self.ensure_open()?;
        self.check_batch_size(messages.len())?;
        let checked = self.check_all(messages)?;
        let wanted = |sub: &Subscription<P>| checked.iter().filter(|c| matches_filter(&c.attributes, &sub.filter)).count();
        let mut route = self.reserve_route(topic, checked.len() as u64, wanted)?;
        Ok(checked.into_iter().map(|c| self.queue_message(&mut route, c, now)).collect())
    }

    fn check_batch_size(&self, size: usize) -> Result<()> {
        let limit = self.config.limits.max_batch_size;
        match size {
            0 => Err(Error::InvalidArgument("a batch needs at least one message".into())),
            n if n > limit as usize => Err(Error::BatchTooLarge { size: n, limit }),
            _ => Ok(()),
        }
    }

    fn check_all(&self, messages: Vec<Measured<P>>) -> Result<Vec<Checked<P>>> {
        messages.into_iter().map(|(data, options, size)| self.check(data, options, size)).collect()
    }

    /// Checks a message whose payload measured `size` bytes (`None`: not measured).
    fn check(&self, data: P, options: PublishOptions, size: Option<u64>) -> Result<Checked<P>> {
        let limits = &self.config.limits;
        let attribute_bytes = validate_attributes(&options.attributes, limits)?;
        let size = size.unwrap_or(0).saturating_add(attribute_bytes);
        if size > u64::from(limits.max_message_bytes) {
            return Err(Error::MessageTooLarge { size, limit: limits.max_message_bytes });
        }
        let ordering_key = options.ordering_key.map(check_ordering_key).transpose()?;
        let attributes = match options.attributes.is_empty() {
            true => self.no_attributes.clone(),
            false => Rc::new(options.attributes),
        };
        Ok(Checked { data, attributes, ordering_key })
    }

    /// Stamps a checked message with its id and sequence and queues it on every
    /// subscription of the route whose filter it passes.
    fn queue_message(&mut self, route: &mut Route, checked: Checked<P>, now: f64) -> u64 {
        self.next_message_id += 1;
        let sequence = route.sequence;
        route.sequence += 1;
        let message = Rc::new(Message {
            id: self.next_message_id,
            topic: route.name.clone(),
            sequence,
            published_at: now,
            attributes: checked.attributes,
            ordering_key: checked.ordering_key,
            data: checked.data,
        });
        self.counters.published += 1;
        let mut routed = false;
        for &id in route.subscribers.iter() {
            routed |= self.enqueue(id, &message, now);
        }
        if !routed {
            self.counters.unrouted += 1;
        }
        if self.observes_publishes() {
            self.effects.push_back(Effect::Published(message.clone()));
        }
        message.id
    }
}

fn check_ordering_key(key: String) -> Result<Rc<str>> {
    let chars = key.chars().count();
    if chars == 0 || chars > MAX_ORDERING_KEY_CHARS {
        return Err(Error::InvalidArgument(format!(
            "orderingKey has {chars} characters; it must have 1 to {MAX_ORDERING_KEY_CHARS}"
        )));
    }
    Ok(Rc::from(key))
}
