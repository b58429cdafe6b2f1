//! Helpers shared by the binding tests (`support.js` and property access).

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/tests/wasm/support.js")]
extern "C" {
    /// A fake clock object with an async `advance(ms)`.
    #[wasm_bindgen(js_name = fakeClock)]
    pub fn fake_clock() -> Object;
    /// `{ seen, handler }`.
    pub fn recorder() -> Object;
    /// A promise resolved after `ms` milliseconds of real time.
    pub fn tick(ms: u32) -> Promise;
    /// `JSON.parse`.
    pub fn json(text: &str) -> JsValue;
}

pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).expect("readable")
}

pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(target, &key.into(), value).expect("writable");
}

pub fn call(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let function: Function = get(target, method).dyn_into().expect("a method");
    function.apply(target, &args.iter().collect::<Array>()).expect("no throw")
}

/// Lets queued deliveries run.
pub async fn settle() {
    JsFuture::from(tick(0)).await.expect("tick");
}

/// Moves a fake clock (or anything with an async `advance`) forward.
pub async fn advance(clock: &JsValue, ms: u32) {
    let promise: Promise = call(clock, "advance", &[ms.into()]).unchecked_into();
    JsFuture::from(promise).await.expect("advance");
}

/// How many messages a recorder has seen.
pub fn seen_len(recorder: &JsValue) -> u32 {
    get(recorder, "seen").unchecked_into::<Array>().length()
}
