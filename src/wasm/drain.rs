//! `bus.drain(options)` and `bus.evacuate()`: settling what is queued and in flight while the
//! bus stays open (see the core's `bus_drain`).

use futures::FutureExt;
use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::convert::{to_js, Shape};
use super::lifecycle::{millis_option, promise};
use super::objects::close_report;
use super::pubsub::PubSub;
use super::types::{optional, DrainOptionsArg};

#[wasm_bindgen]
impl PubSub {
    /// Settles what is queued and in flight on active subscriptions, waiting at most
    /// `timeoutMs` (default 5000), dead-letters the rest with reason `SHUTDOWN`, and leaves
    /// the bus open; resolves with `{ drained, deadLettered }`. Paused subscriptions keep
    /// their queues. A drain already running returns its promise; rejects with `CLOSED` on
    /// a closing or closed bus.
    ///
    /// ```js
    /// ctx.waitUntil(bus.drain({ timeoutMs: 2000 })); // a Worker's bus at module scope
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<CloseReport>")]
    pub fn drain(&self, options: Option<DrainOptionsArg>) -> Promise {
        let started = self.live().and_then(|()| {
            let timeout = millis_option(&optional(options), Shape::Drain, "timeoutMs", "drain options")?;
            self.bus.broker.drain(timeout).map_err(to_js)
        });
        match started {
            Ok(draining) => promise(async move { Ok(close_report(&draining.await)) }.boxed_local()),
            Err(error) => Promise::reject(&error),
        }
    }

    /// Dead-letters every message queued or in flight, on every subscription (paused ones
    /// too), with reason `SHUTDOWN`, before it returns: `onDeadLetter` has seen each one. The
    /// bus stays open; a handler that settles one of those deliveries later is ignored.
    /// Returns how many; on a closing bus it ends the close at once. Throws `CLOSED` once
    /// closed. For a page on its way out (`pagehide`), when no timer fires again.
    ///
    /// ```js
    /// addEventListener("pagehide", () => bus.evacuate());
    /// ```
    pub fn evacuate(&self) -> Result<f64, JsValue> {
        self.live()?;
        self.bus.broker.evacuate().map(|count| count as f64).map_err(to_js)
    }
}
