//! The message envelope, its shared headers, and the payload trait.
//!
//! A published message is built once and shared (`Rc`) by every subscription it is routed
//! to; only the per-subscription attempt count differs, so fan-out never copies the payload.
//! What messages published alike have in common — topic, attributes, ordering key — sits in
//! one [`Headers`] they share, so a queued message is its id, sequence, time, one pointer and
//! the payload.

use std::any::Any;
use std::fmt;
use std::rc::Rc;

use crate::attributes::Attributes;

/// A published message as every subscriber sees it.
///
/// # Example
///
/// ```
/// use std::rc::Rc;
/// use wasm_pubsub::{Headers, Message};
///
/// let msg = Message {
///     id: 1,
///     sequence: 1,
///     published_at: 0.0,
///     headers: Rc::new(Headers::plain("orders")),
///     data: "paid",
/// };
/// assert_eq!(msg.topic(), "orders");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Message<P> {
    /// Unique within one broker, strictly increasing in publish order.
    pub id: u64,
    /// Position on its topic, from 1.
    pub sequence: u64,
    /// The clock's `now_ms()` at publish.
    pub published_at: f64,
    /// Topic, attributes and ordering key, shared with the messages published alike.
    pub headers: Rc<Headers>,
    /// The payload, never copied or serialized by the broker.
    pub data: P,
}

impl<P> Message<P> {
    /// The topic it was published on.
    ///
    /// ```
    /// # use std::rc::Rc;
    /// # use wasm_pubsub::{Headers, Message};
    /// let msg = Message { id: 1, sequence: 1, published_at: 0.0, headers: Rc::new(Headers::plain("t")), data: () };
    /// assert_eq!(msg.topic(), "t");
    /// ```
    pub fn topic(&self) -> &str {
        &self.headers.topic
    }

    /// Its ordering key, if it has one.
    ///
    /// ```
    /// # use std::rc::Rc;
    /// # use wasm_pubsub::{Headers, Message};
    /// let msg = Message { id: 1, sequence: 1, published_at: 0.0, headers: Rc::new(Headers::plain("t")), data: () };
    /// assert_eq!(msg.ordering_key(), None);
    /// ```
    pub fn ordering_key(&self) -> Option<&str> {
        self.headers.ordering_key.as_deref()
    }
}

/// What the messages published alike share: the topic, the attributes and the ordering key,
/// plus whatever the host keeps for them (the JavaScript binding keeps the topic string and
/// the frozen attributes object there, so a delivery re-encodes nothing).
///
/// A run of publishes on one topic without attributes or ordering key shares one `Headers`;
/// each message with attributes or a key has its own.
///
/// # Example
///
/// ```
/// use wasm_pubsub::Headers;
/// let headers = Headers { ordering_key: Some("customer-42".into()), ..Headers::plain("orders") };
/// assert_eq!(headers.topic.as_ref(), "orders");
/// assert!(headers.attributes.is_empty());
/// ```
#[derive(Default)]
pub struct Headers {
    /// The topic the messages were published on.
    pub topic: Rc<str>,
    /// Key/value strings, validated against the limits.
    pub attributes: Attributes,
    /// Messages sharing a key are delivered one at a time, in order.
    pub ordering_key: Option<Box<str>>,
    /// The host's own values for these headers; the broker never reads them.
    pub host: Option<Rc<dyn Any>>,
}

impl Headers {
    /// Headers with a topic and nothing else.
    ///
    /// ```
    /// use wasm_pubsub::Headers;
    /// assert!(Headers::plain("t").ordering_key.is_none());
    /// ```
    pub fn plain(topic: impl Into<Rc<str>>) -> Self {
        Headers { topic: topic.into(), ..Headers::default() }
    }

    /// Whether they carry neither attributes nor an ordering key.
    ///
    /// ```
    /// use wasm_pubsub::Headers;
    /// assert!(Headers::plain("t").is_plain());
    /// ```
    pub fn is_plain(&self) -> bool {
        self.attributes.is_empty() && self.ordering_key.is_none()
    }
}

impl fmt::Debug for Headers {
    /// Topic, attributes and key; the host's values are opaque.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Headers")
            .field("topic", &self.topic)
            .field("attributes", &self.attributes)
            .field("ordering_key", &self.ordering_key)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Headers {
    /// Equal topic, attributes and key; the host's values are not compared.
    fn eq(&self, other: &Self) -> bool {
        self.topic == other.topic && self.attributes == other.attributes && self.ordering_key == other.ordering_key
    }
}

/// A payload the broker can measure against `limits.maxMessageBytes`.
///
/// `byte_size` returns `None` for values that are not measured (API.md counts strings in
/// UTF-8 bytes and binary data in bytes; other values are not measured).
///
/// # Example
///
/// ```
/// use wasm_pubsub::Payload;
/// assert_eq!("héllo".byte_size(), Some(6));
/// assert_eq!(vec![0u8; 3].byte_size(), Some(3));
/// ```
pub trait Payload: 'static {
    /// Size in bytes, or `None` when this value is not measured.
    fn byte_size(&self) -> Option<u64>;
}

impl Payload for &'static str {
    fn byte_size(&self) -> Option<u64> {
        Some(self.len() as u64)
    }
}

impl Payload for String {
    fn byte_size(&self) -> Option<u64> {
        Some(self.len() as u64)
    }
}

impl Payload for Vec<u8> {
    fn byte_size(&self) -> Option<u64> {
        Some(self.len() as u64)
    }
}

impl Payload for u64 {
    fn byte_size(&self) -> Option<u64> {
        None
    }
}
