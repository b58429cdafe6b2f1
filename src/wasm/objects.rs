//! Plain JavaScript objects the API returns: dead letters, log records, metrics, health,
//! close reports. None of these are on a per-delivery path.

use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use super::handler::{message_object, JsPayload};
use super::js;
use crate::{CloseReport, DeadLetter, Health, LogRecord, MetricsSnapshot, SubscriptionMetrics};

/// Sets `key` on `object`; setting on a fresh plain object cannot fail.
fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(object, &JsValue::from_str(key), &value.into());
}

/// Sets each count as a number on `object`.
pub fn set_counts(object: &Object, counts: &[(&str, u64)]) {
    for &(key, value) in counts {
        set(object, key, value as f64);
    }
}

fn set_some(object: &Object, key: &str, value: Option<impl Into<JsValue>>) {
    if let Some(value) = value {
        set(object, key, value);
    }
}

fn strings(items: &[Rc<str>]) -> Array {
    items.iter().map(|s| JsValue::from_str(s)).collect()
}

/// `DeadLetter`.
pub fn dead_letter(letter: &DeadLetter<JsPayload>) -> JsValue {
    let object = Object::new();
    set(&object, "message", message_object(&letter.message, letter.attempts));
    set(&object, "subscription", letter.subscription.as_ref());
    set(&object, "reason", letter.reason.as_str());
    if let Some(failure) = &letter.error {
        let error = Object::new();
        set(&error, "code", failure.code.as_str());
        set(&error, "message", failure.message.as_str());
        set_some(&error, "stack", failure.stack.as_deref());
        set(&object, "error", error);
    }
    set(&object, "attempts", letter.attempts);
    set(&object, "deadLetteredAt", letter.dead_lettered_at);
    object.into()
}

/// `LogRecord`: codes, names and ids only.
pub fn log_record(record: &LogRecord) -> JsValue {
    let object = Object::new();
    set(&object, "level", record.level.as_str());
    set(&object, "event", record.event);
    set_some(&object, "topic", record.topic.as_deref());
    set_some(&object, "subscription", record.subscription.as_deref());
    set_some(&object, "messageId", record.message_id.map(|id| id as f64));
    set_some(&object, "code", record.code);
    set_some(&object, "message", record.message.as_deref());
    object.into()
}

/// `CloseReport`.
pub fn close_report(report: &CloseReport) -> JsValue {
    let object = Object::new();
    set_counts(&object, &[("drained", report.drained), ("deadLettered", report.dead_lettered)]);
    object.into()
}

/// `MetricsSnapshot`.
pub fn metrics(snapshot: &MetricsSnapshot) -> JsValue {
    let object = Object::new();
    let c = &snapshot.counters;
    let counters = [
        ("published", c.published),
        ("unrouted", c.unrouted),
        ("routed", c.routed),
        ("rejected", c.rejected),
        ("delivered", c.delivered),
        ("acked", c.acked),
        ("failed", c.failed),
        ("retried", c.retried),
        ("deadLettered", c.dead_lettered),
        ("deadLettersEvicted", c.dead_letters_evicted),
        ("deadLetterCallbackErrors", c.dead_letter_callback_errors),
        ("discarded", c.discarded),
        ("queued", c.queued),
        ("inFlight", c.in_flight),
        ("topics", snapshot.topics),
        ("subscriptions", snapshot.subscriptions),
        ("clockErrors", snapshot.clock_errors),
    ];
    set_counts(&object, &counters);
    let latency = Object::new();
    let l = &snapshot.latency;
    for (key, value) in [("p50", l.p50), ("p90", l.p90), ("p99", l.p99), ("max", l.max)] {
        set(&latency, key, value);
    }
    set(&object, "latencyMs", latency);
    let per = js::null_object();
    for sub in &snapshot.per_subscription {
        set(&per, &sub.name, subscription_metrics(sub));
    }
    set(&object, "perSubscription", per);
    object.into()
}

fn subscription_metrics(sub: &SubscriptionMetrics) -> Object {
    let object = Object::new();
    set(&object, "topic", sub.topic.as_ref());
    let figures = [
        ("queued", sub.queued),
        ("inFlight", sub.in_flight),
        ("acked", sub.acked),
        ("failed", sub.failed),
        ("deadLettered", sub.dead_lettered),
    ];
    set_counts(&object, &figures);
    set(&object, "breakerState", sub.breaker_state.as_str());
    object
}

/// `health()`.
pub fn health(health: &Health) -> JsValue {
    let object = Object::new();
    set(&object, "status", health.status.as_str());
    set(&object, "openBreakers", strings(&health.open_breakers));
    set(&object, "saturatedSubscriptions", strings(&health.saturated_subscriptions));
    set(&object, "deadLetters", health.dead_letters as f64);
    set(&object, "clockErrors", health.clock_errors as f64);
    object.into()
}
