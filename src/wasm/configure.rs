//! Configuration at run time: `bus.configure(changes)`, `subscription.update(changes)`, and
//! the reading of `configFromEnv` (whose JavaScript half, in `js/front.js`, picks the
//! variables and bounds them before anything is copied).

use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::bus::Bus;
use super::convert::{config_value, to_js};
use super::objects::set_counts;
use super::pubsub::{PubSub, LONGEST_CONFIG_STRING};
use crate::{config_from_env, ConfigValue, Error, SubscriptionId, UpdateReport};

#[wasm_bindgen]
impl PubSub {
    /// Changes the bus's config: `autoCreateTopics`, `limits` and `delivery`, validated as
    /// the constructor does (all or nothing; `clock`, `onDeadLetter` and `logger` are fixed).
    /// Delivery settings apply to subscriptions made afterwards, limits to what is created
    /// or published afterwards; a smaller `maxDeadLetters` evicts the oldest letters.
    ///
    /// ```js
    /// bus.configure({ delivery: { maxDeliveryAttempts: 3 }, limits: { maxMessageBytes: 65536 } });
    /// ```
    pub fn configure(&self, #[wasm_bindgen(unchecked_param_type = "ConfigChanges")] changes: JsValue) -> Result<(), JsValue> {
        self.live()?;
        let value = config_value(&changes, &[], LONGEST_CONFIG_STRING)?;
        let config = self.bus.broker.config().with_changes(&value).map_err(to_js)?;
        let limits = config.limits;
        self.bus.broker.configure(config).map_err(to_js)?;
        self.bus.limits.set(limits);
        self.bus.bridges.rebound(&limits);
        Ok(())
    }
}

/// `subscription.update(changes)`: the subscription's delivery settings with `changes`
/// merged in, validated as subscribe options are, applied at once.
pub fn update(bus: &Rc<Bus>, id: SubscriptionId, changes: &JsValue) -> Result<JsValue, JsValue> {
    let current = bus.broker.subscription_options(id).ok_or_else(|| to_js(Error::SubscriptionEnded))?;
    let value = config_value(changes, &[], LONGEST_CONFIG_STRING)?;
    let options = current.with_changes(&value).map_err(to_js)?;
    let report = bus.broker.update_subscription(id, options).map_err(to_js)?;
    Ok(update_report(&report))
}

fn update_report(report: &UpdateReport) -> JsValue {
    let object = Object::new();
    let counts = [("deadLettered", report.dead_lettered.into()), ("overCapacity", report.over_capacity.into())];
    set_counts(&object, &counts);
    object.into()
}

/// The config the variables `[name1, value1, name2, value2, …]` (all under `prefix`, each
/// string already bounded) describe. Internal: `configFromEnv` in `js/front.js` calls it.
#[wasm_bindgen(js_name = "__configFromEnv", skip_typescript)]
pub fn config_from_env_pairs(pairs: &Array, prefix: String) -> Result<JsValue, JsValue> {
    let text = |index| pairs.get(index).as_string().unwrap_or_default();
    let vars: Vec<(String, String)> = (0..pairs.length() / 2).map(|i| (text(2 * i), text(2 * i + 1))).collect();
    let tree = config_from_env(&vars, &prefix).map_err(to_js)?;
    Ok(to_object(&tree))
}

/// A config tree as the plain JavaScript value it came from.
fn to_object(value: &ConfigValue) -> JsValue {
    match value {
        ConfigValue::Bool(flag) => JsValue::from_bool(*flag),
        ConfigValue::Number(number) => JsValue::from_f64(*number),
        ConfigValue::String(text) => JsValue::from_str(text),
        ConfigValue::Object(entries) => {
            let object = Object::new();
            for (key, value) in entries {
                let _ = Reflect::set(&object, &JsValue::from_str(key), &to_object(value));
            }
            object.into()
        }
        ConfigValue::Undefined | ConfigValue::Null | ConfigValue::Other(_) => JsValue::UNDEFINED,
    }
}
