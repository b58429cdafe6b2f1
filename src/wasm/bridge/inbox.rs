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
/// (The scalars at 1, 2, 6, 8 and 9 — id, hops, publishedAt, replyInbox, replyWithin — and
/// the topic's text come as `receive`'s arguments.)
const ORIGIN: u32 = 0;
const TOPIC: u32 = 3;
const DATA: u32 = 4;
const ORDERING_KEY: u32 = 5;
const SOURCE: u32 = 7;
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
    /// Its scalar fields come as arguments (numbers cross without a lookup each), its
    /// JavaScript values stay in `frame`.
    #[allow(clippy::too_many_arguments)]
    pub fn receive(&self, frame: Array, origin: String, id: f64, hops: u32, published_at: f64, topic: String, reply_inbox: f64, reply_within: f64) {
        if self.bus.halted() {
            return;
        }
        let reply = (reply_inbox > 0.0).then_some((reply_inbox, reply_within));
        let fields = Fields { origin, id, hops, published_at, topic, reply };
        if let Err(code) = accept(&self.bus, &self.bridge, &frame, fields) {
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
        match self.bus.bridges.is_own(&to) {
            true => drop(self.bus.resolve_request(inbox, &data)),
            false => drop(self.bus.bridges.pass_on_reply(self.bridge.id, &to, inbox, hops, &data)),
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

/// The scalar fields of a frame, as `readFrame` checked them.
struct Fields {
    origin: String,
    id: f64,
    hops: u32,
    published_at: f64,
    topic: String,
    /// A request's inbox and how long its asker waits.
    reply: Option<(f64, f64)>,
}

/// Publishes a checked frame unless this bus has seen it or the bridge does not carry its
/// topic; `Err(code)` when the broker refuses it.
fn accept(bus: &Bus, bridge: &BridgeState, frame: &Array, fields: Fields) -> Result<(), &'static str> {
    if fields.topic.chars().count() > bus.limits.get().max_topic_name_length as usize {
        return Err("INVALID_TOPIC_NAME");
    }
    if !bridge.wants(&fields.topic) {
        return Ok(());
    }
    let bridges = &bus.bridges;
    let id = fields.id as u64;
    if bridges.sighting(&fields.origin, id) != Sighting::New {
        bridge.count(Stat::Duplicates);
        return Ok(());
    }
    let headers = headers(bridge, frame, &fields)?;
    if bridges.admit(&fields.origin, id, || publish(bus, headers, frame.get(DATA)))?.is_some() {
        log(&bus.broker, "bridge.originEvicted", "LIMIT_EXCEEDED");
    }
    if let Some((inbox, _)) = fields.reply {
        bridges.remember_route(&fields.origin, inbox, bridge.id);
    }
    bridge.count(Stat::Received);
    Ok(())
}

/// The headers of a frame: its topic, attributes and ordering key, where it came from, and
/// the way back of a request.
fn headers(bridge: &BridgeState, frame: &Array, fields: &Fields) -> Result<Headers, &'static str> {
    let attributes = pairs(frame).ok_or("INVALID_ATTRIBUTES")?;
    let key = frame.get(ORDERING_KEY);
    let ordering_key = match key.is_undefined() {
        true => None,
        false => Some(string_arg(&key, "orderingKey", 1024).map_err(|_| "INVALID_ARGUMENT")?.into_boxed_str()),
    };
    let inbound = Inbound {
        bridge: bridge.id,
        origin: frame.get(ORIGIN),
        id: fields.id,
        hops: fields.hops,
        published_at: fields.published_at,
        source: frame.get(SOURCE),
    };
    let reply = fields.reply.map(|(inbox, within)| Rc::new(ReplyRoute { to: fields.origin.clone(), inbox, within, via: Some(bridge.id) }));
    let host = JsHeaders { topic: frame.get(TOPIC), attributes: frame.get(ATTRIBUTES), inbound: Some(Box::new(inbound)), reply };
    Ok(Headers { topic: Rc::from(fields.topic.as_str()), attributes, ordering_key, host: Some(Rc::new(host)) })
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
