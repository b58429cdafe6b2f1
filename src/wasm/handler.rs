//! The payload, headers and handler types the core is instantiated with in JavaScript.
//!
//! A message's payload is its data value alone. The JavaScript values the messages published
//! alike share — the topic string, the frozen attributes object (none for the shared empty
//! one), the bridge a message came from and its frozen `msg.origin` — are kept once, as
//! their core [`Headers`]' host values, so that a delivery builds the `Message` object in one
//! call without re-encoding anything; the ordering key is kept once, as the core's string. A
//! handler's result is read in that same call: a return acks, a throw fails, a thenable
//! settles later through the bus's one `Settler` (no Rust closure per message).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Function, Object};
use wasm_bindgen::JsValue;

use super::abort::AbortWatch;
use super::bridge::Inbound;
use super::bus::Bus;
use super::request::{Reply, ReplyRoute};
use super::js;
use crate::{Delivery, Failure, Handler, Headers, Message, Outcome, Payload, PublishOptions};

/// A message's data value.
pub struct JsPayload {
    pub data: JsValue,
}

impl Payload for JsPayload {
    /// Measured when the broker checks the message, once; nothing is stored.
    fn byte_size(&self) -> Option<u64> {
        measured(&self.data)
    }
}

/// The JavaScript values of one [`Headers`], kept as its host values.
pub struct JsHeaders {
    /// The topic string.
    pub topic: JsValue,
    /// The frozen attributes object; `undefined` for the shared empty one.
    pub attributes: JsValue,
    /// Set when a bridge delivered the message, so it is not sent back there.
    pub inbound: Option<Box<Inbound>>,
    /// Set on a request (`bus.request`): where `msg.respond` sends the reply.
    pub reply: Option<Rc<ReplyRoute>>,
}

impl JsHeaders {
    /// The values of headers the core built (the binding builds its own, so this only runs
    /// for headers that reached a delivery some other way).
    fn from_core(headers: &Headers) -> Self {
        let attributes = match headers.attributes.is_empty() {
            true => JsValue::UNDEFINED,
            false => frozen_attributes(&headers.attributes),
        };
        JsHeaders { topic: JsValue::from_str(&headers.topic), attributes, inbound: None, reply: None }
    }

    /// The `origin` its messages carry: where a bridge got them from, `none` (`undefined`)
    /// when they were published on this bus.
    fn origin<'a>(&'a self, none: &'a JsValue) -> &'a JsValue {
        self.inbound.as_ref().map_or(none, |inbound| &inbound.source)
    }
}

/// The plain headers of a topic: its name and its JavaScript string.
pub fn plain_headers(name: Rc<str>, topic: JsValue) -> Rc<Headers> {
    let host = JsHeaders { topic, attributes: JsValue::UNDEFINED, inbound: None, reply: None };
    Rc::new(Headers { host: Some(Rc::new(host)), ..Headers::plain(name) })
}

/// The headers of a message published on the topic of `plain` with `options`, whose frozen
/// attributes copy is `attributes` (`undefined`: none). Messages without attributes keep the
/// topic's JavaScript values; without a key either, they share `plain` itself.
pub fn headers_for(plain: &Rc<Headers>, options: PublishOptions, attributes: JsValue) -> Rc<Headers> {
    if options.is_plain() {
        return plain.clone();
    }
    let host = match attributes.is_undefined() {
        true => plain.host.clone(),
        false => Some(Rc::new(with_js(plain, |js| JsHeaders { topic: js.topic.clone(), attributes, inbound: None, reply: None })) as _),
    };
    let ordering_key = options.ordering_key.map(String::into_boxed_str);
    Rc::new(Headers { topic: plain.topic.clone(), attributes: options.attributes, ordering_key, host })
}

/// Runs `f` on the JavaScript values of `headers`.
pub fn with_js<R>(headers: &Headers, f: impl FnOnce(&JsHeaders) -> R) -> R {
    match headers.host.as_ref().and_then(|host| host.downcast_ref::<JsHeaders>()) {
        Some(js) => f(js),
        None => f(&JsHeaders::from_core(headers)),
    }
}

/// A frozen prototype-less object of attribute pairs, the shape `readAttributes` copies
/// published attributes into.
fn frozen_attributes(pairs: &[(String, String)]) -> JsValue {
    let object = js::null_object();
    for (key, value) in pairs {
        // Setting a string key on a fresh plain object cannot throw.
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    Object::freeze(&object).into()
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
pub fn ordering_key(message: &Message<JsPayload>) -> JsValue {
    message.ordering_key().map_or(JsValue::UNDEFINED, JsValue::from_str)
}

/// A JavaScript handler function, with the abort listener that ends its subscription.
pub struct JsHandler {
    pub function: Function,
    /// The bus's `Settler`, called from the reactions of a returned promise.
    pub settler: JsValue,
    /// The bus, for the `Reply` of a request's deliveries.
    pub bus: Weak<Bus>,
    /// Held for its `Drop`: it unregisters the listener when the subscription goes.
    pub _abort: Rc<RefCell<Option<AbortWatch>>>,
}

impl Handler<JsPayload> for JsHandler {
    fn call(&self, delivery: &Delivery<'_, JsPayload>) -> Outcome {
        let message = delivery.message;
        let result = with_js(&message.headers, |headers| {
            js::deliver(
                &self.function,
                &self.settler,
                delivery.token.subscription as f64,
                delivery.token.delivery as f64,
                message.id as f64,
                &headers.topic,
                message.sequence as f64,
                message.published_at,
                &headers.attributes,
                &ordering_key(message),
                headers.origin(&JsValue::UNDEFINED),
                &reply_handle(&self.bus, headers),
                &message.data.data,
                delivery.attempt,
            )
        });
        match result {
            0 => Outcome::Ack,
            1 => Outcome::Deferred,
            _ => Outcome::Fail(thrown()),
        }
    }
}

/// The `Reply` a request's delivery carries as `msg.respond`; `undefined` for any other.
fn reply_handle(bus: &Weak<Bus>, headers: &JsHeaders) -> JsValue {
    match &headers.reply {
        Some(route) => Reply::new(bus.clone(), route.clone()).into(),
        None => JsValue::UNDEFINED,
    }
}

/// What the last `deliver` call caught: its text, and its stack when it had one.
fn thrown() -> Failure {
    let failure = Failure::error(&js::take_thrown());
    match js::take_thrown_stack() {
        Some(stack) => failure.with_stack(&stack),
        None => failure,
    }
}

/// Builds the `Message` object of a stored message (dead letters, `once`).
pub fn message_object(message: &Message<JsPayload>, attempt: u32) -> JsValue {
    with_js(&message.headers, |headers| {
        js::build_message(
            message.id as f64,
            &headers.topic,
            message.sequence as f64,
            message.published_at,
            &headers.attributes,
            &ordering_key(message),
            headers.origin(&JsValue::UNDEFINED),
            &JsValue::UNDEFINED,
            &message.data.data,
            attempt,
        )
    })
    .into()
}
