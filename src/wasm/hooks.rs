//! The config's callbacks: the dead-letter callback and the logger.
//!
//! Without a `logger` key, warnings and errors go to the console, one rate-limited line each
//! (a failing handler is never invisible); `logger: null` silences them.

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::bridge::Bridges;
use super::handler::JsPayload;
use super::js;
use super::objects::{dead_letter, log_record};
use super::pubsub::{callback, config_key, function_or_none};
use crate::{DeadLetter, Hooks, Level, LogRecord, Outcome, PublishObserver};

/// Reads `onDeadLetter` and `logger` from the config object; accepted messages go to `bridges`.
pub fn hooks(config: &JsValue, bridges: &Rc<Bridges>) -> Result<Hooks<JsPayload>, JsValue> {
    let on_dead_letter = callback(config, "onDeadLetter")?.map(|hook| {
        Rc::new(move |letter: &Rc<DeadLetter<JsPayload>>| outcome(js::call_hook(&hook, &dead_letter(letter))))
            as crate::DeadLetterHook<JsPayload>
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
    Ok(Hooks { on_dead_letter, logger, on_publish: Some(on_publish) })
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
