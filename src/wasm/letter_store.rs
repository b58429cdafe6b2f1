//! The `deadLetterStore` config key: an object that mirrors the bus's dead-letter store,
//! so that letters outlive the page (the `wasm-pubsub/durable` entry ships one backed by
//! IndexedDB).
//!
//! The bus calls its methods synchronously: `add(letter)` with each new dead letter (before
//! `onDeadLetter`), `remove(keys)` with the `[subscription, messageId]` keys of letters that
//! left the store (evicted, purged, replayed), and once, in the constructor, `letters()` for
//! the letters of an earlier run, which it restores (see `Broker::restore_dead_letter`). A
//! throw from `add` counts as a dead-letter callback error; a letter `letters()` gave that
//! the bus refuses is logged (`deadLetter.restoreRefused`) and left out.

use std::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

use super::convert::{get, options_from, string_arg, to_js, well_formed};
use super::handler::{JsHeaders, JsPayload};
use crate::{
    Broker, DeadLetter, DeadLetterReason, Error, Failure, FailureCode, Headers, Level, Limits, LogRecord, Message,
    SubscriptionId,
};

/// The methods of a `deadLetterStore`, bound to it.
pub struct LetterStore {
    pub add: Function,
    pub remove: Function,
    letters: Option<Function>,
}

impl LetterStore {
    /// Reads the config key; `None` when absent.
    ///
    /// # Errors
    ///
    /// `INVALID_CONFIG` when it is not an object with `add` and `remove` methods.
    pub fn from_config(value: JsValue) -> Result<Option<LetterStore>, JsValue> {
        if value.is_undefined() {
            return Ok(None);
        }
        let method = |name: &str| -> Result<Option<Function>, JsValue> {
            let found = match value.is_object() {
                true => get(&value, name)?,
                false => JsValue::UNDEFINED,
            };
            Ok(found.dyn_into::<Function>().ok().map(|f| f.bind0(&value)))
        };
        let (Some(add), Some(remove)) = (method("add")?, method("remove")?) else {
            return Err(to_js(Error::InvalidConfig("deadLetterStore must have add and remove methods".into())));
        };
        Ok(Some(LetterStore { add, remove, letters: method("letters")? }))
    }

    /// Restores the letters `letters()` answers, oldest first; logs each one refused.
    pub fn restore(&self, broker: &Broker<JsPayload>, limits: &Limits) {
        let Some(letters) = &self.letters else { return };
        let list = letters.call0(&JsValue::UNDEFINED).unwrap_or(JsValue::UNDEFINED);
        let Some(list) = list.dyn_ref::<Array>() else {
            return refused(broker, "INVALID_ARGUMENT");
        };
        for value in list.iter() {
            let restored = letter(&value, limits).and_then(|l| broker.restore_dead_letter(l).map_err(|e| e.code()));
            if let Err(code) = restored {
                refused(broker, code);
            }
        }
    }
}

/// The `[subscription, messageId]` keys `remove` gets.
pub fn keys(letters: &[Rc<DeadLetter<JsPayload>>]) -> JsValue {
    let keys: Array = letters.iter().map(|l| Array::of2(&JsValue::from_str(&l.subscription), &JsValue::from(l.message.id as f64))).collect();
    keys.into()
}

fn refused(broker: &Broker<JsPayload>, code: &'static str) {
    broker.log(LogRecord { code: Some(code), ..LogRecord::new(Level::Warn, "deadLetter.restoreRefused") });
}

/// A `DeadLetter` object read back; the broker checks names and attributes.
fn letter(value: &JsValue, limits: &Limits) -> Result<DeadLetter<JsPayload>, &'static str> {
    let field = |target: &JsValue, key: &str| get(target, key).map_err(|_| "INVALID_ARGUMENT");
    let message = field(value, "message")?;
    let error = field(value, "error")?;
    Ok(DeadLetter {
        message: Rc::new(stored_message(&message, limits)?),
        subscription: Rc::from(text(&field(value, "subscription")?, limits.max_topic_name_length)?),
        subscription_id: SubscriptionId::RESTORED,
        reason: reason(&field(value, "reason")?)?,
        error: if error.is_undefined() { None } else { Some(failure(&error)?) },
        attempts: count(&field(value, "attempts")?, u32::MAX.into())? as u32,
        dead_lettered_at: number(&field(value, "deadLetteredAt")?)?,
    })
}

fn stored_message(message: &JsValue, limits: &Limits) -> Result<Message<JsPayload>, &'static str> {
    let field = |key: &str| get(message, key).map_err(|_| "INVALID_ARGUMENT");
    let topic = text(&field("topic")?, limits.max_topic_name_length)?;
    let (options, attributes) = options_from(&field("attributes")?, field("orderingKey")?, limits).map_err(|_| "INVALID_ATTRIBUTES")?;
    let host = JsHeaders { topic: JsValue::from_str(&topic), attributes, inbound: None, reply: None };
    let ordering_key = options.ordering_key.map(String::into_boxed_str);
    let headers = Headers { topic: Rc::from(topic), attributes: options.attributes, ordering_key, host: Some(Rc::new(host)) };
    Ok(Message {
        id: count(&field("id")?, 1 << 53)?,
        sequence: count(&field("sequence")?, 1 << 53)?,
        published_at: number(&field("publishedAt")?)?,
        headers: Rc::new(headers),
        data: JsPayload { data: field("data")? },
    })
}

fn failure(error: &JsValue) -> Result<Failure, &'static str> {
    let field = |key: &str| get(error, key).map_err(|_| "INVALID_ARGUMENT");
    let code = match well_formed(&field("code")?).as_deref() {
        Some("HANDLER_ERROR") => FailureCode::HandlerError,
        Some("HANDLER_TIMEOUT") => FailureCode::HandlerTimeout,
        _ => return Err("INVALID_ARGUMENT"),
    };
    let failure = Failure { code, ..Failure::error(&text(&field("message")?, 1024)?) };
    let stack = field("stack")?;
    Ok(match stack.is_undefined() {
        true => failure,
        false => failure.with_stack(&text(&stack, 4096)?),
    })
}

fn reason(value: &JsValue) -> Result<DeadLetterReason, &'static str> {
    match well_formed(value).as_deref() {
        Some("MAX_ATTEMPTS") => Ok(DeadLetterReason::MaxAttempts),
        Some("OVERFLOW") => Ok(DeadLetterReason::Overflow),
        Some("SHUTDOWN") => Ok(DeadLetterReason::Shutdown),
        _ => Err("INVALID_ARGUMENT"),
    }
}

fn text(value: &JsValue, max_chars: u32) -> Result<String, &'static str> {
    string_arg(value, "letter", max_chars).map_err(|_| "INVALID_ARGUMENT")
}

fn number(value: &JsValue) -> Result<f64, &'static str> {
    value.as_f64().filter(|n| n.is_finite()).ok_or("INVALID_ARGUMENT")
}

/// An integer 0..=max.
fn count(value: &JsValue, max: u64) -> Result<u64, &'static str> {
    let n = number(value)?;
    match n >= 0.0 && n.fract() == 0.0 && n <= max as f64 {
        true => Ok(n as u64),
        false => Err("INVALID_ARGUMENT"),
    }
}
