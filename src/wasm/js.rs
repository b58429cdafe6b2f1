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

    /// 1 for a plain object, 0 for anything else, -1 when asking threw.
    pub fn plainness(value: &JsValue) -> i32;

    /// `undefined` when `value` is a plain object with only the keys of options shape
    /// `shape`; -1 not a plain object; -2 reading it threw; else the first unknown key (cut).
    #[wasm_bindgen(js_name = checkKeys)]
    pub fn check_keys(value: &JsValue, shape: u32) -> JsValue;

    /// `[frozenCopy, k1, v1, …]` within the given limits, or a string saying what is wrong;
    /// throws what a getter throws.
    #[wasm_bindgen(js_name = readAttributes, catch)]
    pub fn read_attributes(source: &JsValue, max_count: u32, max_key: u32, max_value: u32) -> Result<JsValue, JsValue>;

    /// `[frozenCopy, k1, v1, …, orderingKey, generation]` of publish options, or what is
    /// wrong with them (see `readPublishOptions` in `js/bus.js`).
    #[wasm_bindgen(js_name = readPublishOptions)]
    pub fn read_publish_options(options: &JsValue, max_count: u32, max_key: u32, max_value: u32) -> JsValue;

    /// `[true, data, …]` when no batch entry has attributes or an ordering key, else
    /// `[false, data, attributes, orderingKey, …]`, with each data's `measure` written to
    /// `sizes` (its length is the batch's); or a string naming the problem.
    #[wasm_bindgen(js_name = readBatch)]
    pub fn read_batch(list: &Array, sizes: &Float64Array) -> JsValue;

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

    /// Builds a `Message` object; `undefined` attributes become the shared empty object, and
    /// an `undefined` ordering key or origin leaves the property out.
    #[wasm_bindgen(js_name = buildMessage)]
    #[allow(clippy::too_many_arguments)]
    pub fn build_message(
        id: f64,
        topic: &JsValue,
        sequence: f64,
        published_at: f64,
        attributes: &JsValue,
        ordering_key: &JsValue,
        origin: &JsValue,
        reply: &JsValue,
        data: &JsValue,
        attempt: u32,
    ) -> Object;

    /// A `DeadLetter` object (`error` when `code` is a string; see `deadLetterObject`).
    #[wasm_bindgen(js_name = deadLetterObject)]
    #[allow(clippy::too_many_arguments)]
    pub fn dead_letter_object(message: &JsValue, subscription: &str, reason: &str, code: &JsValue, text: &JsValue, stack: &JsValue, attempts: u32, dead_lettered_at: f64) -> JsValue;

    /// A `LogRecord` object; an `undefined` field is left out.
    #[wasm_bindgen(js_name = logRecordObject)]
    pub fn log_record_object(level: &str, event: &str, topic: &JsValue, subscription: &JsValue, message_id: &JsValue, code: &JsValue, message: &JsValue) -> JsValue;

    /// The object `health()` returns.
    #[wasm_bindgen(js_name = healthObject)]
    pub fn health_object(status: &str, open_breakers: &Array, saturated_subscriptions: &Array, dead_letters: f64, clock_errors: f64) -> JsValue;

    /// The object `metrics()` returns, from its figures and the subscriptions' names and
    /// topics (see `metricsObject` in `js/bus.js` for their order).
    #[wasm_bindgen(js_name = metricsObject)]
    pub fn metrics_object(numbers: &[f64], names: &Array) -> JsValue;

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
        origin: &JsValue,
        reply: &JsValue,
        data: &JsValue,
        attempt: u32,
    ) -> u32;

    /// The text of what the last `deliver` call caught.
    #[wasm_bindgen(js_name = takeThrown)]
    pub fn take_thrown() -> String;

    /// The stack of what the last `deliver` call caught, if it had one (read right after
    /// [`take_thrown`]).
    #[wasm_bindgen(js_name = takeThrownStack)]
    pub fn take_thrown_stack() -> Option<String>;

    /// Calls a callback: undefined, a promise it returned, or the text of what it threw.
    #[wasm_bindgen(js_name = callHook)]
    pub fn call_hook(hook: &Function, argument: &JsValue) -> JsValue;

    /// One console line for a warning or an error, rate-limited.
    #[wasm_bindgen(js_name = consoleLine)]
    pub fn console_line(level: &str, event: &str, topic: &str, subscription: &str, message_id: f64, code: &str);

    /// Calls a callback, swallowing a throw or a rejection.
    #[wasm_bindgen(js_name = callQuietly)]
    pub fn call_quietly(hook: &Function, argument: &JsValue);

    /// `target.now()`, or NaN when it throws or is not a number.
    #[wasm_bindgen(js_name = callNow)]
    pub fn call_now(target: &JsValue, now: &Function) -> f64;

    /// The `this` to call a clock method with (the host's timers need their global).
    #[wasm_bindgen(js_name = methodThis)]
    pub fn method_this(target: &JsValue, function: &Function) -> JsValue;

    /// `clock.setTimeout(() => callbacks.fire(id), ms)`; `Err` with what it threw.
    #[wasm_bindgen(js_name = armTimer, catch)]
    pub fn arm_timer(clock: &JsValue, set_timeout: &Function, callbacks: &JsValue, id: f64, ms: u32) -> Result<JsValue, JsValue>;

    /// Adds `() => callbacks.fire(id)` as the signal's abort listener; returns it, or
    /// `undefined` when adding threw.
    #[wasm_bindgen(js_name = watchAbort)]
    pub fn watch_abort(signal: &JsValue, callbacks: &JsValue, id: f64) -> JsValue;

    /// Removes an abort listener in a microtask (the signal may be user code).
    #[wasm_bindgen(js_name = unwatchAbort)]
    pub fn unwatch_abort(signal: &JsValue, listener: &JsValue);

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
