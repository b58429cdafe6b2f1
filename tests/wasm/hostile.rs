//! Hostile input at every entry point: each call either works or throws a `PubSubError`
//! with a documented code, nothing panics (a panic would kill the instance and fail every
//! later test), and the bus still delivers afterwards.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_pubsub::PubSub;

#[wasm_bindgen(inline_js = r#"
export function hostileValues(reenter) {
  const cyclic = {}; cyclic.self = cyclic;
  const { proxy: revoked, revoke } = Proxy.revocable({}, {}); revoke();
  const throwing = new Proxy({}, {
    get() { throw new Error("get trap"); }, ownKeys() { throw new Error("ownKeys trap"); },
    getPrototypeOf() { throw new Error("proto trap"); }, has() { throw new Error("has trap"); },
    getOwnPropertyDescriptor() { throw new Error("descriptor trap"); },
  });
  const getter = { get attributes() { reenter(); return { k: "v" }; }, get maxInFlight() { reenter(); return 2; } };
  const throwingGetter = { get attributes() { throw new Error("getter"); }, get orderingKey() { throw new Error("getter"); } };
  return [
    ["undefined", undefined], ["null", null], ["symbol", Symbol("s")], ["bigint", 10n],
    ["NaN", NaN], ["Infinity", Infinity], ["-1", -1], ["1.5", 1.5], ["2**31", 2 ** 31], ["true", true],
    ["empty string", ""], ["lone surrogate", "a\uD800b"], ["10 MB string", "x".repeat(10 * 1024 * 1024)],
    ["control chars", "a\u0000\u202Eb"], ["emoji", "😀"], ["array", [1, 2]], ["cyclic", cyclic],
    ["revoked proxy", revoked], ["throwing proxy", throwing], ["re-entrant getter", getter],
    ["throwing getter", throwingGetter], ["__proto__ key", JSON.parse('{"__proto__": {"x": 1}, "constructor": 1}')],
    ["non-string attributes", { attributes: { n: 1 } }], ["proto attributes", { attributes: JSON.parse('{"__proto__": "v"}') }],
    ["huge attributes", { attributes: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => ["k" + i, "v"])) }],
    ["bad limits", { limits: { maxTopics: NaN, maxBatchSize: -3 } }], ["deep", { delivery: { retryBackoff: { maxMs: { x: { y: 1 } } } } }],
    ["function", () => 1], ["thenable", { then() {} }], ["date", new Date(0)], ["typed array", new Uint8Array(4)],
  ];
}
export function handlers() {
  return [() => {}, () => { throw new Error("x"); }, () => ({ then() {} }), () => new Promise(() => {}),
    () => Promise.reject(Symbol("s")), () => { throw { toString() { throw new Error("nested"); } }; }];
}
export function describe(e) {
  return e && e.name === "PubSubError" && e instanceof Error ? e.code : "NOT A PUBSUBERROR: " + String(e && e.message || e);
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = hostileValues)]
    fn hostile_values(reenter: &Function) -> Array;
    fn handlers() -> Array;
    fn describe(error: &JsValue) -> String;
}

const CODES: [&str; 13] = [
    "INVALID_ARGUMENT", "INVALID_CONFIG", "INVALID_TOPIC_NAME", "TOPIC_EXISTS", "TOPIC_NOT_FOUND",
    "SUBSCRIPTION_EXISTS", "MESSAGE_TOO_LARGE", "INVALID_ATTRIBUTES", "BATCH_TOO_LARGE", "QUEUE_FULL",
    "LIMIT_EXCEEDED", "CLOSED", "ABORTED",
];

fn check(what: &str, name: &str, result: Result<impl Sized, JsValue>) {
    if let Err(error) = result {
        let code = describe(&error);
        assert!(CODES.contains(&code.as_str()), "{what} with {name}: {code}");
    }
}

async fn check_promise(what: &str, name: &str, promise: Promise) {
    check(what, name, JsFuture::from(promise).await);
}

#[wasm_bindgen_test]
async fn every_entry_point_survives_hostile_input() {
    let bus = std::rc::Rc::new(PubSub::new(None).unwrap());
    bus.create_topic("t".into()).unwrap();
    let inner = bus.clone();
    let reenter = Closure::<dyn Fn()>::new(move || {
        let _ = inner.publish("t".into(), "from a getter".into(), None);
        let _ = inner.metrics().unwrap();
    });
    let handler: JsValue = Function::new_no_args("").into();
    for entry in hostile_values(reenter.as_ref().unchecked_ref()).iter() {
        let pair: Array = entry.unchecked_into();
        let (name, value) = (pair.get(0).as_string().unwrap(), pair.get(1));
        let name = name.as_str();
        check("new PubSub", name, PubSub::new(Some(JsValue::from(value.clone()).into())));
        check("createTopic", name, bus.create_topic(value.clone()));
        check("publish topic", name, bus.publish(value.clone(), JsValue::NULL, None));
        check("publish data", name, bus.publish("t".into(), value.clone(), None));
        check("publish options", name, bus.publish("t".into(), JsValue::NULL, Some(JsValue::from(value.clone()).into())));
        check("publishBatch", name, bus.publish_batch("t".into(), value.clone()));
        check("publishBatch entry", name, bus.publish_batch("t".into(), Array::of1(&value).into()));
        check("subscribe topic", name, bus.subscribe(value.clone(), handler.clone(), None).map(|s| s.unsubscribe().unwrap()));
        check("subscribe handler", name, bus.subscribe("t".into(), value.clone(), None).map(|s| s.unsubscribe().unwrap()));
        check("subscribe options", name, bus.subscribe("t".into(), handler.clone(), Some(JsValue::from(value.clone()).into())).map(|s| s.unsubscribe().unwrap()));
        check("deleteTopic", name, bus.delete_topic(value.clone()));
        check("replayDeadLetters", name, bus.replay_dead_letters(Some(JsValue::from(value.clone()).into())));
        check("bridge", name, bus.bridge(value.clone(), None).map(|b| b.close()));
        let _ = bus.topic(value.clone());
        check_promise("once", name, bus.once(value.clone(), Some(JsValue::from(value.clone()).into()))).await;
        let spare = PubSub::new(None).unwrap();
        check_promise("close", name, spare.close(Some(JsValue::from(value.clone()).into()))).await;
    }
    for handler in handlers().iter() {
        bus.subscribe("t".into(), handler, None).unwrap();
    }
    let seen = std::rc::Rc::new(std::cell::Cell::new(0));
    let count = seen.clone();
    let probe = Closure::<dyn Fn()>::new(move || count.set(count.get() + 1));
    bus.create_topic("probe".into()).unwrap();
    bus.subscribe("probe".into(), probe.as_ref().clone(), None).unwrap();
    bus.publish("probe".into(), 1.into(), None).unwrap();
    crate::support::settle().await;
    assert_eq!(seen.get(), 1, "the bus still delivers");
    let metrics = bus.metrics().unwrap();
    let field = |k: &str| Reflect::get(&metrics, &k.into()).unwrap().as_f64().unwrap();
    assert_eq!(field("routed"), field("acked") + field("deadLettered") + field("discarded") + field("queued") + field("inFlight"));
}
