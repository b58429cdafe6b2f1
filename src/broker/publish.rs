//! Publishing: validate, check capacity, then queue on every matching subscription.
//!
//! Publishing is synchronous and all-or-nothing: every check (name, attributes, size,
//! ordering key, batch size, queue capacity) passes before anything is queued. Handlers
//! never run inside `publish`; queued subscriptions get a drain run scheduled.

use std::rc::Rc;

use super::state::Inner;
use super::Broker;
use crate::attributes::{validate_attributes, Attributes};
use crate::error::{Error, Result};
use crate::message::{Message, Payload};

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
        self.publish_batch(topic, vec![(data, options)]).map(|ids| ids[0])
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
        let now = self.clock().map(|clock| clock.now_ms());
        let result = {
            let mut inner = self.shared.borrow_mut();
            let result = now.ok_or(Error::Closed).and_then(|now| inner.publish(topic, messages, now));
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
    fn publish(&mut self, topic: &str, messages: Vec<(P, PublishOptions)>, now: f64) -> Result<Vec<u64>> {
        self.ensure_open()?;
        self.check_batch_size(messages.len())?;
        let checked = self.check_all(messages)?;
        let topic = self.resolve_topic(topic)?;
        let targets = self.targets_of_batch(&topic, &checked)?;
        Ok(self.queue_all(&topic, checked, &targets, now))
    }

    fn check_batch_size(&self, size: usize) -> Result<()> {
        let limit = self.config.limits.max_batch_size;
        match size {
            0 => Err(Error::InvalidArgument("a batch needs at least one message".into())),
            n if n > limit as usize => Err(Error::BatchTooLarge { size: n, limit }),
            _ => Ok(()),
        }
    }

    fn check_all(&self, messages: Vec<(P, PublishOptions)>) -> Result<Vec<Checked<P>>> {
        messages.into_iter().map(|(data, options)| self.check(data, options)).collect()
    }

    fn check(&self, data: P, options: PublishOptions) -> Result<Checked<P>> {
        let limits = &self.config.limits;
        let attribute_bytes = validate_attributes(&options.attributes, limits)?;
        let size = data.byte_size().unwrap_or(0).saturating_add(attribute_bytes);
        if size > u64::from(limits.max_message_bytes) {
            return Err(Error::MessageTooLarge { size, limit: limits.max_message_bytes });
        }
        let ordering_key = options.ordering_key.map(check_ordering_key).transpose()?;
        Ok(Checked { data, attributes: Rc::new(options.attributes), ordering_key })
    }

    /// The subscriptions each message reaches, after checking they all have room.
    fn targets_of_batch(&self, topic: &str, checked: &[Checked<P>]) -> Result<Vec<Vec<u64>>> {
        let targets: Vec<Vec<u64>> = checked.iter().map(|c| self.targets(topic, &c.attributes)).collect();
        let mut load: Vec<(u64, usize)> = Vec::new();
        for id in targets.iter().flatten() {
            match load.iter_mut().find(|(sub, _)| sub == id) {
                Some((_, count)) => *count += 1,
                None => load.push((*id, 1)),
            }
        }
        for (id, count) in load {
            self.check_capacity(&[id], count)?;
        }
        Ok(targets)
    }

    fn queue_all(&mut self, topic: &Rc<str>, checked: Vec<Checked<P>>, targets: &[Vec<u64>], now: f64) -> Vec<u64> {
        let mut ids = Vec::with_capacity(checked.len());
        for (message, targets) in checked.into_iter().zip(targets) {
            let message = Rc::new(self.stamp(topic, message, now));
            ids.push(message.id);
            self.counters.published += 1;
            if targets.is_empty() {
                self.counters.unrouted += 1;
            }
            for &id in targets {
                self.enqueue(id, &message, now);
            }
            if self.observes_publishes() {
                self.effects.push_back(super::effects::Effect::Published(message));
            }
        }
        ids
    }

    fn stamp(&mut self, topic: &Rc<str>, checked: Checked<P>, now: f64) -> Message<P> {
        self.next_message_id += 1;
        let sequence = self.topics.get_mut(topic).map_or(0, |entry| {
            entry.sequence += 1;
            entry.sequence
        });
        Message {
            id: self.next_message_id,
            topic: topic.clone(),
            sequence,
            published_at: now,
            attributes: checked.attributes,
            ordering_key: checked.ordering_key,
            data: checked.data,
        }
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
