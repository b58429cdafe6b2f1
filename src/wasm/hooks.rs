//! The config's callbacks: the dead-letter callback and the logger.

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::bridge::Bridges;
use super::handler::JsPayload;
use super::js;
use super::objects::{dead_letter, log_record};
use super::pubsub::callback;
use crate::{DeadLetter, Hooks, LogRecord, Outcome, PublishObserver};

/// Reads `onDeadLetter` and `logger` from the config object; accepted messages go to `bridges`.
pub fn hooks(config: &JsValue, bridges: &Rc<Bridges>) -> Result<Hooks<JsPayload>, JsValue> {
    let on_dead_letter = callback(config, "onDeadLetter")?.map(|hook| {
        Rc::new(move |letter: &Rc<DeadLetter<JsPayload>>| outcome(js::call_hook(&hook, &dead_letter(letter))))
            as crate::DeadLetterHook<JsPayload>
    });
    let logger = callback(config, "logger")?.map(|logger| {
        Rc::new(move |record: &LogRecord| js::call_quietly(&logger, &log_record(record))) as crate::Logger
    });
    let bridges = bridges.clone();
    let on_publish: PublishObserver<JsPayload> = Rc::new(move |message| bridges.forward(message));
    Ok(Hooks { on_dead_letter, logger, on_publish: Some(on_publish) })
}

/// What `callHook` answered: nothing (done), the text of a throw, or a promise to watch.
fn outcome(answer: JsValue) -> Outcome {
    if answer.is_undefined() {
        return Outcome::Ack;
    }
    if let Some(text) = answer.as_string() {
        return Outcome::Fail(text);
    }
    let future = JsFuture::from(answer.unchecked_into::<Promise>());
    Outcome::Pending(Box::pin(async move { future.await.map(|_| ()).map_err(|e| js::error_text(&e)) }))
}
