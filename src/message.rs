//! The message envelope and the payload trait.
//!
//! A published message is built once and shared (`Rc`) by every subscription it is routed
//! to; only the per-subscription attempt count differs, so fan-out never copies the payload.

use std::rc::Rc;

use crate::attributes::Attributes;

/// A published message as every subscriber sees it.
///
/// # Example
///
/// ```
/// use std::rc::Rc;
/// use wasm_pubsub::Message;
///
/// let msg = Message {
///     id: 1,
///     topic: Rc::from("orders"),
///     sequence: 1,
///     published_at: 0.0,
///     attributes: Rc::new(vec![]),
///     ordering_key: None,
///     data: "paid",
/// };
/// assert_eq!(msg.topic.as_ref(), "orders");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Message<P> {
    /// Unique within one broker, strictly increasing in publish order.
    pub id: u64,
    /// The topic it was published on.
    pub topic: Rc<str>,
    /// Position on its topic, from 1.
    pub sequence: u64,
    /// The clock's `now_ms()` at publish.
    pub published_at: f64,
    /// Key/value strings, validated against the limits.
    pub attributes: Rc<Attributes>,
    /// Messages sharing a key are delivered one at a time, in order.
    pub ordering_key: Option<Rc<str>>,
    /// The payload, never copied or serialized by the broker.
    pub data: P,
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
