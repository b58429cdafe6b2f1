//! Arguments in, errors out: turning JavaScript values into core types at the boundary.
//!
//! Everything JavaScript gives is validated here or in the core; nothing here panics. A
//! user exception raised while reading an argument (a getter, a Proxy trap) becomes
//! `INVALID_ARGUMENT`.

use js_sys::{Array, JsString, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::js;
use crate::{quote, ConfigValue, Error, Limits, PublishOptions};

/// How deep a config or options object is read; deeper values are `Other("object")`.
const MAX_DEPTH: usize = 4;

/// The longest ordering key, in code points (API.md).
const MAX_ORDERING_KEY_CHARS: u32 = 1024;

/// The options shapes `checkKeys` knows (their allowed keys are listed in `js/bus.js`; shape 0,
/// publish options, is read there whole by `readPublishOptions`).
#[derive(Clone, Copy)]
pub enum Shape {
    /// `close` options: `drainTimeoutMs`.
    Close = 1,
    /// `once` options: `signal`.
    Once = 2,
    /// The `replayDeadLetters` filter: `topic`, `subscription`, `reason`.
    Replay = 3,
    /// `drain` options: `timeoutMs`.
    Drain = 4,
    /// `request` options: `timeoutMs`, `attributes`, `orderingKey`.
    Request = 5,
}

/// `INVALID_ARGUMENT` unless `value` is a plain object with only the keys `shape` allows.
/// `what` names the argument in the error (`options`, `filter`).
pub fn check_shape(value: &JsValue, shape: Shape, what: &str) -> Result<(), JsValue> {
    let answer = js::check_keys(value, shape as u32);
    match answer.is_undefined() {
        true => Ok(()),
        false => Err(shape_error(&answer, what)),
    }
}

/// The error `checkKeys`' answer (not `undefined`) stands for.
fn shape_error(answer: &JsValue, what: &str) -> JsValue {
    match answer.as_f64() {
        Some(-1.0) => invalid(format!("{what} must be a plain object")),
        Some(_) => invalid(format!("reading {what} threw")),
        None => {
            let key = answer.as_string().unwrap_or_default();
            invalid(format!("unknown key {} in {what}", quote(&key)))
        }
    }
}

/// The `PubSubError` for a core error.
pub fn to_js(error: Error) -> JsValue {
    js::make_error(error.code(), &error.to_string())
}

/// Shorthand: an `INVALID_ARGUMENT` error value.
pub fn invalid(message: impl Into<String>) -> JsValue {
    to_js(Error::InvalidArgument(message.into()))
}

/// A string argument of at most `max_chars` code points, or `INVALID_ARGUMENT` naming it.
/// Lone surrogates are refused, and a string too long to pass is refused before it is copied.
pub fn string_arg(value: &JsValue, name: &str, max_chars: u32) -> Result<String, JsValue> {
    let too_long = || invalid(format!("{name} is longer than {max_chars} characters"));
    if value.dyn_ref::<JsString>().is_some_and(|text| too_long_to_copy(text, max_chars)) {
        return Err(too_long());
    }
    let text = well_formed(value).ok_or_else(|| invalid(format!("{name} must be a string without lone surrogates")))?;
    match text.chars().count() > max_chars as usize {
        true => Err(too_long()),
        false => Ok(text),
    }
}

/// Whether a string has more UTF-16 code units than `max_chars` code points can take (two
/// each): it cannot pass, so it is refused without being copied into wasm memory.
fn too_long_to_copy(text: &JsString, max_chars: u32) -> bool {
    text.length() > max_chars.saturating_mul(2)
}

/// A topic, pattern or name argument: not a string is `INVALID_ARGUMENT`; a string that
/// cannot be a name (a lone surrogate, or far too long to copy) is `INVALID_TOPIC_NAME`.
pub fn topic_arg(value: &JsValue, max_chars: u32) -> Result<String, JsValue> {
    let Some(text) = value.dyn_ref::<JsString>() else {
        return Err(invalid("topic must be a string"));
    };
    let bad_name = |why: &str| to_js(Error::InvalidTopicName(format!("topic name {why}")));
    if too_long_to_copy(text, max_chars) {
        return Err(bad_name(&format!("is longer than limits.maxTopicNameLength ({max_chars})")));
    }
    well_formed(value).ok_or_else(|| bad_name("contains a lone surrogate"))
}

/// A batch argument and its length; `INVALID_ARGUMENT` when it is not an array or reading
/// its length throws (a hostile Proxy).
pub fn batch_arg(value: &JsValue) -> Result<(&Array, u32), JsValue> {
    let list = array_arg(value).ok_or_else(|| invalid("messages must be an array"))?;
    let length = js::length_of(list);
    match length >= 0.0 {
        true => Ok((list, length as u32)),
        false => Err(invalid("reading the batch threw")),
    }
}

/// How many messages a refused `publishBatch(messages)` counts in `metrics().rejected`: the
/// batch's length, or 1 when it is not an array.
pub fn batch_count(messages: &JsValue) -> u64 {
    batch_arg(messages).map_or(1, |(_, length)| u64::from(length.max(1)))
}

/// An array argument (a revoked Proxy is not one).
pub fn array_arg(value: &JsValue) -> Option<&Array> {
    js::is_array(value).then(|| value.unchecked_ref::<Array>())
}

/// The value as a Rust string when it is a well-formed JavaScript string.
pub fn well_formed(value: &JsValue) -> Option<String> {
    let text = value.dyn_ref::<JsString>()?;
    js::is_well_formed(value).then(|| String::from(text))
}

/// Reads a property, turning a throwing getter or trap into `INVALID_ARGUMENT`.
pub fn get(target: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    Reflect::get(target, &JsValue::from_str(key)).map_err(|_| invalid(format!("reading {key} threw")))
}

/// Converts a JavaScript value to the tree the core's config parsers read.
/// `host_keys` (top level only) are left for the binding and read as `Other("host")`.
/// No string longer than `max_chars` code points can pass the parsers, so a longer string
/// or key is copied only as far as needed to be refused as too long (wasm memory never
/// shrinks: a 30 MB name must not grow it). Objects that are not plain (a `Map`, a class
/// instance) are `Other("non-plain object")`, never read as empty.
pub fn config_value(value: &JsValue, host_keys: &[&str], max_chars: u32) -> Result<ConfigValue, JsValue> {
    convert(value, host_keys, 0, max_chars)
}

fn convert(value: &JsValue, host_keys: &[&str], depth: usize, max_chars: u32) -> Result<ConfigValue, JsValue> {
    if let Some(scalar) = scalar(value, max_chars) {
        return Ok(scalar);
    }
    if js::is_array(value) {
        return Ok(ConfigValue::Other("array"));
    }
    if value.is_function() {
        return Ok(ConfigValue::Other("function"));
    }
    match js::plainness(value) {
        1 => {}
        0 => return Ok(ConfigValue::Other("non-plain object")),
        _ => return Err(invalid("reading an object threw")),
    }
    if depth >= MAX_DEPTH {
        return Ok(ConfigValue::Other("object"));
    }
    let object: &Object = value.unchecked_ref();
    let keys = Reflect::own_keys(object).map_err(|_| invalid("reading the keys of an object threw"))?;
    let mut entries = Vec::new();
    for key in keys.iter().filter(JsValue::is_string) {
        if !is_enumerable(object, &key)? {
            continue;
        }
        let name = bounded(key.unchecked_ref(), max_chars);
        let entry = if depth == 0 && host_keys.contains(&name.as_str()) {
            ConfigValue::Other("host")
        } else {
            convert(&Reflect::get(value, &key).map_err(|_| invalid(format!("reading {} threw", quote(&name))))?, &[], depth + 1, max_chars)?
        };
        entries.push((name, entry));
    }
    Ok(ConfigValue::Object(entries))
}

/// The string, or only its first `2 * max_chars + 2` UTF-16 code units when it is longer:
/// at least `max_chars + 1` code points, still refused as too long by any check of
/// `max_chars`, without copying the rest.
fn bounded(text: &JsString, max_chars: u32) -> String {
    let cut = max_chars.saturating_mul(2).saturating_add(2);
    match text.length() > cut {
        true => String::from(text.slice(0, cut)),
        false => String::from(text),
    }
}

fn scalar(value: &JsValue, max_chars: u32) -> Option<ConfigValue> {
    if value.is_undefined() {
        return Some(ConfigValue::Undefined);
    }
    if value.is_null() {
        return Some(ConfigValue::Null);
    }
    if let Some(flag) = value.as_bool() {
        return Some(ConfigValue::Bool(flag));
    }
    if let Some(number) = value.as_f64() {
        return Some(ConfigValue::Number(number));
    }
    if let Some(text) = value.dyn_ref::<JsString>() {
        return Some(ConfigValue::String(bounded(text, max_chars)));
    }
    if value.is_bigint() {
        return Some(ConfigValue::Other("bigint"));
    }
    value.is_symbol().then_some(ConfigValue::Other("symbol"))
}

fn is_enumerable(object: &Object, key: &JsValue) -> Result<bool, JsValue> {
    let descriptor = Reflect::get_own_property_descriptor(object, key)
        .map_err(|_| invalid("reading a property descriptor threw"))?;
    if descriptor.is_undefined() {
        return Ok(false);
    }
    Ok(get(&descriptor, "enumerable")?.is_truthy())
}

/// Publish options as JavaScript read them in one call (`readPublishOptions`, which also
/// checks the attribute strings): what they are is taken from here only when needed.
pub struct ReadOptions {
    /// Equal for equal options read one after the other (see `optionsGeneration` in
    /// `js/bus.js`): the headers built for the last one may be used again.
    pub generation: f64,
    /// `[copy, k1, v1, …, orderingKey, generation]`.
    flat: Array,
}

/// Reads `options` (`{ attributes?, orderingKey? }`), refusing what is wrong with them.
pub fn read_publish_options(options: &JsValue, limits: &Limits) -> Result<ReadOptions, JsValue> {
    let (count, key, value) = (limits.max_attributes, limits.max_attribute_key_length, limits.max_attribute_value_length);
    let read = js::read_publish_options(options, count, key, value);
    if !read.is_object() {
        return Err(publish_options_error(&read));
    }
    let flat: Array = read.unchecked_into();
    if flat.length() == 1 {
        return Err(to_js(Error::InvalidAttributes(flat.get(0).as_string().unwrap_or_default())));
    }
    let generation = flat.get(flat.length().saturating_sub(1)).as_f64().unwrap_or(f64::NAN);
    Ok(ReadOptions { generation, flat })
}

impl ReadOptions {
    /// The core's options, their strings copied into wasm, and the frozen attributes copy.
    pub fn take(&self) -> Result<(PublishOptions, JsValue), JsValue> {
        let pairs_end = self.flat.length().saturating_sub(2);
        let ordering_key = ordering_key(self.flat.get(pairs_end))?;
        let text = |index| self.flat.get(index).as_string().unwrap_or_default();
        let pairs = (1..pairs_end).step_by(2).map(|key| (text(key), text(key + 1))).collect();
        Ok((PublishOptions { attributes: pairs, ordering_key }, self.flat.get(0)))
    }
}

/// The error `readPublishOptions`' answer (not an array) stands for.
fn publish_options_error(answer: &JsValue) -> JsValue {
    match answer.as_f64() {
        Some(-3.0) => invalid("reading attributes threw"),
        Some(-6.0) => invalid("reading orderingKey threw"),
        Some(-4.0) => invalid("reading options.attributes threw"),
        Some(-5.0) => to_js(Error::InvalidAttributes(LONE_SURROGATE.into())),
        _ => shape_error(answer, "options"),
    }
}

/// What an attribute with a lone surrogate is told.
const LONE_SURROGATE: &str = "attributes must be strings without lone surrogates";

/// `options.orderingKey`, when given.
fn ordering_key(value: JsValue) -> Result<Option<String>, JsValue> {
    match value.is_undefined() {
        true => Ok(None),
        false => string_arg(&value, "options.orderingKey", MAX_ORDERING_KEY_CHARS).map(Some),
    }
}

/// Publish options from the values of `attributes` and `orderingKey` already read. Without
/// attributes the copy is `undefined`: deliveries then carry the shared empty object.
pub fn options_from(attributes_value: &JsValue, key_value: JsValue, limits: &Limits) -> Result<(PublishOptions, JsValue), JsValue> {
    let (attributes, copy) = match attributes_value.is_undefined() {
        true => (Vec::new(), JsValue::UNDEFINED),
        false => attributes(attributes_value, limits)?,
    };
    let ordering_key = ordering_key(key_value)?;
    Ok((PublishOptions { attributes, ordering_key }, copy))
}

/// Reads an attributes object: the pairs to validate and the frozen copy to deliver. Counts
/// and lengths beyond `limits` are refused before any string is copied into wasm.
pub fn attributes(source: &JsValue, limits: &Limits) -> Result<(Vec<(String, String)>, JsValue), JsValue> {
    let (count, key, value) = (limits.max_attributes, limits.max_attribute_key_length, limits.max_attribute_value_length);
    let read = js::read_attributes(source, count, key, value).map_err(|_| invalid("reading options.attributes threw"))?;
    if let Some(problem) = read.as_string() {
        return Err(to_js(Error::InvalidAttributes(problem)));
    }
    let flat: Array = read.unchecked_into();
    let copy = flat.get(0);
    let mut pairs = Vec::with_capacity((flat.length() as usize).saturating_sub(1) / 2);
    let mut index = 1;
    let bad = || to_js(Error::InvalidAttributes(LONE_SURROGATE.into()));
    while index + 1 < flat.length() {
        let key = well_formed(&flat.get(index)).ok_or_else(bad)?;
        let value = well_formed(&flat.get(index + 1)).ok_or_else(bad)?;
        pairs.push((key, value));
        index += 2;
    }
    Ok((pairs, copy))
}
