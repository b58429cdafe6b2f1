//! The config's callbacks: the dead-letter callback and the logger.
//!
//! Without a `logger` key, warnings and errors go to the console, one rate-limited line each
//! (a failing handler is never invisible); `logger: null` silences them.

use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::bridge::Bridges;
use super::handler::JsPayload;
use super::js;
use super::letter_store::{keys, LetterStore};
use super::objects::{dead_letter, log_record};
use super::pubsub::{callback, config_key, function_or_none};
use crate::{DeadLetter, Hooks, Level, LogRecord, Outcome, PublishObserver};

/// Reads `onDeadLetter` and `logger` from the config object; accepted messages go to `bridges`,
/// dead letters to `store` too.
pub fn hooks(config: &JsValue, bridges: &Rc<Bridges>, store: Option<&LetterStore>) -> Result<Hooks<JsPayload>, JsValue> {
    let on_dead_letter = dead_letter_hook(store.map(|s| s.add.clone()), callback(config, "onDeadLetter")?);
    let on_letters_removed = store.map(|s| {
        let remove = s.remove.clone();
        Rc::new(move |letters: &[Rc<DeadLetter<JsPayload>>]| {
            if !js::call_hook(&remove, &keys(letters)).is_undefined() {
                js::console_line("warn", "deadLetterStore.removeFailed", "", "", -1.0, "");
            }
        }) as crate::LettersRemoved<JsPayload>
    });
    let logger = match logger_setting(config)? {
        LoggerSetting::Console => Some(Rc::new(console_line) as crate::Logger),
        LoggerSetting::Silent => None,
        LoggerSetting::Custom(logger) => {
            Some(Rc::new(move |record: &LogRecord| js::call_quietly(&logger, &log_record(record))) as crate::Logger)
        }
    };
    let bridges = bridges.clone();
    let on_publish: PublishObserver<JsPayload> = Rc::new(move |message| bridges.forward(message));
    Ok(Hooks { on_dead_letter, logger, on_publish: Some(on_publish), on_letters_removed })
}

/// Gives each dead letter to the store's `add`, then to `onDeadLetter`: a throw or a
/// rejection of either counts as a callback error.
fn dead_letter_hook(add: Option<Function>, user: Option<Function>) -> Option<crate::DeadLetterHook<JsPayload>> {
    if add.is_none() && user.is_none() {
        return None;
    }
    Some(Rc::new(move |letter: &Rc<DeadLetter<JsPayload>>| {
        let object = dead_letter(letter);
        let stored = add.as_ref().map_or(JsValue::UNDEFINED, |add| js::call_hook(add, &object));
        let answer = user.as_ref().map_or(JsValue::UNDEFINED, |user| js::call_hook(user, &object));
        outcome(if stored.is_undefined() { answer } else { stored })
    }))
}

/// The `logger` config key: absent is the console, `null` silence, a function the user's.
enum LoggerSetting {
    Console,
    Silent,
    Custom(js_sys::Function),
}

fn logger_setting(config: &JsValue) -> Result<LoggerSetting, JsValue> {
    let given = config_key(config, "logger")?;
    if given.is_null() {
        return Ok(LoggerSetting::Silent);
    }
    Ok(function_or_none("logger", given)?.map_or(LoggerSetting::Console, LoggerSetting::Custom))
}

/// The default logger: warnings and errors as one console line each (rate-limited in
/// `js/bus.js`), with names, ids and codes only.
fn console_line(record: &LogRecord) {
    if matches!(record.level, Level::Warn | Level::Error) {
        let id = record.message_id.map_or(-1.0, |id| id as f64);
        let (topic, subscription) = (record.topic.as_deref().unwrap_or(""), record.subscription.as_deref().unwrap_or(""));
        js::console_line(record.level.as_str(), record.event, topic, subscription, id, record.code.unwrap_or(""));
    }
}

/// What `callHook` answered: nothing (done), the text of a throw, or a promise to watch.
fn outcome(answer: JsValue) -> Outcome {
    if answer.is_undefined() {
        return Outcome::Ack;
    }
    if let Some(text) = answer.as_string() {
        return Outcome::Fail(text.into());
    }
    let future = JsFuture::from(answer.unchecked_into::<Promise>());
    Outcome::Pending(Box::pin(async move { future.await.map(|_| ()).map_err(|e| js::error_text(&e)) }))
}
