//! The payload and handler types the core is instantiated with in JavaScript.
//!
//! The payload keeps the JavaScript values a message is delivered with — data, the frozen
//! attributes object (none for the shared empty one), the topic string shared by the
//! messages of a run — so that a delivery builds the `Message` object in one call without
//! re-encoding anything; the ordering key is kept once, as the core's string. A handler's
//! result is read in that same call: a return acks, a throw fails, a thenable settles later
//! through the bus's one `Settler` (no Rust closure per message).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::JsValue;

use super::abort::AbortWatch;
use super::bridge::Inbound;
use super::js;
use crate::{Delivery, Handler, Outcome, Payload};

/// A message's JavaScript values.
pub struct JsPayload {
    pub data: JsValue,
    /// The frozen attributes object; `undefined` for the shared empty one.
    pub attributes: JsValue,
    /// The topic string, shared by the messages published on it in a row.
    pub topic: Rc<JsValue>,
    /// Set when a bridge delivered it, so it is not sent back there.
    pub inbound: Option<Box<Inbound>>,
}

impl JsPayload {
    /// Wraps published values. The ordering key is kept once, as the core's string.
    pub fn new(data: JsValue, attributes: JsValue, topic: Rc<JsValue>) -> Self {
        JsPayload { data, attributes, topic, inbound: None }
    }
}

impl Payload for JsPayload {
    /// Measured when the broker checks the message, once; nothing is stored.
    fn byte_size(&self) -> Option<u64> {
        measured(&self.data)
    }
}

/// UTF-8 bytes of a string, bytes of binary data, `None` for other values.
pub fn measured(data: &JsValue) -> Option<u64> {
    size_of_measure(js::measure(data))
}

/// What the JS `measure` answered, as the core's byte size (`-1`: not measured).
pub fn size_of_measure(measure: f64) -> Option<u64> {
    (measure >= 0.0).then_some(measure as u64)
}

/// A message's ordering key as a JavaScript string, or `undefined`.
pub fn ordering_key(message: &crate::Message<JsPayload>) -> JsValue {
    message.ordering_key.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str)
}

/// A JavaScript handler function, with the abort listener that ends its subscription.
pub struct JsHandler {
    pub function: Function,
    /// The bus's `Settler`, called from the reactions of a returned promise.
    pub settler: JsValue,
    /// Held for its `Drop`: it unregisters the listener when the subscription goes.
    pub _abort: Rc<RefCell<Option<AbortWatch>>>,
}

impl Handler<JsPayload> for JsHandler {
    fn call(&self, delivery: &Delivery<'_, JsPayload>) -> Outcome {
        let message = delivery.message;
        let result = js::deliver(
            &self.function,
            &self.settler,
            delivery.token.subscription as f64,
            delivery.token.delivery as f64,
            message.id as f64,
            &message.data.topic,
            message.sequence as f64,
            message.published_at,
            &message.data.attributes,
            &ordering_key(message),
            &message.data.data,
            delivery.attempt,
        );
        match result {
            0 => Outcome::Ack,
            1 => Outcome::Deferred,
            _ => Outcome::Fail(js::take_thrown()),
        }
    }
}

/// Builds the `Message` object of a stored message (dead letters, `once`).
pub fn message_object(message: &crate::Message<JsPayload>, attempt: u32) -> JsValue {
    let p = &message.data;
    js::build_message(
        message.id as f64,
        &p.topic,
        message.sequence as f64,
        message.published_at,
        &p.attributes,
        &ordering_key(message),
        &p.data,
        attempt,
    )
    .into()
}
