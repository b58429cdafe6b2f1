//! The cross-context bridge: topics carried over `postMessage` ports.
//!
//! Local publishes on a bridge's topics are posted to its port as
//! `{ "wasm-pubsub": 1, origin, id, hops, topic, data, attributes, orderingKey?, publishedAt }`.
//! Messages arriving from a port are untrusted: they are validated like any input (bad ones
//! are counted in `rejected`, logged and dropped; see [`inbox`]), then published locally
//! (creating a missing topic) and forwarded to the bus's other bridges, never back to the one
//! they came from. A bridge's `topics` filter both ways: messages arriving on other topics
//! are ignored, not rejected.
//!
//! No loops, exactly once per bus: the bus remembers, per origin, the highest id it accepted
//! and a window of [`SEEN_WINDOW`](crate::SEEN_WINDOW) ids below it ([`SeenIds`]); repeats
//! and ids below the window (too old to tell) are dropped and counted in `duplicates`. As a
//! second line of defence every frame counts the bridges it crossed (`hops`): a message
//! crosses at most [`MAX_HOPS`] and a frame claiming more is rejected.
//!
//! Ownership: the port's listener is JavaScript (`js/bridge.js`) holding the bridge's
//! [`Inbox`], which holds the bus. An open bridge keeps its bus alive, as any listener keeps
//! its function, until `bridge.close()` or `bus.close()`; closing makes the listener inert
//! (and removes it where the port can), so nothing left on a port can throw.

mod handle;
mod inbox;
mod js;
mod replies;

use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

pub use handle::Bridge;
use handle::{BridgeState, Stat};
use inbox::Inbox;

use super::bus::Bus;
use super::convert::{get, invalid, to_js, topic_arg};
use super::handler::{ordering_key, with_js, JsPayload};
use crate::{Broker, Error, HealthStatus, Level, Limits, LogRecord, Message, Pattern, SeenIds, Sighting, WeakBroker};

/// The most bridges a message crosses: enough for a chain of 33 buses.
pub const MAX_HOPS: u32 = 32;

/// The most topics or patterns one bridge's `topics` option may list.
pub const MAX_TOPICS: u32 = 256;

/// The core's longest ordering key (1024 code points), in UTF-16 code units.
const ORDERING_KEY_UNITS: u32 = 2 * 1024;

/// Where a message came from when a bridge delivered it.
pub struct Inbound {
    pub bridge: u32,
    /// The wire id of the bus that published it.
    pub origin: JsValue,
    /// Its id on that bus.
    pub id: f64,
    /// Bridges crossed so far.
    pub hops: u32,
    /// Its `publishedAt` on that bus.
    pub published_at: f64,
    /// The frozen `{ id, messageId, publishedAt, hops }` its deliveries carry as `msg.origin`.
    pub source: JsValue,
}

/// Every bridge of one bus, the bus's wire id, and the pairs it has seen.
pub struct Bridges {
    broker: RefCell<Option<WeakBroker<JsPayload>>>,
    /// The bus's random wire id (as sent, and as text), drawn when a message first needs it:
    /// workerd forbids random values at a Worker's start-up, where a bus may be constructed.
    origin: OnceCell<(JsValue, String)>,
    /// The open bridges, replaced whole when one opens or closes, so that a post takes them
    /// with a reference count, not a copy.
    open: RefCell<Rc<[Rc<BridgeState>]>>,
    seen: RefCell<SeenIds>,
    /// The pairs being published now (see [`Bridges::admit`]).
    admitting: RefCell<Vec<(Rc<str>, u64)>>,
    next_id: Cell<u32>,
    /// The ways back of requests this bus took in (see `replies`).
    routes: RefCell<replies::Routes>,
}

impl Bridges {
    pub fn new() -> Rc<Bridges> {
        Rc::new(Bridges {
            broker: RefCell::new(None),
            origin: OnceCell::new(),
            open: RefCell::new(Rc::new([])),
            seen: RefCell::new(SeenIds::default()),
            admitting: RefCell::new(Vec::new()),
            next_id: Cell::new(0),
            routes: RefCell::new(Default::default()),
        })
    }

    /// Gives the bridges the broker they publish into and log through.
    pub fn attach(&self, broker: WeakBroker<JsPayload>) {
        self.broker.replace(Some(broker));
        self.observe_while_open();
    }

    /// Gives every open bridge the bounds of new limits (`bus.configure`).
    pub fn rebound(&self, limits: &Limits) {
        let open = self.open.borrow().clone();
        for bridge in open.iter() {
            bridge.rebound(&bounds(limits));
        }
    }

    /// Lets the broker hand accepted messages to `forward` only while a bridge is open.
    fn observe_while_open(&self) {
        if let Some(broker) = self.broker() {
            broker.observe_publishes(!self.open.borrow().is_empty());
        }
    }

    fn broker(&self) -> Option<Broker<JsPayload>> {
        self.broker.borrow().as_ref().and_then(|b| b.upgrade())
    }

    /// This bus's wire id, drawn on first use.
    fn origin(&self) -> &JsValue {
        &self.origin.get_or_init(|| {
            let text = js::random_origin();
            (JsValue::from_str(&text), text)
        }).0
    }

    /// Whether `(origin, id)` is new to this bus; its own messages (none before it drew its
    /// wire id), and those being admitted, are repeats.
    fn sighting(&self, origin: &str, id: u64) -> Sighting {
        let admitting = self.admitting.borrow().iter().any(|(o, i)| *i == id && **o == *origin);
        let own = self.origin.get().is_some_and(|(_, text)| text == origin);
        match admitting || own {
            true => Sighting::Repeat,
            false => self.seen.borrow().check(origin, id),
        }
    }

    /// Runs `publish` for a new `(origin, id)` and remembers the pair if it succeeded: a
    /// rejected frame leaves it free for the genuine message. Meanwhile the pair counts as a
    /// repeat, since a port that delivers synchronously can bring the message back from
    /// inside its own publish. Returns the origin forgotten to make room, if any.
    fn admit<E>(&self, origin: &Rc<str>, id: u64, publish: impl FnOnce() -> Result<(), E>) -> Result<Option<Box<str>>, E> {
        self.admitting.borrow_mut().push((origin.clone(), id));
        let published = publish();
        self.admitting.borrow_mut().pop();
        published.map(|()| self.seen.borrow_mut().mark(origin, id))
    }

    /// Posts an accepted message to every bridge that wants it, but the one it came from,
    /// unless it crossed [`MAX_HOPS`] bridges already.
    pub fn forward(&self, message: &Rc<Message<JsPayload>>) {
        let from = with_js(&message.headers, |h| h.inbound.as_ref().map(|i| i.bridge));
        self.post_all(message, from);
    }

    /// Posts a message this bus hands over to the others (see `Subscription.__handOver`) to
    /// every bridge that wants it, the one it came from included: a bus that has it already
    /// drops it as a repeat, one that never had it delivers it.
    pub fn resend(&self, message: &Rc<Message<JsPayload>>) {
        self.post_all(message, None);
    }

    fn post_all(&self, message: &Rc<Message<JsPayload>>, skip: Option<u32>) {
        let bridges = self.open.borrow().clone();
        let hops = with_js(&message.headers, |h| h.inbound.as_ref().map_or(0, |i| i.hops));
        if hops >= MAX_HOPS {
            return;
        }
        let targets = bridges.iter().filter(|b| skip != Some(b.id) && b.wants(message.topic()));
        let mut wire = None;
        for bridge in targets {
            let wire = wire.get_or_insert_with(|| self.wire(message, hops + 1));
            if js::post(&bridge.port, &bridge.post, wire) {
                bridge.count(Stat::Sent);
            } else if let Some(broker) = self.broker() {
                bridge.count(Stat::SendErrors);
                log_message(&broker, "bridge.sendFailed", message, "DATA_CLONE_ERROR");
            }
        }
    }

    fn wire(&self, message: &Message<JsPayload>, hops: u32) -> JsValue {
        with_js(&message.headers, |headers| {
            let (origin, id, published_at) = match &headers.inbound {
                Some(inbound) => (&inbound.origin, inbound.id, inbound.published_at),
                None => (self.origin(), message.id as f64, message.published_at),
            };
            let (topic, attributes, key) = (&headers.topic, &headers.attributes, &ordering_key(message));
            let (reply_inbox, reply_within) = headers.reply.as_ref().map_or((None, 0.0), |route| (Some(route.inbox), route.within));
            js::envelope(origin, id, hops, topic, &message.data.data, attributes, key, published_at, reply_inbox, reply_within)
        })
    }

    /// Forgets bridge `id` (it is closing).
    fn remove(&self, id: u32) {
        let kept: Rc<[_]> = self.open.borrow().iter().filter(|b| b.id != id).cloned().collect();
        self.open.replace(kept);
        self.observe_while_open();
    }

    /// Closes every bridge (the bus is closing).
    pub fn close_all(&self) {
        let all = self.open.replace(Rc::new([]));
        self.observe_while_open();
        for bridge in all.iter() {
            bridge.detach();
        }
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
    let state = Rc::new(BridgeState::new(id, port.clone(), post, patterns));
    let inbox = Inbox::new(bus.clone(), state.clone());
    let link = js::listen(port, &listen, inbox.into(), &bounds(&bus.limits.get()));
    if link.is_null() {
        return Err(invalid("port.addEventListener threw"));
    }
    state.set_link(link);
    if let Some(start) = optional_method(port, "start") {
        let _ = start.call0(port);
    }
    let opened: Rc<[_]> = bridges.open.borrow().iter().cloned().chain([state.clone()]).collect();
    bridges.open.replace(opened);
    bridges.observe_while_open();
    Ok(Bridge::new(state, Rc::downgrade(&bridges), bus.halt_flag()))
}

/// What `js/bridge.js` checks before copying a frame's strings, in UTF-16 code units (two
/// per code point at most): the longest topic, the attribute count, the longest attribute
/// key and value, the longest ordering key, and the hop limit.
fn bounds(limits: &Limits) -> [u32; 6] {
    let units = |chars: u32| chars.saturating_mul(2);
    [
        units(limits.max_topic_name_length),
        limits.max_attributes,
        units(limits.max_attribute_key_length),
        units(limits.max_attribute_value_length),
        ORDERING_KEY_UNITS,
        MAX_HOPS,
    ]
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

/// The patterns of `options.topics`: at most [`MAX_TOPICS`], read in one call that never throws.
fn topics(bus: &Bus, options: &JsValue) -> Result<Vec<Pattern>, JsValue> {
    let read = js::bridge_topics(options, MAX_TOPICS);
    if let Some(problem) = read.as_string() {
        return Err(invalid(problem));
    }
    let max = bus.limits.get().max_topic_name_length;
    let list: Array = read.unchecked_into();
    list.iter().map(|topic| Pattern::parse(&topic_arg(&topic, max)?, max).map_err(to_js)).collect()
}

/// Logs a bridge event with a code.
fn log(broker: &Broker<JsPayload>, event: &'static str, code: &'static str) {
    broker.log(LogRecord { code: Some(code), ..LogRecord::new(Level::Warn, event) });
}

/// Logs a bridge event about one message.
fn log_message(broker: &Broker<JsPayload>, event: &'static str, message: &Message<JsPayload>, code: &'static str) {
    broker.log(LogRecord {
        topic: Some(message.headers.topic.clone()),
        message_id: Some(message.id),
        code: Some(code),
        ..LogRecord::new(Level::Warn, event)
    });
}
