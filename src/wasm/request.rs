//! Request/reply: `bus.request(topic, data, options)` publishes a message that carries a
//! reply route, and resolves with the first value a handler gives `msg.respond(value)`.
//!
//! A bus keeps its pending requests in a bounded table ([`MAX_PENDING`]), each with a timer
//! on the bus's clock that rejects it with `TIMEOUT`; the first reply resolves it, clears the
//! timer and removes the entry, so later replies find nothing (`respond` answers `false`).
//! Closing, disposing or halting the bus rejects what is pending with `CLOSED`. A request
//! crosses bridges like any message; a reply from another bus comes back as a reply frame
//! over the bridges the request crossed (see `bridge::replies`).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use super::bus::Bus;
use super::convert::{check_shape, config_value, get, options_from, to_js, Shape};
use super::handler::{headers_for, measured, with_js, JsHeaders, JsPayload};
use super::pubsub::PubSub;
use super::types::{optional, RequestOptionsArg};
use crate::sorted_map::SortedMap;
use crate::{parse_millis, Error, Headers, TimerId};

/// The most requests a bus waits for at once; one more throws `LIMIT_EXCEEDED`.
pub const MAX_PENDING: usize = 4096;

/// How long a request waits for its reply unless told otherwise.
const DEFAULT_TIMEOUT_MS: u32 = 5000;

/// Where the reply to a request goes: inbox `inbox` of the bus whose wire id is `to`, which
/// waits `within` ms for it, through bridge `via` (none: this bus asked).
pub struct ReplyRoute {
    pub to: String,
    pub inbox: f64,
    pub within: f64,
    pub via: Option<u32>,
}

struct Pending {
    resolve: Function,
    reject: Function,
    topic: String,
    timer: Option<TimerId>,
}

/// A bus's pending requests, by inbox (inboxes only grow, as the map wants).
#[derive(Default)]
pub struct Requests {
    pending: RefCell<SortedMap<u64, Pending>>,
    next_inbox: Cell<f64>,
}

impl Requests {
    fn take(&self, inbox: f64) -> Option<Pending> {
        self.pending.borrow_mut().remove(&(inbox as u64))
    }

    fn set_timer(&self, inbox: f64, timer: TimerId) -> bool {
        let mut pending = self.pending.borrow_mut();
        pending.get_mut(&(inbox as u64)).map(|p| p.timer = Some(timer)).is_some()
    }
}

impl Bus {
    /// Resolves request `inbox` with `value`; whether it was still waiting.
    pub fn resolve_request(&self, inbox: f64, value: &JsValue) -> bool {
        let Some(pending) = self.requests.take(inbox) else { return false };
        self.clear_request_timer(&pending);
        let _ = pending.resolve.call1(&JsValue::UNDEFINED, value);
        true
    }

    /// Rejects request `inbox` with `error`.
    fn fail_request(&self, inbox: f64, error: impl FnOnce(&str) -> Error) {
        let Some(pending) = self.requests.take(inbox) else { return };
        self.clear_request_timer(&pending);
        let _ = pending.reject.call1(&JsValue::UNDEFINED, &to_js(error(&pending.topic)));
    }

    /// Rejects every pending request with `CLOSED` (the bus closes, is disposed or halted).
    pub fn fail_requests(&self) {
        let all = std::mem::take(&mut *self.requests.pending.borrow_mut());
        for pending in all.values() {
            self.clear_request_timer(pending);
            let _ = pending.reject.call1(&JsValue::UNDEFINED, &to_js(Error::Closed));
        }
    }

    fn clear_request_timer(&self, pending: &Pending) {
        if let (Some(timer), Some(clock)) = (pending.timer, self.clock()) {
            clock.clear_timeout(timer);
        }
    }

    /// Publishes a request and returns the promise of its reply (see the module docs).
    fn request(self: &Rc<Self>, topic: &JsValue, data: JsValue, options: &JsValue) -> Result<Promise, JsValue> {
        if self.requests.pending.borrow().len() >= MAX_PENDING {
            return Err(to_js(Error::LimitExceeded(format!("{MAX_PENDING} requests are waiting for a reply already"))));
        }
        let timeout = request_timeout(options)?;
        let plain = self.topic_by_name(topic).inspect_err(|_| self.broker.record_rejected(1))?;
        let name = plain.topic.to_string();
        let inbox = self.requests.next_inbox.get() + 1.0;
        self.requests.next_inbox.set(inbox);
        let route = Rc::new(ReplyRoute { to: self.bridges.origin_text(), inbox, within: f64::from(timeout), via: None });
        let headers = with_route(&self.request_headers(&plain, options)?, route);
        let promise = self.wait_for_reply(inbox, &name);
        let before = self.broker.counters().routed;
        let size = measured(&data);
        if let Err(error) = self.broker.publish_headed(headers, JsPayload { data }, size) {
            self.requests.take(inbox);
            return Err(to_js(error));
        }
        if self.broker.counters().routed == before && !self.bridges.carries(&name) {
            self.requests.take(inbox);
            return Err(to_js(Error::NoResponders(name)));
        }
        self.arm_request_timer(inbox, timeout);
        Ok(promise)
    }

    /// The headers of a request on the topic of `plain` with the `attributes` and
    /// `orderingKey` of `options` (already checked), counted as rejected when they fail.
    fn request_headers(&self, plain: &Rc<Headers>, options: &JsValue) -> Result<Rc<Headers>, JsValue> {
        if options.is_undefined() || options.is_null() {
            return Ok(plain.clone());
        }
        let read = options_from(&get(options, "attributes")?, get(options, "orderingKey")?, &self.limits.get());
        let (publish_options, attributes) = read.inspect_err(|_| self.broker.record_rejected(1))?;
        Ok(headers_for(plain, publish_options, attributes))
    }

    /// Registers request `inbox` before its message is published (a synchronous port may
    /// bring the reply back from inside the publish) and returns its promise.
    fn wait_for_reply(&self, inbox: f64, topic: &str) -> Promise {
        let mut settle = None;
        let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
        if let Some((resolve, reject)) = settle {
            let topic = topic.to_owned();
            self.requests.pending.borrow_mut().insert(inbox as u64, Pending { resolve, reject, topic, timer: None });
        }
        promise
    }

    /// Arms the request's `TIMEOUT`; the timer holds the bus, so a request whose bus lost its
    /// last reference still settles. A clock that cannot set it rejects the request at once.
    fn arm_request_timer(self: &Rc<Self>, inbox: f64, timeout: u32) {
        let Some(clock) = self.broker.clock() else { return };
        let bus = self.clone();
        let expire = Box::new(move || bus.fail_request(inbox, |topic| Error::Timeout { topic: topic.to_owned(), ms: timeout }));
        match clock.set_timeout(timeout, expire) {
            Some(timer) if self.requests.set_timer(inbox, timer) => {}
            Some(timer) => clock.clear_timeout(timer),
            None => self.fail_request(inbox, |topic| Error::Timeout { topic: topic.to_owned(), ms: 0 }),
        }
    }
}

/// `timeoutMs` of `request`'s options (default 5000), once the options' shape is checked.
fn request_timeout(options: &JsValue) -> Result<u32, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(DEFAULT_TIMEOUT_MS);
    }
    check_shape(options, Shape::Request, "options")?;
    let timeout = parse_millis("options.timeoutMs", &config_value(&get(options, "timeoutMs")?, &[], 0)?).map_err(to_js)?;
    Ok(timeout.unwrap_or(DEFAULT_TIMEOUT_MS))
}

/// `headers` with a reply route: their own copy, never the topic's shared plain headers.
pub fn with_route(headers: &Rc<Headers>, route: Rc<ReplyRoute>) -> Rc<Headers> {
    let host = with_js(headers, |js| JsHeaders { topic: js.topic.clone(), attributes: js.attributes.clone(), inbound: None, reply: Some(route) });
    let (attributes, ordering_key) = (headers.attributes.clone(), headers.ordering_key.clone());
    Rc::new(Headers { topic: headers.topic.clone(), attributes, ordering_key, host: Some(Rc::new(host)) })
}

#[wasm_bindgen]
impl PubSub {
    /// Publishes `data` on `topic` as a request and resolves with the first value a handler
    /// passes to `msg.respond(value)`, here or on a bus across a bridge. Rejects with
    /// `TIMEOUT` after `timeoutMs` (default 5000), `NO_RESPONDERS` at once when no
    /// subscription and no bridge takes the topic, `CLOSED` when the bus closes first,
    /// `LIMIT_EXCEEDED` past 4096 pending requests, and what `publish` throws.
    ///
    /// ```js
    /// bus.subscribe("prices.quote", (msg) => msg.respond({ total: 42 }));
    /// const { total } = await bus.request("prices.quote", { sku: "A-1" }, { timeoutMs: 1000 });
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<unknown>")]
    pub fn request(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
        options: Option<RequestOptionsArg>,
    ) -> Promise {
        match self.live().and_then(|()| self.bus.request(&topic, data, &optional(options))) {
            Ok(promise) => promise,
            Err(error) => Promise::reject(&error),
        }
    }
}

/// What `msg.respond` calls: the route of one request's reply. Internal: the package's
/// messages hold it.
#[wasm_bindgen(skip_typescript)]
pub struct Reply {
    bus: Weak<Bus>,
    route: Rc<ReplyRoute>,
}

impl Reply {
    pub fn new(bus: Weak<Bus>, route: Rc<ReplyRoute>) -> Self {
        Reply { bus, route }
    }
}

#[wasm_bindgen]
impl Reply {
    /// Sends `value` as the reply: resolves the request when this bus asked, else posts it
    /// back over the bridge the request came through. `false` when the request was answered
    /// already, timed out, or its way back is closed.
    pub fn respond(&self, value: JsValue) -> bool {
        let Some(bus) = self.bus.upgrade().filter(|bus| bus.usable()) else { return false };
        match self.route.via {
            None => bus.resolve_request(self.route.inbox, &value),
            Some(bridge) => bus.bridges.send_reply(bridge, &self.route.to, self.route.inbox, 1, &value),
        }
    }

    /// Halts the bus after a call into it was cut short. Internal: the package's JavaScript
    /// front calls it.
    #[wasm_bindgen(js_name = "__halt")]
    pub fn halt(&self) {
        if let Some(bus) = self.bus.upgrade() {
            bus.halt();
        }
    }
}
