//! `listenerCount` and `unsubscribeAll`: what users of mitt and emittery reach for, in the
//! broker's terms. (`stream`, the async iterator, is built on `subscribe` in `js/bus.js`.)

use wasm_bindgen::prelude::*;

use super::convert::{to_js, topic_arg};
use super::pubsub::PubSub;

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
    pub fn unsubscribe_all(&self, #[wasm_bindgen(unchecked_param_type = "string")] topic_or_pattern: Option<JsValue>) -> Result<u32, JsValue> {
        self.live()?;
        let target = match topic_or_pattern {
            Some(target) => Some(topic_arg(&target, self.max_name())?),
            None => None,
        };
        Ok(self.bus.broker.unsubscribe_all(target.as_deref()) as u32)
    }
}
