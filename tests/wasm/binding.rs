//! The binding, exercised through its Rust-visible classes with real JavaScript handlers,
//! clocks and errors: the same file runs in Node and in headless Chromium.

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_pubsub::PubSub;

use crate::support::{advance, call, fake_clock, get, json, recorder, seen_len, settle, tick};

#[wasm_bindgen(inline_js = r#"
export function asyncRecorder() {
  const seen = [];
  const pending = [];
  const handler = (m) => { seen.push(m.data); return new Promise((resolve) => pending.push(resolve)); };
  return { seen, pending, handler, release: () => pending.shift()() };
}
export function failing(times) {
  const seen = [];
  return { seen, handler: (m) => { seen.push(m.attempt); if (m.attempt <= times) throw new Error("boom " + m.attempt); } };
}
export function describe(e) {
  return [e instanceof Error, e.name, e.code, String(e.message)].join("|");
}
export function protoOf(v) { return Object.getPrototypeOf(v); }
export function withClock(config, clock) { return { ...config, clock }; }
export function channel() { const c = new MessageChannel(); return [c.port1, c.port2]; }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = asyncRecorder)]
    fn async_recorder() -> Object;
    fn failing(times: u32) -> Object;
    fn describe(error: &JsValue) -> String;
    #[wasm_bindgen(js_name = protoOf)]
    fn proto_of(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = withClock)]
    fn with_clock(config: &JsValue, clock: &JsValue) -> JsValue;
    fn channel() -> Array;
}

fn bus(config: &str) -> PubSub {
    PubSub::new(Some(JsValue::from(json(config)).into())).expect("valid config")
}

fn code_of(result: Result<impl Sized, JsValue>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(error) => get(&error, "code").as_string().unwrap_or_default(),
    }
}

#[wasm_bindgen_test]
fn errors_are_pubsub_errors_with_stable_codes() {
    let bus = bus("{}");
    let error = bus.create_topic("a..b".into()).err().expect("invalid name");
    let text = describe(&error);
    assert!(text.starts_with("true|PubSubError|INVALID_TOPIC_NAME|"), "{text}");
    assert_eq!(code_of(bus.publish(JsValue::from(7), JsValue::NULL, None)), "INVALID_ARGUMENT");
    assert_eq!(code_of(bus.publish("missing".into(), JsValue::NULL, None)), "TOPIC_NOT_FOUND");
    bus.create_topic("t".into()).unwrap();
    assert_eq!(code_of(bus.create_topic("t".into())), "TOPIC_EXISTS");
    assert_eq!(code_of(bus.subscribe("t".into(), JsValue::from(1), None)), "INVALID_ARGUMENT");
}

#[wasm_bindgen_test]
fn bad_configs_are_rejected_naming_the_key() {
    for (config, key) in [
        (r#"{"limits":{"maxTopics":1.5}}"#, "limits.maxTopics"),
        (r#"{"limits":{"maxTopics":-1}}"#, "limits.maxTopics"),
        (r#"{"delivery":{"ackTimeoutMs":2147483648}}"#, "delivery.ackTimeoutMs"),
        (r#"{"bogus":true}"#, "bogus"),
        (r#"{"autoCreateTopics":"yes"}"#, "autoCreateTopics"),
    ] {
        let error = PubSub::new(Some(JsValue::from(json(config)).into())).err().expect("rejected");
        let text = describe(&error);
        assert!(text.contains("|INVALID_CONFIG|") && text.contains(key), "{config}: {text}");
    }
    let nan = Object::new();
    Reflect::set(&nan, &"delivery".into(), &json(r#"{"retryBackoff":{}}"#)).unwrap();
    let backoff = get(&get(&nan, "delivery"), "retryBackoff");
    Reflect::set(&backoff, &"multiplier".into(), &JsValue::from(f64::NAN)).unwrap();
    assert_eq!(code_of(PubSub::new(Some(JsValue::from(nan).into()))), "INVALID_CONFIG");
    assert_eq!(code_of(PubSub::new(Some(JsValue::from(3).into()))), "INVALID_CONFIG");
}

#[wasm_bindgen_test]
async fn a_sync_handler_gets_the_message_after_publish_returns() {
    let bus = bus("{}");
    bus.create_topic("orders".into()).unwrap();
    let rec: JsValue = recorder().into();
    bus.subscribe("orders".into(), get(&rec, "handler"), None).unwrap();
    let data = Object::new();
    let id = bus.publish("orders".into(), data.clone().into(), Some(JsValue::from(json(r#"{"attributes":{"k":"v"},"orderingKey":"o"}"#)).into())).unwrap();
    assert_eq!(seen_len(&rec), 0, "never inside publish");
    settle().await;
    let message = get(&rec, "seen").unchecked_into::<Array>().get(0);
    assert_eq!(get(&message, "id").as_f64(), Some(id));
    assert_eq!(get(&message, "topic").as_string().as_deref(), Some("orders"));
    assert_eq!(get(&message, "sequence").as_f64(), Some(1.0));
    assert_eq!(get(&message, "attempt").as_f64(), Some(1.0));
    assert_eq!(get(&message, "orderingKey").as_string().as_deref(), Some("o"));
    assert!(Object::is(&get(&message, "data"), &data), "data is passed by reference");
    let attributes = get(&message, "attributes");
    assert!(proto_of(&attributes).is_null(), "attributes have no prototype");
    assert_eq!(get(&attributes, "k").as_string().as_deref(), Some("v"));
}

#[wasm_bindgen_test]
async fn an_async_handler_is_awaited_before_the_next_message() {
    let bus = bus("{}");
    bus.create_topic("t".into()).unwrap();
    let rec: JsValue = async_recorder().into();
    bus.subscribe("t".into(), get(&rec, "handler"), None).unwrap();
    bus.publish("t".into(), "a".into(), None).unwrap();
    bus.publish("t".into(), "b".into(), None).unwrap();
    settle().await;
    assert_eq!(seen_len(&rec), 1, "b waits for a's promise");
    call(&rec, "release", &[]);
    settle().await;
    assert_eq!(seen_len(&rec), 2);
    call(&rec, "release", &[]);
    settle().await;
    let acked = get(&bus.metrics().unwrap(), "acked").as_f64();
    assert_eq!(acked, Some(2.0));
}

#[wasm_bindgen_test]
async fn a_handler_may_publish_from_inside_itself() {
    let bus = std::rc::Rc::new(bus(r#"{"autoCreateTopics":true}"#));
    let inner = bus.clone();
    let relay = Closure::<dyn Fn(JsValue)>::new(move |message: JsValue| {
        let data = get(&message, "data");
        inner.publish("pong".into(), data, None).expect("re-entrant publish");
    });
    bus.subscribe("ping".into(), relay.as_ref().clone(), None).unwrap();
    let rec: JsValue = recorder().into();
    bus.subscribe("pong".into(), get(&rec, "handler"), None).unwrap();
    bus.publish("ping".into(), "hello".into(), None).unwrap();
    settle().await;
    assert_eq!(seen_len(&rec), 1);
}

#[wasm_bindgen_test]
async fn a_fake_js_clock_drives_retries_and_a_throw_never_blocks_other_subscriptions() {
    let clock: JsValue = fake_clock().into();
    let bus = PubSub::new(Some(JsValue::from(with_clock(&json(r#"{"delivery":{"retryBackoff":{"initialMs":100}}}"#), &clock)).into())).unwrap();
    bus.create_topic("t".into()).unwrap();
    let flaky: JsValue = failing(2).into();
    let healthy: JsValue = recorder().into();
    bus.subscribe("t".into(), get(&flaky, "handler"), None).unwrap();
    bus.subscribe("t".into(), get(&healthy, "handler"), None).unwrap();
    bus.publish("t".into(), "x".into(), None).unwrap();
    settle().await;
    assert_eq!((seen_len(&flaky), seen_len(&healthy)), (1, 1));
    advance(&clock, 99).await;
    assert_eq!(seen_len(&flaky), 1, "backoff not over");
    advance(&clock, 1).await;
    advance(&clock, 200).await;
    let attempts: Vec<f64> = get(&flaky, "seen").unchecked_into::<Array>().iter().filter_map(|a| a.as_f64()).collect();
    assert_eq!(attempts, [1.0, 2.0, 3.0]);
    let metrics = bus.metrics().unwrap();
    assert_eq!((get(&metrics, "failed").as_f64(), get(&metrics, "acked").as_f64()), (Some(2.0), Some(2.0)));
}

#[wasm_bindgen_test]
async fn close_resolves_a_report_and_later_calls_throw_closed() {
    let bus = bus("{}");
    bus.create_topic("t".into()).unwrap();
    let rec: JsValue = recorder().into();
    bus.subscribe("t".into(), get(&rec, "handler"), None).unwrap();
    bus.publish("t".into(), 1.into(), None).unwrap();
    let first = bus.close(None);
    let second = bus.close(None);
    assert!(Object::is(&first, &second), "idempotent");
    let report = JsFuture::from(first).await.expect("resolves");
    assert_eq!(get(&report, "drained").as_f64(), Some(1.0));
    assert_eq!(code_of(bus.publish("t".into(), 2.into(), None)), "CLOSED");
    let rejected = JsFuture::from(PubSub::new(None).unwrap().close(Some(JsValue::from(json(r#"{"drainTimeoutMs":-5}"#)).into()))).await;
    assert_eq!(code_of(rejected), "INVALID_ARGUMENT");
}

#[wasm_bindgen_test]
async fn a_bridge_carries_messages_both_ways_without_echo_and_rejects_bad_input() {
    let ports = channel();
    let (left, right) = (bus(r#"{"autoCreateTopics":true}"#), bus("{}"));
    let left_bridge = left.bridge(ports.get(0), None).unwrap();
    let right_bridge = right.bridge(ports.get(1), Some(JsValue::from(json(r#"{"topics":["chat.>"]}"#)).into())).unwrap();
    let (left_seen, right_seen): (JsValue, JsValue) = (recorder().into(), recorder().into());
    left.subscribe(">".into(), get(&left_seen, "handler"), None).unwrap();
    right.subscribe(">".into(), get(&right_seen, "handler"), None).unwrap();
    left.publish("chat.room".into(), "hi from left".into(), Some(JsValue::from(json(r#"{"attributes":{"lang":"en"}}"#)).into())).unwrap();
    left.publish("other".into(), "not bridged by right".into(), None).unwrap();
    JsFuture::from(tick(20)).await.unwrap();
    let received = get(&right_seen, "seen").unchecked_into::<Array>();
    assert_eq!(received.length(), 1, "only chat.> crosses into right");
    let message = received.get(0);
    assert_eq!(get(&message, "data").as_string().as_deref(), Some("hi from left"));
    assert_eq!(get(&get(&message, "attributes"), "lang").as_string().as_deref(), Some("en"));
    right.publish("chat.room".into(), "hi from right".into(), None).unwrap();
    JsFuture::from(tick(20)).await.unwrap();
    assert_eq!(seen_len(&left_seen), 3, "left saw its two and right's one, no echo");
    assert_eq!(seen_len(&right_seen), 2);
    let raw = ports.get(0);
    call(&raw, "postMessage", &[json(r#"{"wasm-pubsub":1,"origin":"x","id":1,"topic":"chat..bad","data":1,"publishedAt":0}"#)]);
    call(&raw, "postMessage", &[json(r#"{"hello":"world"}"#)]);
    JsFuture::from(tick(20)).await.unwrap();
    let stats = right_bridge.stats().unwrap();
    assert_eq!(get(&stats, "rejected").as_f64(), Some(2.0));
    assert_eq!(get(&stats, "received").as_f64(), Some(1.0));
    assert_eq!(get(&left_bridge.stats().unwrap(), "sent").as_f64(), Some(2.0));
    left_bridge.close();
    right_bridge.close();
    call(&ports.get(0), "close", &[]);
}

#[wasm_bindgen_test]
async fn close_called_from_the_logger_during_close_returns_the_same_promise() {
    use std::{cell::RefCell, rc::Rc};
    let bus_slot: Rc<RefCell<Option<Rc<PubSub>>>> = Rc::new(RefCell::new(None));
    let inner_promise: Rc<RefCell<Option<Promise>>> = Rc::new(RefCell::new(None));
    let (slot, inner) = (bus_slot.clone(), inner_promise.clone());
    let logger = Closure::<dyn Fn(JsValue)>::new(move |record: JsValue| {
        if get(&record, "event").as_string().as_deref() == Some("close.started") {
            if let Some(bus) = slot.borrow().as_ref() {
                inner.replace(Some(bus.close(None)));
            }
        }
    });
    let config = Object::new();
    Reflect::set(&config, &"logger".into(), logger.as_ref()).unwrap();
    let bus = Rc::new(PubSub::new(Some(JsValue::from(config).into())).unwrap());
    bus_slot.replace(Some(bus.clone()));
    let outer = bus.close(None);
    let inner = inner_promise.borrow().clone().expect("the logger closed too");
    assert!(Object::is(&outer, &inner), "one close, one promise");
    JsFuture::from(outer).await.unwrap();
    bus_slot.replace(None);
}

#[wasm_bindgen_test]
async fn the_clock_and_the_logger_may_call_back_into_the_bus() {
    use std::{cell::RefCell, rc::Rc};
    let slot: Rc<RefCell<Option<Rc<PubSub>>>> = Rc::new(RefCell::new(None));
    let calls = Rc::new(std::cell::Cell::new(0));
    let (from_clock, count) = (slot.clone(), calls.clone());
    let now = Closure::<dyn Fn() -> f64>::new(move || {
        if let Some(bus) = from_clock.borrow().as_ref() {
            count.set(count.get() + 1);
            let _ = bus.metrics().unwrap();
            let _ = bus.topics().unwrap();
        }
        0.0
    });
    let from_logger = slot.clone();
    let logger = Closure::<dyn Fn(JsValue)>::new(move |record: JsValue| {
        if get(&record, "event").as_string().as_deref() == Some("handler.failed") {
            if let Some(bus) = from_logger.borrow().as_ref() {
                let _ = bus.publish("side".into(), "from the logger".into(), None);
            }
        }
    });
    let clock: JsValue = fake_clock().into();
    Reflect::set(&clock, &"now".into(), now.as_ref()).unwrap();
    let config = with_clock(&json(r#"{"autoCreateTopics":true,"delivery":{"maxDeliveryAttempts":1}}"#), &clock);
    Reflect::set(&config, &"logger".into(), logger.as_ref()).unwrap();
    let bus = Rc::new(PubSub::new(Some(config.into())).unwrap());
    slot.replace(Some(bus.clone()));
    let side: JsValue = recorder().into();
    bus.subscribe("side".into(), get(&side, "handler"), None).unwrap();
    let flaky: JsValue = failing(5).into();
    bus.subscribe("t".into(), get(&flaky, "handler"), None).unwrap();
    bus.publish("t".into(), 1.into(), None).unwrap();
    settle().await;
    settle().await;
    assert!(calls.get() > 0, "the clock was read");
    assert_eq!(seen_len(&side), 1, "the logger's publish was delivered");
    let metrics = bus.metrics().unwrap();
    let field = |k: &str| get(&metrics, k).as_f64().unwrap();
    assert_eq!(field("routed"), field("acked") + field("deadLettered") + field("discarded") + field("queued") + field("inFlight"));
    slot.replace(None);
}

#[wasm_bindgen_test]
async fn a_message_ignored_by_a_filtered_bridge_still_arrives_through_another() {
    let bus = bus(r#"{"autoCreateTopics":true}"#);
    let (filtered, open) = (channel(), channel());
    bus.bridge(filtered.get(1), Some(JsValue::from(json(r#"{"topics":["x.>"]}"#)).into())).unwrap();
    bus.bridge(open.get(1), None).unwrap();
    let seen: JsValue = recorder().into();
    bus.subscribe("y".into(), get(&seen, "handler"), None).unwrap();
    let wire = json(r#"{"wasm-pubsub":1,"origin":"elsewhere","id":7,"topic":"y","data":"hello","publishedAt":0}"#);
    call(&filtered.get(0), "postMessage", &[wire.clone()]);
    JsFuture::from(tick(20)).await.unwrap();
    call(&open.get(0), "postMessage", &[wire]);
    JsFuture::from(tick(20)).await.unwrap();
    assert_eq!(seen_len(&seen), 1);
    for ports in [filtered, open] {
        call(&ports.get(0), "close", &[]);
    }
}
