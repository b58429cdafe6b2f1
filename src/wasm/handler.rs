//! The payload and handler types the core is instantiated with in JavaScript.
//!
//! The payload keeps the JavaScript values a message is delivered with — data, the frozen
//! attributes object, the topic string, the ordering key — so that a delivery builds the
//! `Message` object in one call without re-encoding anything. A handler's result is read
//! in that same call: a return acks, a throw fails, a thenable settles later through one
//! long-lived settle function per bus (no closure per message).

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
    pub ordering_key: JsValue,
    /// UTF-8 or binary bytes of `data`; negative when it is not measured.
    size: f64,
    /// Set when a bridge delivered it, so it is not sent back there.
    pub inbound: Option<Box<Inbound>>,
}

impl JsPayload {
    /// Wraps published values; `size` is measured once, here.
    pub fn new(data: JsValue, attributes: JsValue, topic: Rc<JsValue>, ordering_key: JsValue) -> Self {
        let size = js::measure(&data);
        JsPayload { data, attributes, topic, ordering_key, size, inbound: None }
    }
}

impl Payload for JsPayload {
    fn byte_size(&self) -> Option<u64> {
        (self.size >= 0.0).then_some(self.size as u64)
    }
}

/// A JavaScript handler function, with the abort listener that ends its subscription.
pub struct JsHandler {
    pub function: Function,
    pub settle: Rc<Function>,
    /// Held for its `Drop`: it unregisters the listener when the subscription goes.
    pub _abort: Rc<RefCell<Option<AbortWatch>>>,
}

impl Handler<JsPayload> for JsHandler {
    fn call(&self, delivery: &Delivery<'_, JsPayload>) -> Outcome {
        let message = delivery.message;
        let result = js::deliver(
            &self.function,
            &self.settle,
            delivery.token.subscription as f64,
            delivery.token.delivery as f64,
            message.id as f64,
            &message.data.topic,
            message.sequence as f64,
            message.published_at,
            &message.data.attributes,
            &message.data.ordering_key,
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
        &p.ordering_key,
        &p.data,
        attempt,
    )
    .into()
}
