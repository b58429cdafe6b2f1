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
use crate::error::{quote, Error, Result};
use crate::message::{Headers, Message, Payload};
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

impl PublishOptions {
    /// Whether there are neither attributes nor an ordering key: such messages share their
    /// topic's plain [`Headers`].
    ///
    /// ```
    /// use wasm_pubsub::PublishOptions;
    /// assert!(PublishOptions::default().is_plain());
    /// assert!(!PublishOptions { ordering_key: Some("k".into()), ..Default::default() }.is_plain());
    /// ```
    pub fn is_plain(&self) -> bool {
        self.attributes.is_empty() && self.ordering_key.is_none()
    }
}

/// A message to publish with the headers it goes with and its payload's size (`None`: not
/// measured), measured before the state is borrowed: measuring may call into the host, which
/// may call back into the broker.
///
/// # Example
///
/// ```
/// use std::rc::Rc;
/// use wasm_pubsub::{Headed, Headers};
/// let message: Headed<String> = ("hi".into(), Rc::new(Headers::plain("t")), Some(2));
/// assert_eq!(message.2, Some(2));
/// ```
pub type Headed<P> = (P, Rc<Headers>, Option<u64>);

/// A message checked and ready to be stamped and queued; `headers: None` stands for the
/// topic's own plain headers.
pub(super) struct Checked<P> {
    data: P,
    headers: Option<Rc<Headers>>,
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
        self.publishing(1, |inner, now| {
            let checked = inner.check(topic, data, options, size);
            inner.publish_one(topic, None, checked, now)
        })
    }

    /// [`Broker::publish`] for a host that builds the headers itself, to keep its own values
    /// in them and share them across a run of publishes, and that has already measured the
    /// payload: `size` is what [`Payload::byte_size`] would answer, and the payload is not
    /// asked again. The topic is `headers.topic`.
    ///
    /// # Errors
    ///
    /// Those of [`Broker::publish`].
    ///
    /// # Example
    ///
    /// ```
    /// use std::rc::Rc;
    /// use wasm_pubsub::{Broker, Config, Headers, Limits, ManualClock};
    /// let clock = ManualClock::new();
    /// let config = Config { limits: Limits { max_message_bytes: 4, ..Limits::default() }, ..Config::default() };
    /// let bus: Broker<String> = Broker::new(config, clock.clone(), clock);
    /// bus.create_topic("t").unwrap();
    /// let headers = Rc::new(Headers::plain("t"));
    /// assert_eq!(bus.publish_headed(headers.clone(), "hi".into(), Some(2)).unwrap(), 1);
    /// assert_eq!(bus.publish_headed(headers, "hello".into(), Some(5)).unwrap_err().code(), "MESSAGE_TOO_LARGE");
    /// ```
    pub fn publish_headed(&self, headers: Rc<Headers>, data: P, size: Option<u64>) -> Result<u64> {
        self.publishing(1, |inner, now| {
            let topic = headers.topic.clone();
            let checked = inner.check_headed(data, headers, size);
            inner.publish_one(&topic, Some(&topic), checked, now)
        })
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
        let count = messages.len() as u64;
        self.publishing(count, |inner, now| {
            let checked = messages.into_iter().map(|(data, options)| {
                let size = data.byte_size();
                inner.check(topic, data, options, size)
            });
            let checked = checked.collect::<Result<Vec<_>>>();
            inner.publish_batch(topic, count, checked, now)
        })
    }

    /// [`Broker::publish_batch`] for a host that builds the headers itself and has already
    /// measured the payloads (see [`Broker::publish_headed`]). Every message's headers must
    /// name `topic`.
    ///
    /// # Errors
    ///
    /// Those of [`Broker::publish_batch`]; `INVALID_ARGUMENT` when a message's headers name
    /// another topic.
    ///
    /// # Example
    ///
    /// ```
    /// use std::rc::Rc;
    /// use wasm_pubsub::{Broker, Config, Headers, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// bus.create_topic("t").unwrap();
    /// let headers = Rc::new(Headers::plain("t"));
    /// let batch = vec![("a".to_string(), headers.clone(), Some(1)), ("b".to_string(), headers, Some(1))];
    /// assert_eq!(bus.publish_batch_headed("t", batch).unwrap(), [1, 2]);
    /// ```
    pub fn publish_batch_headed(&self, topic: &str, messages: Vec<Headed<P>>) -> Result<Vec<u64>> {
        let count = messages.len() as u64;
        self.publishing(count, |inner, now| {
            let checked = messages.into_iter().map(|(data, headers, size)| match *headers.topic == *topic {
                true => inner.check_headed(data, headers, size),
                false => Err(Error::InvalidArgument(format!("a batch message's headers name topic {}", quote(&headers.topic)))),
            });
            let checked = checked.collect::<Result<Vec<_>>>();
            inner.publish_batch(topic, count, checked, now)
        })
    }

    /// Runs `publish` on the state at the clock's time, counting `count` rejections when it
    /// fails, then runs the effects it recorded.
    pub(super) fn publishing<T>(&self, count: u64, publish: impl FnOnce(&mut Inner<P>, f64) -> Result<T>) -> Result<T> {
        let now = self.clock().map(|clock| clock.now_ms());
        let result = {
            let mut inner = self.shared.borrow_mut();
            if let Some(now) = now {
                inner.rearm(now);
            }
            let result = match now {
                Some(now) => publish(&mut inner, now),
                None => Err(Error::Closed),
            };
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
    /// Publishes one checked message on `topic`; `held` is that name as the publisher holds
    /// it (see [`Inner::reserve_route`]).
    pub(super) fn publish_one(&mut self, topic: &str, held: Option<&Rc<str>>, checked: Result<Checked<P>>, now: f64) -> Result<u64> {
        self.ensure_open()?;
        let checked = checked?;
        let wanted = |sub: &Subscription<P>| usize::from(checked.passes(&sub.filter));
        let mut route = self.reserve_route(topic, held, 1, &wanted)?;
        Ok(self.queue_message(&mut route, checked, now))
    }

    fn publish_batch(&mut self, topic: &str, count: u64, checked: Result<Vec<Checked<P>>>, now: f64) -> Result<Vec<u64>> {
        self.ensure_open()?;
        self.check_batch_size(count as usize)?;
        let checked = checked?;
        let wanted = |sub: &Subscription<P>| checked.iter().filter(|c| c.passes(&sub.filter)).count();
        let mut route = self.reserve_route(topic, None, count, &wanted)?;
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

    /// Checks a message published with options; without attributes or key it gets the
    /// topic's plain headers when it is queued.
    fn check(&self, topic: &str, data: P, options: PublishOptions, size: Option<u64>) -> Result<Checked<P>> {
        let plain = options.is_plain();
        let ordering_key = options.ordering_key.map(String::into_boxed_str);
        self.check_size(&options.attributes, ordering_key.as_deref(), size)?;
        let headers = (!plain).then(|| Headers { topic: Rc::from(topic), attributes: options.attributes, ordering_key, host: None });
        Ok(Checked { data, headers: headers.map(Rc::new) })
    }

    /// Checks a message published with headers the host built.
    pub(super) fn check_headed(&self, data: P, headers: Rc<Headers>, size: Option<u64>) -> Result<Checked<P>> {
        self.check_size(&headers.attributes, headers.ordering_key.as_deref(), size)?;
        Ok(Checked { data, headers: Some(headers) })
    }

    /// Checks attributes, ordering key and the size of a payload that measured `size` bytes
    /// (`None`: not measured).
    pub(crate) fn check_size(&self, attributes: &Attributes, ordering_key: Option<&str>, size: Option<u64>) -> Result<()> {
        let limits = &self.config.limits;
        let attribute_bytes = validate_attributes(attributes, limits)?;
        let size = size.unwrap_or(0).saturating_add(attribute_bytes);
        if size > u64::from(limits.max_message_bytes) {
            return Err(Error::MessageTooLarge { size, limit: limits.max_message_bytes });
        }
        ordering_key.map_or(Ok(()), check_ordering_key)
    }

    /// Stamps a checked message with its id and sequence and queues it on every
    /// subscription of the route whose filter it passes.
    fn queue_message(&mut self, route: &mut Route, checked: Checked<P>, now: f64) -> u64 {
        self.next_message_id += 1;
        let sequence = route.sequence;
        route.sequence += 1;
        let message = Rc::new(Message {
            id: self.next_message_id,
            sequence,
            published_at: now,
            headers: checked.headers.unwrap_or_else(|| route.plain.clone()),
            data: checked.data,
        });
        self.counters.published += 1;
        let mut routed = false;
        for id in route.subscribers.iter() {
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

impl<P> Checked<P> {
    /// Whether a subscription with this attribute filter wants the message. Out of line:
    /// the single and the batch publish share one copy.
    #[inline(never)]
    fn passes(&self, filter: &Attributes) -> bool {
        self.headers.as_ref().map_or(filter.is_empty(), |h| matches_filter(&h.attributes, filter))
    }
}

fn check_ordering_key(key: &str) -> Result<()> {
    let chars = key.chars().count();
    if chars == 0 || chars > MAX_ORDERING_KEY_CHARS {
        return Err(Error::InvalidArgument(format!(
            "orderingKey has {chars} characters; it must have 1 to {MAX_ORDERING_KEY_CHARS}"
        )));
    }
    Ok(())
}
