//! Arguments in, errors out: turning JavaScript values into core types at the boundary.
//!
//! Everything JavaScript gives is validated here or in the core; nothing here panics. A
//! user exception raised while reading an argument (a getter, a Proxy trap) becomes
//! `INVALID_ARGUMENT`.

use js_sys::{Array, JsString, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::js;
use crate::{ConfigValue, Error, PublishOptions};

/// How deep a config or options object is read; deeper values are `Other("object")`.
const MAX_DEPTH: usize = 4;

/// The `PubSubError` for a core error.
pub fn to_js(error: Error) -> JsValue {
    js::make_error(error.code(), &error.to_string())
}

/// Shorthand: an `INVALID_ARGUMENT` error value.
pub fn invalid(message: impl Into<String>) -> JsValue {
    to_js(Error::InvalidArgument(message.into()))
}

/// A string argument, or `INVALID_ARGUMENT` naming it. Lone surrogates are refused.
pub fn string_arg(value: &JsValue, name: &str) -> Result<String, JsValue> {
    well_formed(value).ok_or_else(|| invalid(format!("{name} must be a string without lone surrogates")))
}

/// A topic, pattern or name argument: not a string is `INVALID_ARGUMENT`; a string that
/// cannot be a name (a lone surrogate, or far too long to copy) is `INVALID_TOPIC_NAME`.
pub fn topic_arg(value: &JsValue, max_chars: u32) -> Result<String, JsValue> {
    let Some(text) = value.dyn_ref::<JsString>() else {
        return Err(invalid("topic must be a string"));
    };
    let bad_name = |why: &str| to_js(Error::InvalidTopicName(format!("topic name {why}")));
    if text.length() > max_chars.saturating_mul(2) {
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
pub fn config_value(value: &JsValue, host_keys: &[&str]) -> Result<ConfigValue, JsValue> {
    convert(value, host_keys, 0)
}

fn convert(value: &JsValue, host_keys: &[&str], depth: usize) -> Result<ConfigValue, JsValue> {
    if let Some(scalar) = scalar(value) {
        return Ok(scalar);
    }
    if js::is_array(value) {
        return Ok(ConfigValue::Other("array"));
    }
    if value.is_function() {
        return Ok(ConfigValue::Other("function"));
    }
    if depth >= MAX_DEPTH {
        return Ok(ConfigValue::Other("object"));
    }
    let object: &Object = value.unchecked_ref();
    let keys = Reflect::own_keys(object).map_err(|_| invalid("reading the keys of an object threw"))?;
    let mut entries = Vec::new();
    for key in keys.iter().filter_map(|k| k.as_string()) {
        if !is_enumerable(object, &key)? {
            continue;
        }
        let entry = if depth == 0 && host_keys.contains(&key.as_str()) {
            ConfigValue::Other("host")
        } else {
            convert(&get(value, &key)?, &[], depth + 1)?
        };
        entries.push((key, entry));
    }
    Ok(ConfigValue::Object(entries))
}

fn scalar(value: &JsValue) -> Option<ConfigValue> {
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
        return Some(ConfigValue::String(String::from(text)));
    }
    if value.is_bigint() {
        return Some(ConfigValue::Other("bigint"));
    }
    value.is_symbol().then_some(ConfigValue::Other("symbol"))
}

fn is_enumerable(object: &Object, key: &str) -> Result<bool, JsValue> {
    let key = JsValue::from_str(key);
    let descriptor = Reflect::get_own_property_descriptor(object, &key)
        .map_err(|_| invalid("reading a property descriptor threw"))?;
    if descriptor.is_undefined() {
        return Ok(false);
    }
    Ok(get(&descriptor, "enumerable")?.is_truthy())
}

/// Reads `{ attributes?, orderingKey? }` into core options plus the frozen attribute copy.
pub fn publish_options(options: &JsValue) -> Result<(PublishOptions, JsValue), JsValue> {
    if !options.is_object() || js::is_array(options) {
        return Err(invalid("options must be an object"));
    }
    options_from(&get(options, "attributes")?, get(options, "orderingKey")?)
}

/// Publish options from the values of `attributes` and `orderingKey` already read. Without
/// attributes the copy is `undefined`: deliveries then carry the shared empty object.
pub fn options_from(attributes_value: &JsValue, key_value: JsValue) -> Result<(PublishOptions, JsValue), JsValue> {
    let (attributes, copy) = match attributes_value.is_undefined() {
        true => (Vec::new(), JsValue::UNDEFINED),
        false => attributes(attributes_value)?,
    };
    let ordering_key = match key_value.is_undefined() {
        true => None,
        false => Some(string_arg(&key_value, "options.orderingKey")?),
    };
    Ok((PublishOptions { attributes, ordering_key }, copy))
}

/// Reads an attributes object: the pairs to validate and the frozen copy to deliver.
pub fn attributes(source: &JsValue) -> Result<(Vec<(String, String)>, JsValue), JsValue> {
    let read = js::read_attributes(source).map_err(|_| invalid("reading options.attributes threw"))?;
    if let Some(problem) = read.as_string() {
        return Err(to_js(Error::InvalidAttributes(problem)));
    }
    let flat: Array = read.unchecked_into();
    let copy = flat.get(0);
    let mut pairs = Vec::with_capacity((flat.length() as usize).saturating_sub(1) / 2);
    let mut index = 1;
    let bad = || to_js(Error::InvalidAttributes("attributes must be strings without lone surrogates".into()));
    while index + 1 < flat.length() {
        let key = well_formed(&flat.get(index)).ok_or_else(bad)?;
        let value = well_formed(&flat.get(index + 1)).ok_or_else(bad)?;
        pairs.push((key, value));
        index += 2;
    }
    Ok((pairs, copy))
}
