//! The `Subscription` handle.

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::bus::Bus;
use crate::SubscriptionId;

/// A subscription: its name, its topic or pattern, its state, and the calls that change it.
#[wasm_bindgen]
pub struct Subscription {
    bus: Rc<Bus>,
    id: SubscriptionId,
    name: String,
    topic: String,
}

impl Subscription {
    pub(crate) fn new(bus: Rc<Bus>, id: SubscriptionId, topic: &str) -> Self {
        let name = bus.broker.subscription_name(id).map(|n| n.to_string()).unwrap_or_default();
        Subscription { bus, id, name, topic: topic.to_owned() }
    }
}

#[wasm_bindgen]
impl Subscription {
    /// The subscription's name (given in the options, or generated).
    ///
    /// ```js
    /// const sub = bus.subscribe("orders", handler, { name: "audit" });
    /// sub.name; // "audit"
    /// ```
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// The topic or pattern it was made for.
    ///
    /// ```js
    /// bus.subscribe("orders.*", handler).topic; // "orders.*"
    /// ```
    #[wasm_bindgen(getter)]
    pub fn topic(&self) -> String {
        self.topic.clone()
    }

    /// `"active"`, `"paused"` or `"closed"`.
    ///
    /// ```js
    /// sub.pause();
    /// sub.state; // "paused"
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "SubscriptionState")]
    pub fn state(&self) -> String {
        self.bus.broker.subscription_state(self.id).as_str().to_owned()
    }

    /// The circuit breaker: `"closed"`, `"open"` or `"halfOpen"`.
    ///
    /// ```js
    /// if (sub.breakerState === "open") console.warn(`${sub.name} is failing`);
    /// ```
    #[wasm_bindgen(getter, js_name = breakerState, unchecked_return_type = "BreakerState")]
    pub fn breaker_state(&self) -> String {
        self.bus.broker.breaker_state(self.id).as_str().to_owned()
    }

    /// Stops deliveries; messages keep queueing (up to `queueCapacity`).
    ///
    /// ```js
    /// sub.pause();
    /// ```
    pub fn pause(&self) {
        self.bus.broker.pause(self.id);
    }

    /// Resumes deliveries of a paused subscription.
    ///
    /// ```js
    /// sub.resume();
    /// ```
    pub fn resume(&self) {
        self.bus.broker.resume(self.id);
    }

    /// Ends the subscription: queued messages are discarded (and counted); a handler still
    /// in flight may finish. Returns whether it was live. The name is free again.
    ///
    /// ```js
    /// sub.unsubscribe(); // true
    /// sub.unsubscribe(); // false
    /// ```
    pub fn unsubscribe(&self) -> bool {
        self.bus.broker.unsubscribe(self.id)
    }
}
