//! Imports from the bridge's JavaScript snippet (`js/bridge.js`).

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/js/bridge.js")]
extern "C" {
    /// The wire form of a bridged message.
    #[allow(clippy::too_many_arguments)]
    pub fn envelope(
        origin: &JsValue,
        id: f64,
        hops: u32,
        topic: &JsValue,
        data: &JsValue,
        attributes: &JsValue,
        ordering_key: &JsValue,
        published_at: f64,
        reply_inbox: Option<f64>,
        reply_within: f64,
    ) -> JsValue;

    /// The wire form of a reply to request `inbox` of the bus whose wire id is `to`.
    #[wasm_bindgen(js_name = replyEnvelope)]
    pub fn reply_envelope(to: &str, inbox: f64, hops: u32, data: &JsValue) -> JsValue;

    /// Posts `wire` with the port's `post_message`; whether that did not throw.
    pub fn post(port: &JsValue, post_message: &Function, wire: &JsValue) -> bool;

    /// A random hex id for this bus on the bridge wire.
    #[wasm_bindgen(js_name = randomOrigin)]
    pub fn random_origin() -> String;

    /// Adds the bridge's listener, which hands checked frames to `inbox`, with the port's
    /// `add_event_listener`; the link to keep, or null when adding threw. `bounds`: see
    /// [`super::Bounds`].
    pub fn listen(port: &JsValue, add_event_listener: &Function, inbox: JsValue, bounds: &[u32]) -> JsValue;

    /// Sets a link's bounds anew (`bus.configure` changed the limits).
    pub fn rebound(link: &JsValue, bounds: &[u32]);

    /// Makes a link inert and removes its listener when the port can.
    pub fn unlisten(port: &JsValue, link: &JsValue);

    /// The `topics` of `bridge()`'s options, copied (at most `max`), or a string naming the
    /// problem. Never throws.
    #[wasm_bindgen(js_name = bridgeTopics)]
    pub fn bridge_topics(options: &JsValue, max: u32) -> JsValue;
}
