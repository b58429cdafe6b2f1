//! The receiving end of a bridge: frames its port's listener checked, published on the bus.
//!
//! `js/bridge.js` reads every frame first, rejecting any string longer than the limits allow
//! before it is copied into wasm memory. Here the rest is checked: the topic against the
//! bridge's topics, the `(origin, id)` against the bus's duplicate memory, then everything
//! the broker checks on any publish. The pair is remembered only once the message was
//! accepted, so a rejected forgery never hides the genuine message with the same pair.

use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::handle::{BridgeState, Stat};
use super::{log, Inbound};
use crate::wasm::bus::Bus;
use crate::wasm::convert::{string_arg, well_formed};
use crate::wasm::handler::{JsHeaders, JsPayload};
use crate::wasm::request::ReplyRoute;
use crate::{Headers, Payload, Sighting};

/// Positions in a frame as `readFrame` returns it.
const ORIGIN: u32 = 0;
const ID: u32 = 1;
const HOPS: u32 = 2;
const TOPIC: u32 = 3;
const DATA: u32 = 4;
const ORDERING_KEY: u32 = 5;
const PUBLISHED_AT: u32 = 6;
const SOURCE: u32 = 7;
const REPLY_INBOX: u32 = 8;
const REPLY_WITHIN: u32 = 9;
const ATTRIBUTES: u32 = 10;
const FIRST_PAIR: u32 = 11;

/// One bridge's receiving end, held only by its port's listener, so that an open bridge
/// keeps its bus alive for as long as the port can deliver to it. Internal: not part of the
/// package's API.
#[wasm_bindgen(skip_typescript)]
pub struct Inbox {
    bus: Rc<Bus>,
    bridge: Rc<BridgeState>,
}

impl Inbox {
    pub fn new(bus: Rc<Bus>, bridge: Rc<BridgeState>) -> Self {
        Inbox { bus, bridge }
    }

    fn refuse(&self, code: &'static str) {
        self.bridge.count(Stat::Rejected);
        log(&self.bus.broker, "bridge.rejected", code);
    }
}

#[wasm_bindgen]
impl Inbox {
    /// A frame `readFrame` accepted: published on the bus, or counted and logged as rejected.
    pub fn receive(&self, frame: Array) {
        if self.bus.halted() {
            return;
        }
        if let Err(code) = accept(&self.bus, &self.bridge, &frame) {
            self.refuse(code);
        }
    }

    /// A reply frame (checked by `receiveReply`) to request `inbox` of the bus `to`: resolves
    /// the request when this bus asked, else passes it on along the request's way.
    pub fn reply(&self, to: String, inbox: f64, hops: u32, data: JsValue) {
        if self.bus.halted() {
            return;
        }
        self.bridge.count(Stat::Received);
        if self.bus.bridges.route_reply(self.bridge.id, &to, inbox, hops, &data).is_none() {
            self.bus.resolve_request(inbox, &data);
        }
    }

    /// A frame `readFrame` rejected, with its error code.
    pub fn reject(&self, code: String) {
        if self.bus.halted() {
            return;
        }
        self.refuse(static_code(&code));
    }
}

/// Publishes a checked frame unless this bus has seen it or the bridge does not carry its
/// topic; `Err(code)` when the broker refuses it.
fn accept(bus: &Bus, bridge: &BridgeState, frame: &Array) -> Result<(), &'static str> {
    let topic = string_arg(&frame.get(TOPIC), "topic", bus.limits.get().max_topic_name_length).map_err(|_| "INVALID_TOPIC_NAME")?;
    if !bridge.wants(&topic) {
        return Ok(());
    }
    let bridges = &bus.bridges;
    let origin = frame.get(ORIGIN).as_string().unwrap_or_default();
    let id = frame.get(ID).as_f64().unwrap_or(0.0) as u64;
    if bridges.sighting(&origin, id) != Sighting::New {
        bridge.count(Stat::Duplicates);
        return Ok(());
    }
    let headers = headers(bridge, frame, topic)?;
    if bridges.admit(&origin, id, || publish(bus, headers, frame.get(DATA)))?.is_some() {
        log(&bus.broker, "bridge.originEvicted", "LIMIT_EXCEEDED");
    }
    if let Some(inbox) = frame.get(REPLY_INBOX).as_f64() {
        bridges.remember_route(&origin, inbox, bridge.id);
    }
    bridge.count(Stat::Received);
    Ok(())
}

/// The headers of a frame: its topic, attributes and ordering key, and where it came from.
fn headers(bridge: &BridgeState, frame: &Array, topic: String) -> Result<Headers, &'static str> {
    let attributes = pairs(frame).ok_or("INVALID_ATTRIBUTES")?;
    let key = frame.get(ORDERING_KEY);
    let ordering_key = match key.is_undefined() {
        true => None,
        false => Some(string_arg(&key, "orderingKey", 1024).map_err(|_| "INVALID_ARGUMENT")?.into_boxed_str()),
    };
    let inbound = inbound(bridge, frame);
    let reply = reply_route(bridge, frame);
    let host = JsHeaders { topic: frame.get(TOPIC), attributes: frame.get(ATTRIBUTES), inbound: Some(Box::new(inbound)), reply };
    Ok(Headers { topic: Rc::from(topic), attributes, ordering_key, host: Some(Rc::new(host)) })
}

/// The way back of a request frame: to its origin's inbox, through this bridge.
fn reply_route(bridge: &BridgeState, frame: &Array) -> Option<Rc<ReplyRoute>> {
    let inbox = frame.get(REPLY_INBOX).as_f64()?;
    let to = frame.get(ORIGIN).as_string()?;
    let within = frame.get(REPLY_WITHIN).as_f64().unwrap_or(0.0);
    Some(Rc::new(ReplyRoute { to, inbox, within, via: Some(bridge.id) }))
}

/// Where a frame came from (`readFrame` checked each field and built its `source`).
fn inbound(bridge: &BridgeState, frame: &Array) -> Inbound {
    Inbound {
        bridge: bridge.id,
        origin: frame.get(ORIGIN),
        id: frame.get(ID).as_f64().unwrap_or(0.0),
        hops: frame.get(HOPS).as_f64().unwrap_or(1.0) as u32,
        published_at: frame.get(PUBLISHED_AT).as_f64().unwrap_or(0.0),
        source: frame.get(SOURCE),
    }
}

/// The attribute pairs after the frame's fixed fields; `None` for a lone surrogate.
fn pairs(frame: &Array) -> Option<Vec<(String, String)>> {
    let length = frame.length();
    let mut pairs = Vec::with_capacity((length.saturating_sub(FIRST_PAIR) / 2) as usize);
    let mut index = FIRST_PAIR;
    while index + 1 < length {
        pairs.push((well_formed(&frame.get(index))?, well_formed(&frame.get(index + 1))?));
        index += 2;
    }
    Some(pairs)
}

/// Publishes on the bus, creating a missing topic.
fn publish(bus: &Bus, headers: Headers, data: JsValue) -> Result<(), &'static str> {
    if !bus.broker.has_topic(&headers.topic) {
        bus.broker.create_topic(&headers.topic).map_err(|e| e.code())?;
    }
    let payload = JsPayload { data };
    let size = payload.byte_size();
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
