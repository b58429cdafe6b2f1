//! Imports from the binding's JavaScript snippet (`js/bus.js`).

use js_sys::{Array, Float64Array, Function, Object};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/js/bus.js")]
extern "C" {
    /// Creates a `PubSubError` with a stable code.
    #[wasm_bindgen(js_name = makeError)]
    pub fn make_error(code: &str, message: &str) -> JsValue;

    /// `Object.create(null)`.
    #[wasm_bindgen(js_name = nullObject)]
    pub fn null_object() -> Object;

    /// `Array.isArray`, false for a revoked Proxy instead of a throw.
    #[wasm_bindgen(js_name = isArray)]
    pub fn is_array(value: &JsValue) -> bool;

    /// `[frozenCopy, k1, v1, …]`, or a string saying what is wrong; throws what a getter throws.
    #[wasm_bindgen(js_name = readAttributes, catch)]
    pub fn read_attributes(source: &JsValue) -> Result<JsValue, JsValue>;

    /// `[true, data, …]` when no batch entry has attributes or an ordering key, else
    /// `[false, data, attributes, orderingKey, …]`, with each data's `measure` written to
    /// `sizes` (as long as the list); throws a string naming the problem.
    #[wasm_bindgen(js_name = readBatch, catch)]
    pub fn read_batch(list: &Array, sizes: &Float64Array) -> Result<Array, JsValue>;

    /// `list.length`, or -1 when reading it throws.
    #[wasm_bindgen(js_name = lengthOf)]
    pub fn length_of(list: &Array) -> f64;

    /// `count` consecutive ids from `first`, as an array.
    #[wasm_bindgen(js_name = idRange)]
    pub fn id_range(first: f64, count: u32) -> Array;

    /// UTF-8 bytes of a string, bytes of binary data, -1 for other values.
    pub fn measure(data: &JsValue) -> f64;

    /// `measure(data) + 1` when `topic === last`, else `-(measure(data) + 2)`.
    pub fn inspect(topic: &JsValue, last: &JsValue, data: &JsValue) -> f64;

    /// Builds a `Message` object; `undefined` attributes become the shared empty object.
    #[wasm_bindgen(js_name = buildMessage)]
    #[allow(clippy::too_many_arguments)]
    pub fn build_message(
        id: f64,
        topic: &JsValue,
        sequence: f64,
        published_at: f64,
        attributes: &JsValue,
        ordering_key: &JsValue,
        data: &JsValue,
        attempt: u32,
    ) -> Object;

    /// Calls a handler: 0 = acked, 1 = settles later through `settler.settle`, 2 = threw (the text
    /// is then read with [`take_thrown`]).
    #[allow(clippy::too_many_arguments)]
    pub fn deliver(
        handler: &Function,
        settler: &JsValue,
        sub: f64,
        delivery: f64,
        id: f64,
        topic: &JsValue,
        sequence: f64,
        published_at: f64,
        attributes: &JsValue,
        ordering_key: &JsValue,
        data: &JsValue,
        attempt: u32,
    ) -> u32;

    /// The text of what the last `deliver` call caught.
    #[wasm_bindgen(js_name = takeThrown)]
    pub fn take_thrown() -> String;

    /// Calls a callback: undefined, a promise it returned, or the text of what it threw.
    #[wasm_bindgen(js_name = callHook)]
    pub fn call_hook(hook: &Function, argument: &JsValue) -> JsValue;

    /// Calls a callback, swallowing a throw or a rejection.
    #[wasm_bindgen(js_name = callQuietly)]
    pub fn call_quietly(hook: &Function, argument: &JsValue);

    /// `target.now()`, or NaN when it throws or is not a number.
    #[wasm_bindgen(js_name = callNow)]
    pub fn call_now(target: &JsValue, now: &Function) -> f64;

    /// Whether a string has no lone surrogate.
    #[wasm_bindgen(js_name = isWellFormed)]
    pub fn is_well_formed(text: &JsValue) -> bool;

    /// `Reflect.apply` that reports a throw instead of propagating it: `{ ok, value }`.
    #[wasm_bindgen(js_name = callMethod)]
    pub fn call_method(target: &JsValue, function: &Function, args: &Array) -> Object;

    /// The text of a thrown value.
    #[wasm_bindgen(js_name = errorText)]
    pub fn error_text(value: &JsValue) -> String;
}
