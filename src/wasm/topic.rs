//! The `Topic` handle: the fast path that does not re-send the topic name.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::bus::Bus;
use super::convert::{batch_count, to_js};
use super::handler::{measured, plain_headers, size_of_measure};
use super::subscription::Subscription;
use super::types::{optional, PublishOptionsArg, SubscribeOptionsArg};
use crate::{Error, Headers};

/// A handle on one topic, by name: after `deleteTopic` its methods throw `TOPIC_NOT_FOUND`
/// until a topic of that name exists again. In TypeScript, `Topic<T>` publishes and
/// delivers data of type `T`: the topic's type in the bus's topic map, or the one given to
/// `createTopic<T>()`.
#[wasm_bindgen]
pub struct Topic {
    bus: Rc<Bus>,
    /// The headers of its messages without attributes or ordering key, which hold its name.
    plain: Rc<Headers>,
    /// Set by `dispose()`: every later call throws `CLOSED`.
    disposed: Cell<bool>,
}

impl Topic {
    pub(crate) fn new(bus: Rc<Bus>, name: Rc<str>) -> Self {
        let topic = JsValue::from_str(&name);
        Topic { bus, plain: plain_headers(name, topic), disposed: Cell::new(false) }
    }

    /// `CLOSED` when the handle was disposed or its bus has halted.
    fn live(&self) -> Result<(), JsValue> {
        if self.disposed.get() {
            return Err(to_js(Error::Disposed("Topic handle")));
        }
        self.bus.live()
    }

    fn ensure_exists(&self) -> Result<(), JsValue> {
        self.live()?;
        match self.bus.broker.has_topic(&self.plain.topic) {
            true => Ok(()),
            false => Err(to_js(Error::TopicNotFound(self.plain.topic.to_string()))),
        }
    }

    /// [`Topic::ensure_exists`] for a publish of `count` messages: a refusal counts in
    /// `metrics().rejected` like any refused publish.
    fn ensure_publishable(&self, count: u64) -> Result<(), JsValue> {
        self.ensure_exists().inspect_err(|_| self.bus.broker.record_rejected(count))
    }
}

#[wasm_bindgen]
impl Topic {
    /// The topic's name.
    ///
    /// ```js
    /// bus.createTopic("orders").name; // "orders"
    /// ```
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> Result<String, JsValue> {
        self.live()?;
        Ok(self.plain.topic.to_string())
    }

    /// Publishes on this topic; returns the message id. Same rules as `PubSub.publish`.
    ///
    /// ```js
    /// const orders = bus.createTopic("orders");
    /// orders.publish({ total: 42 }, { attributes: { region: "eu" } });
    /// ```
    pub fn publish(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
        options: Option<PublishOptionsArg>,
    ) -> Result<f64, JsValue> {
        self.ensure_publishable(1)?;
        let size = measured(&data);
        self.bus.publish(&self.plain, data, size, options.map(Into::into))
    }

    /// `publish(data)` without options. Internal: the package's JavaScript front calls it with
    /// the payload's size (`-1`: not measured); it returns the id, or NaN after which
    /// `__takeRefusal` gives the error to throw (see `PubSub.__publishPlain`).
    #[wasm_bindgen(js_name = "__publishData", skip_typescript)]
    pub fn publish_data(&self, data: JsValue, size: f64) -> f64 {
        let published = self.ensure_publishable(1).and_then(|_| self.bus.publish(&self.plain, data, size_of_measure(size), None));
        published.unwrap_or_else(|error| self.bus.refuse(error))
    }

    /// The error of the last refused `__publishData`. Internal: the front calls it.
    #[wasm_bindgen(js_name = "__takeRefusal", skip_typescript)]
    pub fn take_refusal(&self) -> JsValue {
        self.bus.take_refusal()
    }

    /// Publishes several messages, all or nothing; returns their ids.
    ///
    /// ```js
    /// orders.publishBatch([{ data: 1 }, { data: 2, orderingKey: "c-7" }]); // [1, 2]
    /// ```
    #[wasm_bindgen(js_name = publishBatch, unchecked_return_type = "number[]")]
    pub fn publish_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BatchMessage[]")] messages: JsValue,
    ) -> Result<Array, JsValue> {
        self.ensure_publishable(batch_count(&messages))?;
        self.bus.publish_batch(&self.plain, &messages)
    }

    /// Subscribes to this topic. Same rules as `PubSub.subscribe`.
    ///
    /// ```js
    /// orders.subscribe(async (msg) => { await save(msg.data); }, { maxInFlight: 4 });
    /// ```
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Handler")] handler: JsValue,
        options: Option<SubscribeOptionsArg>,
    ) -> Result<Subscription, JsValue> {
        let options = optional(options);
        self.ensure_exists()?;
        self.bus.subscribe(&self.plain.topic, &handler, &options)
    }

    /// Disposes of the handle (the topic stays): every later call on it throws `CLOSED`.
    /// `free()` and `using` (`Symbol.dispose`) call it.
    ///
    /// ```js
    /// using orders = bus.createTopic("orders");
    /// ```
    pub fn dispose(&self) {
        self.disposed.set(true);
    }

    /// Halts the bus after a call into it was cut short. Internal: the package's JavaScript
    /// front calls it.
    #[wasm_bindgen(js_name = "__halt", skip_typescript)]
    pub fn halt(&self) {
        self.bus.halt();
    }
}
