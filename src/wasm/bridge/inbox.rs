//! The receiving end of a bridge: frames its port's listener checked, published on the bus.
//!
//! `js/bridge.js` reads every frame first, rejecting any string longer than the limits allow
//! before it is copied into wasm memory. Here the rest is checked: the topic against the
//! bridge's topics, the `(origin, id)` against the bus's duplicate memory, then everything
//! the broker checks on any publish. The pair is remembered only once the message was
//! accepted, so a rejected forgery never hides the genuine message with the same pair.
//!
//! A stream of frames mostly repeats its topic and origin, so the listener passes each only
//! when it differs from the last frame's: the inbox keeps the last ones ([`LastFrame`]), and
//! with them the topic's name shared by every message (which lets the broker keep its route)
//! and whether the bridge carries it.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::handle::{BridgeState, Stat};
use super::{log, Inbound};
use crate::wasm::bus::Bus;
use crate::wasm::convert::{string_arg, well_formed};
use crate::wasm::handler::{size_of_measure, JsHeaders, JsPayload};
use crate::wasm::request::ReplyRoute;
use crate::{Headers, Sighting};

/// Positions in a frame's `extra` array as `readFrame` returns it: the frozen attributes copy,
/// the ordering key, then the attribute pairs.
const ATTRIBUTES: u32 = 0;
const ORDERING_KEY: u32 = 1;
const FIRST_PAIR: u32 = 2;

/// One bridge's receiving end, held only by its port's listener, so that an open bridge
/// keeps its bus alive for as long as the port can deliver to it. Internal: not part of the
/// package's API.
#[wasm_bindgen(skip_typescript)]
pub struct Inbox {
    bus: Rc<Bus>,
    bridge: Rc<BridgeState>,
    last: RefCell<LastFrame>,
}

/// The topic and origin of the last frame the listener passed.
#[derive(Default)]
struct LastFrame {
    topic: Option<FrameTopic>,
    origin: Option<(Rc<str>, JsValue)>,
}

/// A frame's topic: its name, its JavaScript string, its length in code points and whether
/// the bridge carries it.
#[derive(Clone)]
struct FrameTopic {
    name: Rc<str>,
    js: JsValue,
    chars: usize,
    wanted: bool,
}

impl Inbox {
    pub fn new(bus: Rc<Bus>, bridge: Rc<BridgeState>) -> Self {
        Inbox { bus, bridge, last: RefCell::default() }
    }

    fn refuse(&self, code: &'static str) {
        self.bridge.count(Stat::Rejected);
        log(&self.bus.broker, "bridge.rejected", code);
    }

    /// The frame's topic and origin: those given, remembered for the next frames, or the last
    /// ones (`None` given). `None` when there is no last one to take.
    fn topic_and_origin(&self, topic: Option<String>, origin: Option<String>) -> Option<(FrameTopic, Rc<str>, JsValue)> {
        let mut last = self.last.borrow_mut();
        if let Some(name) = topic {
            let js = JsValue::from_str(&name);
            let wanted = self.bridge.wants(&name);
            last.topic = Some(FrameTopic { chars: name.chars().count(), name: name.into(), js, wanted });
        }
        if let Some(origin) = origin {
            let js = JsValue::from_str(&origin);
            last.origin = Some((origin.into(), js));
        }
        let (name, js) = last.origin.clone()?;
        Some((last.topic.clone()?, name, js))
    }
}

#[wasm_bindgen]
impl Inbox {
    /// A frame `readFrame` accepted: published on the bus, or counted and logged as rejected.
    /// Its values come as arguments (`size` is the data's as `measure` gave it; `topic` and
    /// `origin` only when they differ from the last frame's; `extra` only when it has
    /// attributes or an ordering key).
    #[allow(clippy::too_many_arguments)]
    pub fn receive(
        &self,
        data: JsValue,
        size: f64,
        source: JsValue,
        extra: Option<Array>,
        topic: Option<String>,
        origin: Option<String>,
        id: f64,
        hops: u32,
        published_at: f64,
        reply_inbox: f64,
        reply_within: f64,
    ) {
        if !self.bus.usable() {
            return;
        }
        let Some((topic, origin, origin_js)) = self.topic_and_origin(topic, origin) else {
            return self.refuse("INVALID_ARGUMENT");
        };
        let reply = (reply_inbox > 0.0).then_some((reply_inbox, reply_within));
        let inbound = Inbound { bridge: self.bridge.id, origin: origin_js, id, hops, published_at, source };
        let frame = Frame { topic, origin, inbound, extra, reply };
        if let Err(code) = accept(&self.bus, &self.bridge, frame, JsPayload { data }, size_of_measure(size)) {
            self.refuse(code);
        }
    }

    /// A reply frame (checked by `receiveReply`) to request `inbox` of the bus `to`: resolves
    /// the request when this bus asked, else passes it on along the request's way.
    pub fn reply(&self, to: String, inbox: f64, hops: u32, data: JsValue) {
        if !self.bus.usable() {
            return;
        }
        self.bridge.count(Stat::Received);
        match self.bus.bridges.is_own(&to) {
            true => drop(self.bus.resolve_request(inbox, &data)),
            false => drop(self.bus.bridges.pass_on_reply(self.bridge.id, &to, inbox, hops, &data)),
        }
    }

    /// Halts the bus after a frame's call was cut short. Internal: the package's JavaScript
    /// front calls it.
    #[wasm_bindgen(js_name = "__halt")]
    pub fn halt(&self) {
        self.bus.halt();
    }

    /// A frame `readFrame` rejected, with its error code.
    pub fn reject(&self, code: String) {
        if !self.bus.usable() {
            return;
        }
        self.refuse(static_code(&code));
    }
}

/// A checked frame but its data.
struct Frame {
    topic: FrameTopic,
    origin: Rc<str>,
    /// Where it came from, as its deliveries tell.
    inbound: Inbound,
    /// Its attributes and ordering key (see `ATTRIBUTES`), when it has either.
    extra: Option<Array>,
    /// A request's inbox and how long its asker waits.
    reply: Option<(f64, f64)>,
}

/// Publishes a checked frame unless this bus has seen it or the bridge does not carry its
/// topic; `Err(code)` when the broker refuses it.
fn accept(bus: &Bus, bridge: &BridgeState, frame: Frame, payload: JsPayload, size: Option<u64>) -> Result<(), &'static str> {
    if frame.topic.chars > bus.limits.get().max_topic_name_length as usize {
        return Err("INVALID_TOPIC_NAME");
    }
    if !frame.topic.wanted {
        return Ok(());
    }
    let bridges = &bus.bridges;
    let (origin, id, reply) = (frame.origin.clone(), frame.inbound.id as u64, frame.reply);
    if bridges.sighting(&origin, id) != Sighting::New {
        bridge.count(Stat::Duplicates);
        return Ok(());
    }
    let headers = headers(bridge, frame)?;
    if bridges.admit(&origin, id, || publish(bus, headers, payload, size))?.is_some() {
        log(&bus.broker, "bridge.originEvicted", "LIMIT_EXCEEDED");
    }
    if let Some((inbox, _)) = reply {
        bridges.remember_route(&origin, inbox, bridge.id);
    }
    bridge.count(Stat::Received);
    Ok(())
}

/// The headers of a frame: its topic, attributes and ordering key, where it came from, and
/// the way back of a request.
fn headers(bridge: &BridgeState, frame: Frame) -> Result<Headers, &'static str> {
    let (attributes, copy, ordering_key) = match &frame.extra {
        None => (Vec::new(), JsValue::UNDEFINED, None),
        Some(extra) => (pairs(extra).ok_or("INVALID_ATTRIBUTES")?, extra.get(ATTRIBUTES), ordering_key(extra)?),
    };
    let reply = frame.reply.map(|(inbox, within)| Rc::new(ReplyRoute { to: frame.origin.to_string(), inbox, within, via: Some(bridge.id) }));
    let host = JsHeaders { topic: frame.topic.js, attributes: copy, inbound: Some(Box::new(frame.inbound)), reply };
    Ok(Headers { topic: frame.topic.name, attributes, ordering_key, host: Some(Rc::new(host)) })
}

/// The ordering key of a frame's `extra`, if it has one.
fn ordering_key(extra: &Array) -> Result<Option<Box<str>>, &'static str> {
    let key = extra.get(ORDERING_KEY);
    match key.is_undefined() {
        true => Ok(None),
        false => Ok(Some(string_arg(&key, "orderingKey", 1024).map_err(|_| "INVALID_ARGUMENT")?.into_boxed_str())),
    }
}

/// The attribute pairs after the fixed fields of a frame's `extra`; `None` for a lone surrogate.
fn pairs(extra: &Array) -> Option<Vec<(String, String)>> {
    let length = extra.length();
    let mut pairs = Vec::with_capacity((length.saturating_sub(FIRST_PAIR) / 2) as usize);
    let mut index = FIRST_PAIR;
    while index + 1 < length {
        pairs.push((well_formed(&extra.get(index))?, well_formed(&extra.get(index + 1))?));
        index += 2;
    }
    Some(pairs)
}

/// Publishes on the bus, creating a missing topic; `size` is the payload's, as `measure` gave it.
fn publish(bus: &Bus, headers: Headers, payload: JsPayload, size: Option<u64>) -> Result<(), &'static str> {
    if !bus.broker.has_topic(&headers.topic) {
        bus.broker.create_topic(&headers.topic).map_err(|e| e.code())?;
    }
    bus.broker.publish_headed(Rc::new(headers), payload, size).map(drop).map_err(|e| e.code())
}

/// The error code `readFrame` gave, as the logger's static text.
fn static_code(code: &str) -> &'static str {
    match code {
        "INVALID_TOPIC_NAME" => "INVALID_TOPIC_NAME",
        "INVALID_ATTRIBUTES" => "INVALID_ATTRIBUTES",
        "LIMIT_EXCEEDED" => "LIMIT_EXCEEDED",
        _ => "INVALID_ARGUMENT",
    }
}
