//! The `PubSub` class: construction, topics, publishing and subscribing.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

use super::bridge::{self, Bridge, Bridges};
use super::bus::{Bus, Halted};
use super::callbacks::OneShots;
use super::handler::size_of_measure;
use super::clock::{JsClock, MicrotaskSpawner};
use super::convert::{batch_count, config_value, get, to_js, topic_arg};
use super::hooks::hooks;
use super::letter_store::LetterStore;
use super::subscription::Subscription;
use super::topic::Topic;
use super::types::{optional, BridgeOptionsArg, ConfigArg, PublishOptionsArg, SubscribeOptionsArg};
use crate::config::HOST_KEYS;
use crate::{Broker, Config};


/// No config key or string value is longer than this (in code points): a longer one is
/// refused without being copied whole into wasm.
pub(crate) const LONGEST_CONFIG_STRING: u32 = 256;

/// A publish/subscribe bus with acks, retries, circuit breakers, dead letters, ordering,
/// flow control, metrics and a graceful close.
///
/// In TypeScript it takes an optional topic map, `PubSub<Events>`: `publish` checks the data
/// of a mapped topic, a subscription to a mapped topic gets its type, one to a pattern the
/// union of the mapped topics it matches (see `MessageData`); other topics carry `unknown`
/// unless the subscriber says otherwise (`subscribe<T>`, `once<T>`, `createTopic<T>`).
///
/// ```ts
/// const bus = new PubSub<{ "orders.eu": Order; "cart.items": Cart }>();
/// bus.publish("orders.eu", { total: 42 });             // checked against Order
/// bus.subscribe("orders.*", (msg) => save(msg.data));  // msg.data: Order
/// ```
#[wasm_bindgen]
pub struct PubSub {
    pub(crate) bus: Rc<Bus>,
    /// Set by `dispose()` (`free()`, `Symbol.dispose`): every later call throws `CLOSED`.
    pub(crate) disposed: Cell<bool>,
}

#[wasm_bindgen]
impl PubSub {
    /// Creates a bus. Every config key is optional; unknown keys, wrong types and numbers
    /// out of range throw `PubSubError` `INVALID_CONFIG` naming the key.
    ///
    /// ```js
    /// const bus = new PubSub({ autoCreateTopics: true, delivery: { maxDeliveryAttempts: 3 } });
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(
        config: Option<ConfigArg>,
    ) -> Result<PubSub, JsValue> {
        let config = optional(config);
        let parsed = Config::from_value(&config_value(&config, &HOST_KEYS, LONGEST_CONFIG_STRING)?).map_err(to_js)?;
        let halted: Halted = Rc::default();
        let callbacks = Rc::new(OneShots::new(halted.clone()));
        let clock = clock(&config, callbacks.clone())?;
        let bridges = Bridges::new();
        let spawner = MicrotaskSpawner { halted: halted.clone() };
        let store = LetterStore::from_config(config_key(&config, "deadLetterStore")?)?;
        let limits = parsed.limits;
        let broker = Broker::with_hooks(parsed, clock, spawner, hooks(&config, &bridges, store.as_ref())?);
        if let Some(store) = &store {
            store.restore(&broker, &limits);
        }
        Ok(PubSub { bus: Bus::new(broker, bridges, callbacks, halted), disposed: Cell::new(false) })
    }

    /// Creates a topic and returns its handle.
    /// Throws `INVALID_TOPIC_NAME`, `TOPIC_EXISTS`, `LIMIT_EXCEEDED`, `CLOSED`.
    ///
    /// ```js
    /// const orders = bus.createTopic("orders.eu");
    /// ```
    #[wasm_bindgen(js_name = createTopic)]
    pub fn create_topic(&self, #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue) -> Result<Topic, JsValue> {
        self.live()?;
        let name = topic_arg(&name, self.max_name())?;
        let name = self.bus.broker.create_topic(&name).map_err(to_js)?;
        Ok(Topic::new(self.bus.clone(), name))
    }

    /// The handle of an existing topic, or `undefined`.
    ///
    /// ```js
    /// bus.topic("orders.eu")?.publish("hello");
    /// ```
    pub fn topic(&self, #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue) -> Result<Option<Topic>, JsValue> {
        self.live()?;
        let Ok(name) = topic_arg(&name, self.max_name()) else { return Ok(None) };
        let exists = self.bus.broker.has_topic(&name);
        Ok(exists.then(|| Topic::new(self.bus.clone(), Rc::from(name))))
    }

    /// Deletes a topic: the subscriptions on exactly this name end (their queued messages
    /// are discarded and counted); pattern subscriptions stay. Returns whether it existed.
    ///
    /// ```js
    /// bus.deleteTopic("orders.eu"); // true
    /// ```
    #[wasm_bindgen(js_name = deleteTopic)]
    pub fn delete_topic(&self, #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue) -> Result<bool, JsValue> {
        self.live()?;
        let name = topic_arg(&name, self.max_name())?;
        self.bus.broker.delete_topic(&name).map_err(to_js)
    }

    /// Names of every topic, sorted.
    ///
    /// ```js
    /// bus.topics(); // ["orders.eu", "users"]
    /// ```
    #[wasm_bindgen(unchecked_return_type = "string[]")]
    pub fn topics(&self) -> Result<Array, JsValue> {
        self.live()?;
        Ok(self.bus.broker.topics().iter().map(|t| JsValue::from_str(t)).collect())
    }

    /// Publishes one message; returns its id. Handlers run after this returns, never inside it.
    ///
    /// ```js
    /// const id = bus.publish("orders.eu", { total: 42 }, { attributes: { tier: "gold" }, orderingKey: "c-7" });
    /// ```
    pub fn publish(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
        options: Option<PublishOptionsArg>,
    ) -> Result<f64, JsValue> {
        self.live()?;
        self.bus.publish_by_name(&topic, data, options.map(Into::into))
    }

    /// `publish(topic, data)` without options. Internal: the package's JavaScript front calls
    /// it with the payload's size (`-1`: not measured) and whether `topic` is the one its last
    /// accepted call named; it returns the id, or NaN after which `__takeRefusal` gives the
    /// error to throw.
    #[wasm_bindgen(js_name = "__publishPlain", skip_typescript)]
    pub fn publish_plain(&self, topic: JsValue, data: JsValue, size: f64, same: bool) -> f64 {
        match self.live() {
            Ok(()) => self.bus.publish_plain(&topic, data, size_of_measure(size), same),
            Err(error) => self.bus.refuse(error),
        }
    }

    /// The error of the last refused `__publishPlain`. Internal: the front calls it.
    #[wasm_bindgen(js_name = "__takeRefusal", skip_typescript)]
    pub fn take_refusal(&self) -> JsValue {
        self.bus.take_refusal()
    }

    /// Publishes several messages on one topic, all or nothing; returns their ids.
    ///
    /// ```js
    /// bus.publishBatch("orders.eu", [{ data: 1 }, { data: 2, attributes: { tier: "gold" } }]);
    /// ```
    #[wasm_bindgen(js_name = publishBatch, unchecked_return_type = "number[]")]
    pub fn publish_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "BatchMessage[]")] messages: JsValue,
    ) -> Result<Array, JsValue> {
        self.live()?;
        let plain = self.bus.topic_by_name(&topic).inspect_err(|_| self.bus.broker.record_rejected(batch_count(&messages)))?;
        self.bus.publish_batch(&plain, &messages)
    }

    /// Subscribes a handler to a topic or a pattern (`*` one level, `>` the rest). The
    /// handler's return (or fulfilled promise) acks; a throw, rejection or timeout retries.
    ///
    /// ```js
    /// const sub = bus.subscribe("orders.*", async (msg) => {
    ///   await save(msg.data);
    /// }, { name: "saver", maxInFlight: 4, ackTimeoutMs: 5000 });
    /// ```
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Handler")] handler: JsValue,
        options: Option<SubscribeOptionsArg>,
    ) -> Result<Subscription, JsValue> {
        self.live()?;
        let options = optional(options);
        let target = topic_arg(&topic, self.max_name())?;
        self.bus.subscribe(&target, &handler, &options)
    }

    /// Carries topics across tabs, workers and frames through a `BroadcastChannel`,
    /// `MessagePort`, `Worker` or any `{ postMessage, addEventListener }`. Local publishes on
    /// `options.topics` (patterns allowed; default all) are posted to the port; messages from
    /// the port are validated, published locally and forwarded to the other bridges.
    ///
    /// ```js
    /// const bridge = bus.bridge(new BroadcastChannel("app"), { topics: ["cart.>"] });
    /// ```
    pub fn bridge(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BridgePort")] port: JsValue,
        options: Option<BridgeOptionsArg>,
    ) -> Result<Bridge, JsValue> {
        self.live()?;
        let options = optional(options);
        bridge::open(&self.bus, &port, &options)
    }

    /// Disposes of the bus: closes it at once (as `close({ drainTimeoutMs: 0 })`: nothing is
    /// retried, what is left is dead-lettered with reason `SHUTDOWN`) and makes every later
    /// call but `close()` throw `CLOSED`. `free()` and `using` (`Symbol.dispose`) call it;
    /// `await using` (`Symbol.asyncDispose`) closes with the default drain and awaits it.
    ///
    /// ```js
    /// {
    ///   using bus = new PubSub();
    ///   bus.publish("t", 1);
    /// } // closed here
    /// ```
    pub fn dispose(&self) {
        if !self.disposed.replace(true) && self.bus.usable() {
            let _ = self.close_within(0);
        }
    }

    /// Halts the bus after a call into it was cut short. Internal: the package's JavaScript
    /// front calls it.
    #[wasm_bindgen(js_name = "__halt", skip_typescript)]
    pub fn halt(&self) {
        self.bus.halt();
    }

    /// This bus's id on the bridge wire (what other buses see as `msg.origin.id`), drawn on
    /// first use. Internal: `wasm-pubsub/shared` keys a local message by it.
    #[wasm_bindgen(js_name = "__wireId", skip_typescript)]
    pub fn wire_id(&self) -> Result<String, JsValue> {
        self.live()?;
        Ok(self.bus.bridges.origin_text())
    }
}

impl PubSub {
    pub(crate) fn max_name(&self) -> u32 {
        self.bus.limits.get().max_topic_name_length
    }

    /// `CLOSED` when the bus was disposed or has halted.
    pub(crate) fn live(&self) -> Result<(), JsValue> {
        if self.disposed.get() {
            return Err(to_js(crate::Error::Disposed("bus")));
        }
        self.bus.live()
    }
}

fn clock(config: &JsValue, callbacks: Rc<OneShots>) -> Result<JsClock, JsValue> {
    let given = config_key(config, "clock")?;
    match given.is_undefined() {
        true => JsClock::global(callbacks),
        false => JsClock::from_config(&given, callbacks),
    }
}

/// A config key's value, read once (it may be a getter); `undefined` when the config is not
/// an object.
pub(crate) fn config_key(config: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    match config.is_object() {
        true => get(config, key),
        false => Ok(JsValue::UNDEFINED),
    }
}

/// A function-valued config key, or `None` when absent.
pub(crate) fn callback(config: &JsValue, key: &str) -> Result<Option<Function>, JsValue> {
    function_or_none(key, config_key(config, key)?)
}

/// The value of config key `key` as a function, `None` when it is `undefined`.
pub(crate) fn function_or_none(key: &str, value: JsValue) -> Result<Option<Function>, JsValue> {
    if value.is_undefined() {
        return Ok(None);
    }
    value.dyn_into::<Function>().map(Some).map_err(|_| {
        to_js(crate::Error::InvalidConfig(format!("{key} must be a function")))
    })
}

/// Bytes of WebAssembly linear memory the module holds now (it grows, never shrinks): a
/// diagnostic for footprint and leak checks.
///
/// ```js
/// import { wasmMemoryBytes } from "wasm-pubsub";
/// console.log(`${wasmMemoryBytes() / 1024} KiB of wasm memory`);
/// ```
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64
}
