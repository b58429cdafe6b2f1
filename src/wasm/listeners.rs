//! `listenerCount`, `unsubscribeAll` and `publishAndWait`: what users of mitt and emittery
//! reach for, in the broker's terms. (`stream`, the async iterator, is built on `subscribe`
//! in `js/front.js`.)

use futures::FutureExt;
use js_sys::{JsString, Promise};
use wasm_bindgen::prelude::*;

use super::convert::{to_js, topic_arg};
use super::lifecycle::promise;
use super::objects::set_counts;
use super::pubsub::PubSub;
use super::types::PublishOptionsArg;
use crate::WaitReport;

#[wasm_bindgen]
impl PubSub {
    /// How many live subscriptions a publish on `topic` would reach now: those on the topic
    /// itself and every pattern that matches it. Throws `INVALID_TOPIC_NAME` for a pattern.
    ///
    /// ```js
    /// bus.subscribe("orders.*", handler);
    /// bus.listenerCount("orders.eu"); // 1
    /// ```
    #[wasm_bindgen(js_name = listenerCount)]
    pub fn listener_count(&self, #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue) -> Result<u32, JsValue> {
        self.live()?;
        let name = topic_arg(&topic, self.max_name())?;
        self.bus.broker.listener_count(&name).map(|n| n as u32).map_err(to_js)
    }

    /// Ends every subscription made for `topicOrPattern` (the exact string given to
    /// `subscribe`), or every subscription when it is omitted, as `unsubscribe()` does each:
    /// their queued messages are discarded and counted. The bus stays open. Returns how many
    /// ended.
    ///
    /// ```js
    /// bus.unsubscribeAll("orders.*"); // 2
    /// bus.unsubscribeAll();           // everything else
    /// ```
    #[wasm_bindgen(js_name = unsubscribeAll)]
    pub fn unsubscribe_all(&self, pattern: Option<JsString>) -> Result<u32, JsValue> {
        self.live()?;
        let target = match pattern {
            Some(target) => Some(topic_arg(&target.into(), self.max_name())?),
            None => None,
        };
        Ok(self.bus.broker.unsubscribe_all(target.as_deref()) as u32)
    }

    /// Publishes like `publish`, then resolves once every copy it queued is settled:
    /// `{ acked, deadLettered, discarded }` — emittery's `await emit()`, with acks, retries
    /// and timeouts. Resolves at once with zeros when no subscription took the message;
    /// rejects with the codes `publish` throws.
    ///
    /// ```js
    /// const { acked, deadLettered } = await bus.publishAndWait("orders.eu", order);
    /// ```
    #[wasm_bindgen(js_name = publishAndWait, unchecked_return_type = "Promise<PublishReport>")]
    pub fn publish_and_wait(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
        options: Option<PublishOptionsArg>,
    ) -> Promise {
        match self.live().and_then(|()| self.bus.publish_waiting(&topic, data, options.map(Into::into))) {
            Ok(settled) => promise(settled.map(|report| Ok(wait_report(&report))).boxed_local()),
            Err(error) => Promise::reject(&error),
        }
    }
}

/// `{ acked, deadLettered, discarded }`.
fn wait_report(report: &WaitReport) -> JsValue {
    let object = js_sys::Object::new();
    set_counts(&object, &[("acked", report.acked), ("deadLettered", report.dead_lettered), ("discarded", report.discarded)]);
    object.into()
}
