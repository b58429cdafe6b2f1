//! The cross-context bridge: topics carried over `postMessage` ports.
//!
//! Local publishes on a bridge's topics are posted to its port as
//! `{ "wasm-pubsub": 1, origin, id, topic, data, attributes, orderingKey?, publishedAt }`.
//! Messages arriving from a port are untrusted: they are validated like any input (bad ones
//! are counted in `rejected`, logged and dropped), then published locally (creating a missing
//! topic) and forwarded to the bus's other bridges, never back to the one they came from. A
//! bounded memory of `(origin, id)` pairs drops repeats, so no topology loops. A bridge's
//! `topics` filter both ways: messages arriving on other topics are ignored, not rejected.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::{Array, Function};
use rustc_hash::FxHashSet;
use wasm_bindgen::prelude::*;

use super::bus::Bus;
use super::convert::{array_arg, attributes, get, invalid, string_arg, to_js, topic_arg};
use super::handler::{ordering_key, with_js, JsHeaders, JsPayload};
use super::js;
use super::objects::set_counts;
use crate::{Broker, Error, Headers, HealthStatus, Level, LogRecord, Message, Pattern, Payload, WeakBroker};

/// How many `(origin, id)` pairs a bus remembers to drop repeats.
const SEEN_CAPACITY: usize = 10_000;

/// Where a message came from when a bridge delivered it.
pub struct Inbound {
    pub bridge: u32,
    pub origin: JsValue,
    pub id: f64,
}

/// Every bridge of one bus, the bus's wire id, and the repeats it has seen.
pub struct Bridges {
    broker: RefCell<Option<WeakBroker<JsPayload>>>,
    origin: JsValue,
    origin_text: String,
    open: RefCell<Vec<Rc<BridgeState>>>,
    seen: RefCell<Seen>,
    next_id: Cell<u32>,
}

/// FxHash, as the broker's topic map uses: std's SipHash `RandomState` would add ~1.5 KB of
/// wasm for this one set, and its peers are the page's own contexts (same-origin ports).
#[derive(Default)]
struct Seen {
    order: VecDeque<(String, u64)>,
    set: FxHashSet<(String, u64)>,
}

impl Seen {
    /// Remembers a pair; false when it was already known.
    fn insert(&mut self, origin: &str, id: u64) -> bool {
        let key = (origin.to_owned(), id);
        if !self.set.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > SEEN_CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

/// The port's `message` listener.
type Listener = Closure<dyn FnMut(JsValue)>;

struct BridgeState {
    id: u32,
    port: JsValue,
    post: Function,
    patterns: Vec<Pattern>,
    listener: RefCell<Option<Listener>>,
    stats: Cell<[u64; 4]>,
}

const SENT: usize = 0;
const RECEIVED: usize = 1;
const REJECTED: usize = 2;
const SEND_ERRORS: usize = 3;

impl BridgeState {
    fn count(&self, which: usize) {
        let mut stats = self.stats.get();
        stats[which] += 1;
        self.stats.set(stats);
    }

    fn wants(&self, topic: &str) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(topic))
    }

    fn detach(&self) {
        let Some(listener) = self.listener.borrow_mut().take() else { return };
        if let Some(remove) = optional_method(&self.port, "removeEventListener") {
            let _ = remove.call2(&self.port, &JsValue::from_str("message"), listener.as_ref());
        }
    }
}

impl Bridges {
    pub fn new() -> Rc<Bridges> {
        let origin_text = js::random_origin();
        Rc::new(Bridges {
            broker: RefCell::new(None),
            origin: JsValue::from_str(&origin_text),
            origin_text,
            open: RefCell::new(Vec::new()),
            seen: RefCell::new(Seen::default()),
            next_id: Cell::new(0),
        })
    }

    /// Gives the bridges the broker they publish into and log through.
    pub fn attach(&self, broker: WeakBroker<JsPayload>) {
        self.broker.replace(Some(broker));
        self.observe_while_open();
    }

    /// Lets the broker hand accepted messages to `forward` only while a bridge is open.
    fn observe_while_open(&self) {
        if let Some(broker) = self.broker.borrow().as_ref().and_then(|b| b.upgrade()) {
            broker.observe_publishes(!self.open.borrow().is_empty());
        }
    }

    /// Posts an accepted message to every bridge that wants it, but the one it came from.
    pub fn forward(&self, message: &Rc<Message<JsPayload>>) {
        let bridges: Vec<Rc<BridgeState>> = self.open.borrow().clone();
        let from = with_js(&message.headers, |headers| headers.inbound.as_ref().map(|i| i.bridge));
        let targets = bridges.iter().filter(|b| from != Some(b.id) && b.wants(message.topic()));
        let mut wire = None;
        for bridge in targets {
            let wire = wire.get_or_insert_with(|| self.wire(message));
            let outcome = js::call_method(&bridge.port, &bridge.post, &Array::of1(wire));
            if get(&outcome, "ok").is_ok_and(|ok| ok.is_truthy()) {
                bridge.count(SENT);
            } else if let Some(broker) = self.broker.borrow().as_ref().and_then(|b| b.upgrade()) {
                bridge.count(SEND_ERRORS);
                log(&broker, "bridge.sendFailed", Some(message), "DATA_CLONE_ERROR");
            }
        }
    }

    fn wire(&self, message: &Message<JsPayload>) -> JsValue {
        with_js(&message.headers, |headers| {
            let (origin, id) = match &headers.inbound {
                Some(inbound) => (&inbound.origin, inbound.id),
                None => (&self.origin, message.id as f64),
            };
            let (topic, attributes, key) = (&headers.topic, &headers.attributes, &ordering_key(message));
            js::envelope(origin, id, topic, &message.data.data, attributes, key, message.published_at)
        })
    }

    /// Closes every bridge (the bus is closing).
    pub fn close_all(&self) {
        let all = std::mem::take(&mut *self.open.borrow_mut());
        self.observe_while_open();
        for bridge in all {
            bridge.detach();
        }
    }
}

/// A bridge between this bus and a port: `close()` it, read its `stats()`.
#[wasm_bindgen]
pub struct Bridge {
    state: Rc<BridgeState>,
    bridges: Weak<Bridges>,
}

#[wasm_bindgen]
impl Bridge {
    /// Stops forwarding and removes the port listener. Idempotent.
    ///
    /// ```js
    /// const bridge = bus.bridge(new BroadcastChannel("app"));
    /// bridge.close();
    /// ```
    pub fn close(&self) {
        if let Some(bridges) = self.bridges.upgrade() {
            bridges.open.borrow_mut().retain(|b| b.id != self.state.id);
            bridges.observe_while_open();
        }
        self.state.detach();
    }

    /// `{ sent, received, rejected, sendErrors }` since the bridge was made.
    ///
    /// ```js
    /// const { sent, received, rejected } = bridge.stats();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "BridgeStats")]
    pub fn stats(&self) -> JsValue {
        let [sent, received, rejected, send_errors] = self.state.stats.get();
        let object = js_sys::Object::new();
        let counts = [("sent", sent), ("received", received), ("rejected", rejected), ("sendErrors", send_errors)];
        set_counts(&object, &counts);
        object.into()
    }
}

/// `bus.bridge(port, options)`.
pub fn open(bus: &Rc<Bus>, port: &JsValue, options: &JsValue) -> Result<Bridge, JsValue> {
    if matches!(bus.broker.health().status, HealthStatus::Closing | HealthStatus::Closed) {
        return Err(to_js(Error::Closed));
    }
    let post = method(port, "postMessage")?;
    let listen = method(port, "addEventListener")?;
    let patterns = topics(bus, options)?;
    let bridges = bus.bridges.clone();
    let id = bridges.next_id.get() + 1;
    bridges.next_id.set(id);
    let state = Rc::new(BridgeState { id, port: port.clone(), post, patterns, listener: RefCell::new(None), stats: Cell::new([0; 4]) });
    let listener = receiver(Rc::downgrade(bus), Rc::downgrade(&state));
    listen.call2(port, &JsValue::from_str("message"), listener.as_ref()).map_err(|_| invalid("port.addEventListener threw"))?;
    state.listener.replace(Some(listener));
    if let Some(start) = optional_method(port, "start") {
        let _ = start.call0(port);
    }
    bridges.open.borrow_mut().push(state.clone());
    bridges.observe_while_open();
    Ok(Bridge { state, bridges: Rc::downgrade(&bridges) })
}

fn optional_method(target: &JsValue, key: &str) -> Option<Function> {
    get(target, key).ok()?.dyn_into::<Function>().ok()
}

fn method(port: &JsValue, key: &str) -> Result<Function, JsValue> {
    if !port.is_object() {
        return Err(invalid("port must be a BroadcastChannel, MessagePort, Worker or { postMessage, addEventListener }"));
    }
    get(port, key)?.dyn_into::<Function>().map_err(|_| invalid(format!("port.{key} must be a function")))
}

fn topics(bus: &Bus, options: &JsValue) -> Result<Vec<Pattern>, JsValue> {
    if options.is_undefined() {
        return Ok(Vec::new());
    }
    let list = get(options, "topics")?;
    if list.is_undefined() {
        return Ok(Vec::new());
    }
    let list = array_arg(&list).ok_or_else(|| invalid("options.topics must be an array of topics or patterns"))?;
    let max = bus.limits.max_topic_name_length;
    let mut patterns = Vec::new();
    for topic in list.iter() {
        patterns.push(Pattern::parse(&topic_arg(&topic, max)?, max).map_err(to_js)?);
    }
    Ok(patterns)
}

fn receiver(bus: Weak<Bus>, bridge: Weak<BridgeState>) -> Listener {
    Closure::new(move |event: JsValue| {
        let (Some(bus), Some(bridge)) = (bus.upgrade(), bridge.upgrade()) else { return };
        let data = get(&event, "data").unwrap_or(JsValue::UNDEFINED);
        if let Err(code) = receive(&bus, &bridge, &data) {
            bridge.count(REJECTED);
            log(&bus.broker, "bridge.rejected", None, code);
        }
    })
}

/// Publishes one incoming message locally; `Err(code)` when it must be rejected.
fn receive(bus: &Bus, bridge: &BridgeState, wire: &JsValue) -> Result<(), &'static str> {
    let read = js::read_envelope(wire);
    if read.is_string() {
        return Err("INVALID_ARGUMENT");
    }
    let fields: Array = read.unchecked_into();
    let origin = fields.get(0).as_string().unwrap_or_default();
    let id = fields.get(1).as_f64().unwrap_or(0.0);
    let topic = string_arg(&fields.get(2), "topic", bus.limits.max_topic_name_length).map_err(|_| "INVALID_TOPIC_NAME")?;
    let bridges = &bus.bridges;
    if !bridge.wants(&topic) || origin == bridges.origin_text {
        return Ok(());
    }
    if !bridges.seen.borrow_mut().insert(&origin, id as u64) {
        return Ok(());
    }
    let (pairs, copy) = attributes(&fields.get(4), &bus.limits).map_err(|_| "INVALID_ATTRIBUTES")?;
    let ordering_key = fields.get(5);
    let key_text = match ordering_key.is_undefined() {
        true => None,
        false => Some(string_arg(&ordering_key, "orderingKey", 1024).map_err(|_| "INVALID_ARGUMENT")?),
    };
    if !bus.broker.has_topic(&topic) {
        bus.broker.create_topic(&topic).map_err(|e| e.code())?;
    }
    let inbound = Some(Box::new(Inbound { bridge: bridge.id, origin: fields.get(0), id }));
    let host = JsHeaders { topic: fields.get(2), attributes: copy, inbound };
    let ordering_key = key_text.map(String::into_boxed_str);
    let headers = Headers { topic: Rc::from(topic), attributes: pairs, ordering_key, host: Some(Rc::new(host)) };
    let payload = JsPayload { data: fields.get(3) };
    let size = payload.byte_size();
    bus.broker.publish_headed(Rc::new(headers), payload, size).map_err(|e| e.code())?;
    bridge.count(RECEIVED);
    Ok(())
}

fn log(broker: &Broker<JsPayload>, event: &'static str, message: Option<&Rc<Message<JsPayload>>>, code: &'static str) {
    broker.log(LogRecord {
        topic: message.map(|m| m.headers.topic.clone()),
        message_id: message.map(|m| m.id),
        code: Some(code),
        ..LogRecord::new(Level::Warn, event)
    });
}
