//! Plain JavaScript objects the API returns: dead letters, log records, metrics, health,
//! close reports. None of these are on a per-delivery path. The first four are built by
//! `js/bus.js` from their values: a key set from here is a string decoded from wasm memory on
//! every call (`metrics()` took 29 µs for its 30 keys).

use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use super::handler::{message_object, JsPayload};
use super::js;
use crate::{BreakerState, CloseReport, DeadLetter, Health, LogRecord, MetricsSnapshot};

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

fn strings(items: &[Rc<str>]) -> Array {
    items.iter().map(|s| JsValue::from_str(s)).collect()
}

/// An optional string as JavaScript: `undefined` when absent.
fn text(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, JsValue::from_str)
}

/// `DeadLetter` (keys written by `deadLetterObject` in `js/bus.js`).
pub fn dead_letter(letter: &DeadLetter<JsPayload>) -> JsValue {
    let error = letter.error.as_ref();
    js::dead_letter_object(
        &message_object(&letter.message, letter.attempts),
        &letter.subscription,
        letter.reason.as_str(),
        &text(error.map(|f| f.code.as_str())),
        &text(error.map(|f| f.message.as_str())),
        &text(error.and_then(|f| f.stack.as_deref())),
        letter.attempts,
        letter.dead_lettered_at,
    )
}

/// `LogRecord`: codes, names and ids only (keys written by `logRecordObject`).
pub fn log_record(record: &LogRecord) -> JsValue {
    let message_id = record.message_id.map_or(JsValue::UNDEFINED, |id| JsValue::from_f64(id as f64));
    js::log_record_object(
        record.level.as_str(),
        record.event,
        &text(record.topic.as_deref()),
        &text(record.subscription.as_deref()),
        &message_id,
        &text(record.code),
        &text(record.message.as_deref()),
    )
}

/// `CloseReport`.
pub fn close_report(report: &CloseReport) -> JsValue {
    let object = Object::new();
    set_counts(&object, &[("drained", report.drained), ("deadLettered", report.dead_lettered)]);
    object.into()
}

/// `MetricsSnapshot`: its figures and names cross in one call, and `metricsObject` in
/// `js/bus.js` writes the keys.
pub fn metrics(snapshot: &MetricsSnapshot) -> JsValue {
    let c = &snapshot.counters;
    let gauges = [c.queued, c.in_flight, snapshot.topics, snapshot.subscriptions, snapshot.clock_errors];
    let l = &snapshot.latency;
    let counts = c.totals().into_iter().chain(gauges).map(|n| n as f64);
    let mut numbers: Vec<f64> = counts.chain([l.p50, l.p90, l.p99, l.max]).collect();
    let names = Array::new();
    for sub in &snapshot.per_subscription {
        numbers.extend([sub.queued, sub.in_flight, sub.acked, sub.failed, sub.dead_lettered].map(|n| n as f64));
        numbers.push(breaker_index(sub.breaker_state));
        names.push(&JsValue::from_str(&sub.name));
        names.push(&JsValue::from_str(&sub.topic));
    }
    js::metrics_object(&numbers, &names)
}

/// A breaker state's index in `BREAKER_STATES` (`js/bus.js`).
fn breaker_index(state: BreakerState) -> f64 {
    match state {
        BreakerState::Closed => 0.0,
        BreakerState::Open => 1.0,
        BreakerState::HalfOpen => 2.0,
    }
}

/// `health()` (keys written by `healthObject`).
pub fn health(health: &Health) -> JsValue {
    let open = strings(&health.open_breakers);
    let saturated = strings(&health.saturated_subscriptions);
    js::health_object(health.status.as_str(), &open, &saturated, health.dead_letters as f64, health.clock_errors as f64)
}
