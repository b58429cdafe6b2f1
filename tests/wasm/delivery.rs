//! Resilient delivery through the JavaScript API: a fake JS clock drives timeouts, the
//! breaker and dead letters; one scenario runs on real timers.

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_pubsub::PubSub;

use crate::support::{advance, fake_clock, get, json, set, tick};

#[wasm_bindgen(inline_js = r#"
export function setup(config, clock) {
  const world = { dead: [], logs: [], healthy: false, pending: [], advance: (ms) => clock.advance(ms) };
  world.config = { ...config, clock, onDeadLetter: (dl) => { world.dead.push(dl); }, logger: (r) => world.logs.push(r) };
  world.flaky = (msg) => { world.attempts = (world.attempts || 0) + 1; if (!world.healthy) throw new Error("down " + msg.data); };
  world.hanging = () => new Promise((resolve) => world.pending.push(resolve));
  world.record = (list) => (msg) => { list.push(msg.data); };
  return world;
}
export function abortController() { return new AbortController(); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = setup)]
    fn setup_with(config: &JsValue, clock: &JsValue) -> Object;
    #[wasm_bindgen(js_name = abortController)]
    fn abort_controller() -> Object;
}

/// A world on a fake clock: its config, recorded dead letters and logs, and handlers.
fn setup(config: &JsValue) -> Object {
    setup_with(config, &fake_clock())
}

fn len(world: &JsValue, key: &str) -> u32 {
    get(world, key).unchecked_into::<Array>().length()
}

fn number(target: &JsValue, key: &str) -> f64 {
    get(target, key).as_f64().unwrap_or(f64::NAN)
}

fn events(world: &JsValue) -> Vec<String> {
    get(world, "logs").unchecked_into::<Array>().iter().map(|r| get(&r, "event").as_string().unwrap()).collect()
}

#[wasm_bindgen_test]
async fn retries_dead_letters_the_breaker_and_replay_through_the_js_api() {
    let world: JsValue = setup(&json(
        r#"{"autoCreateTopics":true,"delivery":{"maxDeliveryAttempts":3,"retryBackoff":{"initialMs":100},"circuitBreaker":{"failureThreshold":4,"resetTimeoutMs":5000}}}"#,
    ))
    .into();
    let bus = PubSub::new(Some(JsValue::from(get(&world, "config")).into())).unwrap();
    let sub = bus.subscribe("pay".into(), get(&world, "flaky"), None).unwrap();
    bus.publish("pay".into(), "first".into(), None).unwrap();
    advance(&world, 0).await;
    advance(&world, 100).await;
    advance(&world, 200).await;
    assert_eq!(len(&world, "dead"), 1);
    let letter = get(&world, "dead").unchecked_into::<Array>().get(0);
    assert_eq!(get(&letter, "reason").as_string().as_deref(), Some("MAX_ATTEMPTS"));
    assert_eq!(number(&letter, "attempts"), 3.0);
    assert_eq!(get(&get(&letter, "error"), "message").as_string().as_deref(), Some("down first"));
    assert_eq!(get(&get(&letter, "message"), "data").as_string().as_deref(), Some("first"));
    bus.publish("pay".into(), "second".into(), None).unwrap();
    advance(&world, 0).await;
    assert_eq!(sub.breaker_state().unwrap(), "open");
    assert_eq!(get(&bus.health().unwrap(), "status").as_string().as_deref(), Some("degraded"));
    set(&world, "healthy", &true.into());
    advance(&world, 4999).await;
    assert_eq!(sub.breaker_state().unwrap(), "open", "reset timeout minus one ms");
    advance(&world, 1).await;
    assert_eq!(sub.breaker_state().unwrap(), "closed");
    assert_eq!(bus.replay_dead_letters(None).unwrap(), 1);
    advance(&world, 0).await;
    let metrics = bus.metrics().unwrap();
    assert_eq!((number(&metrics, "acked"), number(&metrics, "deadLettered")), (2.0, 1.0));
    let log = events(&world);
    for event in ["handler.failed", "deadLetter", "breaker.opened", "breaker.halfOpen", "breaker.closed"] {
        assert!(log.iter().any(|e| e == event), "{event} logged: {log:?}");
    }
    let records = get(&world, "logs").unchecked_into::<Array>();
    assert!(records.iter().all(|r| get(&r, "data").is_undefined()), "records carry no payloads");
}

#[wasm_bindgen_test]
async fn a_handler_that_never_settles_times_out_and_its_late_result_is_ignored() {
    let world: JsValue = setup(&json(r#"{"autoCreateTopics":true,"delivery":{"ackTimeoutMs":1000,"maxDeliveryAttempts":1}}"#)).into();
    let bus = PubSub::new(Some(JsValue::from(get(&world, "config")).into())).unwrap();
    bus.subscribe("t".into(), get(&world, "hanging"), None).unwrap();
    bus.publish("t".into(), 1.into(), None).unwrap();
    advance(&world, 999).await;
    assert_eq!(number(&bus.metrics().unwrap(), "inFlight"), 1.0);
    advance(&world, 1).await;
    let letter = get(&world, "dead").unchecked_into::<Array>().get(0);
    assert_eq!(get(&get(&letter, "error"), "code").as_string().as_deref(), Some("HANDLER_TIMEOUT"));
    let resolve: js_sys::Function = get(&world, "pending").unchecked_into::<Array>().get(0).unchecked_into();
    resolve.call0(&JsValue::NULL).unwrap();
    advance(&world, 0).await;
    assert_eq!(number(&bus.metrics().unwrap(), "acked"), 0.0, "the late fulfilment is ignored");
}

#[wasm_bindgen_test]
async fn queue_limits_filters_signals_and_once() {
    let world: JsValue = setup(&json(r#"{"autoCreateTopics":true}"#)).into();
    let bus = PubSub::new(Some(JsValue::from(get(&world, "config")).into())).unwrap();
    let seen = Array::new();
    let record: js_sys::Function = get(&world, "record").unchecked_into();
    let handler = record.call1(&JsValue::NULL, &seen).unwrap();
    let full = bus.subscribe("q".into(), handler.clone(), Some(JsValue::from(json(r#"{"queueCapacity":1}"#)).into())).unwrap();
    full.pause().unwrap();
    bus.publish("q".into(), 1.into(), None).unwrap();
    let error = bus.publish("q".into(), 2.into(), None).err().unwrap();
    assert_eq!(get(&error, "code").as_string().as_deref(), Some("QUEUE_FULL"));
    full.unsubscribe().unwrap();
    bus.subscribe("f".into(), handler.clone(), Some(JsValue::from(json(r#"{"filter":{"region":"eu"}}"#)).into())).unwrap();
    bus.publish("f".into(), "us".into(), Some(JsValue::from(json(r#"{"attributes":{"region":"us"}}"#)).into())).unwrap();
    bus.publish("f".into(), "eu".into(), Some(JsValue::from(json(r#"{"attributes":{"region":"eu"}}"#)).into())).unwrap();
    let controller: JsValue = abort_controller().into();
    let options = Object::new();
    set(&options, "signal", &get(&controller, "signal"));
    let aborted = bus.subscribe("s".into(), handler.clone(), Some(JsValue::from(options.clone()).into())).unwrap();
    let abort: js_sys::Function = get(&controller, "abort").unchecked_into();
    abort.call0(&controller).unwrap();
    assert_eq!(aborted.state().unwrap(), "closed");
    let late = bus.subscribe("s".into(), handler, Some(JsValue::from(options.clone()).into())).unwrap();
    assert_eq!(late.state().unwrap(), "closed", "an already aborted signal gives a closed subscription");
    let next = bus.once("o.*".into(), None);
    bus.publish("o.x".into(), "hello".into(), None).unwrap();
    let message = JsFuture::from(next).await.unwrap();
    assert_eq!(get(&message, "data").as_string().as_deref(), Some("hello"));
    let cancelled = JsFuture::from(bus.once("never".into(), Some(JsValue::from(options).into()))).await.err().unwrap();
    assert_eq!(get(&cancelled, "code").as_string().as_deref(), Some("ABORTED"));
    advance(&world, 0).await;
    let data: Vec<String> = seen.iter().filter_map(|d| d.as_string()).collect();
    assert_eq!(data, ["eu"]);
}

#[wasm_bindgen_test]
async fn with_real_timers_a_retry_happens_after_its_backoff() {
    let bus = PubSub::new(Some(JsValue::from(json(r#"{"autoCreateTopics":true,"delivery":{"retryBackoff":{"initialMs":15},"ackTimeoutMs":1000}}"#)).into())).unwrap();
    let world: JsValue = setup(&JsValue::UNDEFINED).into();
    bus.subscribe("t".into(), get(&world, "flaky"), None).unwrap();
    bus.publish("t".into(), 1.into(), None).unwrap();
    JsFuture::from(tick(0)).await.unwrap();
    assert_eq!(number(&world, "attempts"), 1.0);
    set(&world, "healthy", &true.into());
    JsFuture::from(tick(60)).await.unwrap();
    assert_eq!(number(&world, "attempts"), 2.0);
    assert_eq!(number(&bus.metrics().unwrap(), "acked"), 1.0);
    let report = JsFuture::from(bus.close(None)).await.unwrap();
    assert_eq!(number(&report, "deadLettered"), 0.0);
}
