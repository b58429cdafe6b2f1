//! The `Subscription` handle.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::bus::Bus;
use super::convert::to_js;
use crate::{Error, SubscriptionId, SubscriptionState};

/// A subscription: its name, its topic or pattern, its state, and the calls that change it.
#[wasm_bindgen]
pub struct Subscription {
    bus: Rc<Bus>,
    id: SubscriptionId,
    name: String,
    topic: String,
    /// Set by `dispose()`: every later call throws `CLOSED`.
    disposed: Cell<bool>,
}

impl Subscription {
    pub(crate) fn new(bus: Rc<Bus>, id: SubscriptionId, topic: &str) -> Self {
        let name = bus.broker.subscription_name(id).map(|n| n.to_string()).unwrap_or_default();
        Subscription { bus, id, name, topic: topic.to_owned(), disposed: Cell::new(false) }
    }

    /// `CLOSED` when the handle was disposed or its bus has halted.
    fn live(&self) -> Result<(), JsValue> {
        if self.disposed.get() {
            return Err(to_js(Error::Disposed("Subscription")));
        }
        self.bus.live()
    }

    /// `CLOSED` unless the subscription is live on an open bus: pausing or resuming one that
    /// ended, or on a closing bus, would otherwise do nothing without a word.
    fn changeable(&self) -> Result<(), JsValue> {
        self.live()?;
        self.bus.broker.ensure_open().map_err(to_js)?;
        match self.bus.broker.subscription_state(self.id) {
            SubscriptionState::Closed => Err(to_js(Error::SubscriptionEnded)),
            _ => Ok(()),
        }
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
    pub fn name(&self) -> Result<String, JsValue> {
        self.live()?;
        Ok(self.name.clone())
    }

    /// The topic or pattern it was made for.
    ///
    /// ```js
    /// bus.subscribe("orders.*", handler).topic; // "orders.*"
    /// ```
    #[wasm_bindgen(getter)]
    pub fn topic(&self) -> Result<String, JsValue> {
        self.live()?;
        Ok(self.topic.clone())
    }

    /// `"active"`, `"paused"` or `"closed"`.
    ///
    /// ```js
    /// sub.pause();
    /// sub.state; // "paused"
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "SubscriptionState")]
    pub fn state(&self) -> Result<String, JsValue> {
        self.live()?;
        Ok(self.bus.broker.subscription_state(self.id).as_str().to_owned())
    }

    /// The circuit breaker: `"closed"`, `"open"` or `"halfOpen"`.
    ///
    /// ```js
    /// if (sub.breakerState === "open") console.warn(`${sub.name} is failing`);
    /// ```
    #[wasm_bindgen(getter, js_name = breakerState, unchecked_return_type = "BreakerState")]
    pub fn breaker_state(&self) -> Result<String, JsValue> {
        self.live()?;
        Ok(self.bus.broker.breaker_state(self.id).as_str().to_owned())
    }

    /// Stops deliveries; messages keep queueing (up to `queueCapacity`). Throws `CLOSED` once
    /// the subscription ended or its bus is closing.
    ///
    /// ```js
    /// sub.pause();
    /// ```
    pub fn pause(&self) -> Result<(), JsValue> {
        self.changeable()?;
        self.bus.broker.pause(self.id);
        Ok(())
    }

    /// Resumes deliveries of a paused subscription. Throws `CLOSED` once the subscription
    /// ended or its bus is closing.
    ///
    /// ```js
    /// sub.resume();
    /// ```
    pub fn resume(&self) -> Result<(), JsValue> {
        self.changeable()?;
        self.bus.broker.resume(self.id);
        Ok(())
    }

    /// Changes its delivery settings (`maxInFlight`, `ackTimeoutMs`, `maxDeliveryAttempts`,
    /// `retryBackoff`, `circuitBreaker`, `queueCapacity`, `overflow`), merged onto the
    /// current ones and validated as subscribe options are: all or nothing. Nothing queued
    /// is lost or reordered; deliveries in flight keep their ack deadline. A `queueCapacity`
    /// below what is queued follows `overflow`, and the report says what happened.
    /// Throws `INVALID_ARGUMENT` naming the option, `CLOSED` once it has ended.
    ///
    /// ```js
    /// const { deadLettered, overCapacity } = sub.update({ maxInFlight: 8, queueCapacity: 100 });
    /// ```
    #[wasm_bindgen(unchecked_return_type = "UpdateReport")]
    pub fn update(&self, #[wasm_bindgen(unchecked_param_type = "DeliveryOptions")] changes: JsValue) -> Result<JsValue, JsValue> {
        self.live()?;
        super::configure::update(&self.bus, self.id, &changes)
    }

    /// Ends the subscription: queued messages are discarded (and counted); a handler still
    /// in flight may finish. Returns whether it was live. The name is free again.
    ///
    /// ```js
    /// sub.unsubscribe(); // true
    /// sub.unsubscribe(); // false
    /// ```
    pub fn unsubscribe(&self) -> Result<bool, JsValue> {
        self.live()?;
        Ok(self.bus.broker.unsubscribe(self.id))
    }

    /// Disposes of the subscription: unsubscribes it (as `unsubscribe()`) and makes every
    /// later call on the handle throw `CLOSED`. `free()` and `using` (`Symbol.dispose`) call it.
    ///
    /// ```js
    /// {
    ///   using sub = bus.subscribe("orders", handler);
    /// } // unsubscribed here
    /// ```
    pub fn dispose(&self) {
        if !self.disposed.replace(true) && self.bus.usable() {
            self.bus.broker.unsubscribe(self.id);
        }
    }

    /// Halts the bus after a call into it was cut short. Internal: the package's JavaScript
    /// front calls it.
    #[wasm_bindgen(js_name = "__halt", skip_typescript)]
    pub fn halt(&self) {
        self.bus.halt();
    }

    /// Discards what it has queued and in flight, stays live, and posts those messages on
    /// every open bridge (with their origin and id, so a bus that has one drops it as a
    /// repeat): another bus of its group handles them. Returns how many. Internal:
    /// `wasm-pubsub/shared` calls it when the page of a member with others in its group goes.
    #[wasm_bindgen(js_name = "__handOver", skip_typescript)]
    pub fn hand_over(&self) -> Result<f64, JsValue> {
        self.live()?;
        let messages = self.bus.broker.hand_over(self.id);
        for message in &messages {
            self.bus.bridges.resend(message);
        }
        Ok(messages.len() as f64)
    }

    /// `[ackTimeoutMs, maxDeliveryAttempts]` as in force now, or undefined once it ended.
    /// Internal: `wasm-pubsub/shared` reads them to know a message's last attempt.
    #[wasm_bindgen(js_name = "__delivery", skip_typescript)]
    pub fn delivery(&self) -> Option<Vec<u32>> {
        let options = self.bus.broker.subscription_options(self.id)?;
        Some(vec![options.ack_timeout_ms, options.max_delivery_attempts])
    }
}
