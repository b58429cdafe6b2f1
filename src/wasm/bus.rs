//! The state behind `PubSub`, `Topic` and `Subscription`: the broker and its `Settler`.
//!
//! Publishing and subscribing live here once, so the bus and a `Topic` handle share them.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Array, Float64Array, Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use super::abort::AbortWatch;
use super::bridge::Bridges;
use super::callbacks::OneShots;
use super::convert::{batch_arg, config_value, get, invalid, options_from, read_publish_options, to_js, topic_arg};
use super::js;
use super::handler::{headers_for, plain_headers, size_of_measure, JsHandler, JsPayload};
use super::subscription::Subscription;
use futures::future::LocalBoxFuture;

use crate::{Broker, Clock, DeliveryToken, Error, Failure, Headed, Headers, Limits, SubscribeOptions, TimerId, WaitReport, WeakBroker};

/// Set once a call into the bus was cut short (see [`Bus::halt`]); shared with everything
/// that can enter the bus's state from JavaScript later: the settler, the callback table,
/// the spawner.
pub type Halted = Rc<Cell<bool>>;

/// Shared by a bus and every handle it gave out.
pub struct Bus {
    pub broker: Broker<JsPayload>,
    pub bridges: Rc<Bridges>,
    /// The bus's `Settler`, which promise reactions call to settle a delivery.
    settler: JsValue,
    pub close_promise: RefCell<Option<Promise>>,
    /// The config's limits, kept here for the checks made before copying strings into
    /// wasm; `configure` updates them.
    pub limits: Cell<Limits>,
    /// The one-shot callbacks JavaScript fires by id: the clock's timers, abort listeners.
    pub callbacks: Rc<OneShots>,
    /// The broker's clock, reachable from here too: a halt clears the bus's timers with it
    /// even when a call cut short holds the broker's state, where the clock lives. Weak, so
    /// that closing the broker still releases the clock.
    clock: Option<Weak<dyn Clock>>,
    halted: Halted,
    last_topic: RefCell<Option<Rc<NamedTopic>>>,
    /// The topic the front's last accepted [`Bus::publish_plain`] named (see there).
    plain_topic: RefCell<Option<Rc<Headers>>>,
    /// What the last refused [`Bus::publish_plain`] threw, until the front takes it.
    refusal: RefCell<JsValue>,
    /// The headers the last publish with options built, by their options' generation (see
    /// [`Bus::headers_of`]).
    options_headers: RefCell<Option<(f64, Rc<Headers>)>>,
    /// The requests waiting for a reply (`bus.request`).
    pub requests: super::request::Requests,
}

/// The topic last published to by name, so a run of publishes on one topic converts and
/// checks its name once and shares its plain headers. `js` repeats the string the headers'
/// host values hold: every by-name publish compares against it, and reading it here spares
/// that hot path a downcast (about 3% of a publish).
struct NamedTopic {
    js: JsValue,
    plain: Rc<Headers>,
}

impl Bus {
    /// Wraps a broker and creates its one `Settler`; names the bus to its callbacks, which halt it.
    pub fn new(broker: Broker<JsPayload>, bridges: Rc<Bridges>, callbacks: Rc<OneShots>, halted: Halted) -> Rc<Bus> {
        bridges.attach(broker.downgrade());
        let settler = Settler { broker: broker.downgrade(), halted: halted.clone() }.into();
        let limits = Cell::new(broker.config().limits);
        let last_topic = RefCell::new(None);
        let (plain_topic, refusal, options_headers) = (RefCell::new(None), RefCell::new(JsValue::UNDEFINED), RefCell::new(None));
        let requests = Default::default();
        let clock = broker.clock().map(|clock| Rc::downgrade(&clock));
        let bus = Rc::new(Bus { broker, bridges, settler, close_promise: RefCell::new(None), limits, callbacks, clock, halted, last_topic, plain_topic, refusal, options_headers, requests });
        bus.callbacks.attach(Rc::downgrade(&bus));
        bus
    }

    /// The flag [`Bus::halt`] sets, for handles that halt the bus without holding it.
    pub fn halt_flag(&self) -> Halted {
        self.halted.clone()
    }

    /// Whether the bus may still be used: it has not halted, and no call cut short holds its
    /// state (a promise's settlement, which has no guard to halt it, can leave it so). One
    /// found holding it halts the bus here, so the caller gives up before it borrows the
    /// state, instead of panicking on the borrow. Out of line: every call into the bus asks.
    #[inline(never)]
    pub fn usable(&self) -> bool {
        if !self.halted.get() && self.broker.cut_short() {
            self.halt();
        }
        !self.halted.get()
    }

    /// `CLOSED` once the bus has halted, or is halted now (see [`Bus::usable`]).
    pub fn live(&self) -> Result<(), JsValue> {
        match self.usable() {
            true => Ok(()),
            false => Err(to_js(Error::Halted)),
        }
    }

    /// Stops the bus for good: a call into it was cut short (a stack overflow or an internal
    /// error thrown through wasm), so its state may be half-changed. Every later call throws
    /// `CLOSED`, and no timer, settlement, abort or queued drain touches its state again; its
    /// pending requests are rejected and its timers cleared, so they hold nothing, and no
    /// process, open. Out of line: every call's liveness check may halt.
    #[cold]
    #[inline(never)]
    pub fn halt(&self) {
        self.halted.set(true);
        self.fail_requests();
        if let Some(clock) = self.clock() {
            for id in self.callbacks.ids() {
                clock.clear_timeout(TimerId(id));
            }
        }
    }

    /// The broker's clock to clear a timer with: reachable while a call cut short holds the
    /// broker's state, gone once the broker closed (and cleared its timers).
    pub fn clock(&self) -> Option<Rc<dyn Clock>> {
        self.clock.as_ref().and_then(Weak::upgrade)
    }

    /// A topic argument of a publish: the plain headers of the topic it names. The same
    /// string as last time is not converted or checked again.
    pub fn topic_by_name(&self, topic: &JsValue) -> Result<Rc<Headers>, JsValue> {
        let last = self.last_topic.borrow().clone();
        let same = last.as_ref().is_some_and(|last| last.js == *topic);
        self.named_topic(topic, last, same)
    }

    /// The last topic when `topic` is the same string (`same`), else `topic` converted,
    /// checked and kept as the last one.
    fn named_topic(&self, topic: &JsValue, last: Option<Rc<NamedTopic>>, same: bool) -> Result<Rc<Headers>, JsValue> {
        if let Some(last) = last.filter(|_| same) {
            return Ok(last.plain.clone());
        }
        let plain = self.converted_topic(topic)?;
        self.last_topic.replace(Some(Rc::new(NamedTopic { js: topic.clone(), plain: plain.clone() })));
        Ok(plain)
    }

    /// The plain headers of a topic argument, converted and checked.
    fn converted_topic(&self, topic: &JsValue) -> Result<Rc<Headers>, JsValue> {
        let name: Rc<str> = Rc::from(topic_arg(topic, self.limits.get().max_topic_name_length)?);
        Ok(plain_headers(name, topic.clone()))
    }

    /// `publish(topic, data)` without options, as the package's JavaScript front makes it:
    /// the payload's size already measured there, and `same` set when `topic` is the string
    /// the last accepted call of this method named (the front keeps that string, so no call
    /// back into JavaScript compares them). Only this method changes the topic it reuses.
    /// Returns the id, or NaN with the error kept for [`Bus::take_refusal`]: a number crosses
    /// back without the array a `Result` costs.
    pub fn publish_plain(&self, topic: &JsValue, data: JsValue, size: Option<u64>, same: bool) -> f64 {
        self.plain_publish(topic, data, size, same).unwrap_or_else(|error| self.refuse(error))
    }

    /// Keeps `error` for [`Bus::take_refusal`]; NaN, the refused publish's answer.
    pub fn refuse(&self, error: JsValue) -> f64 {
        self.refusal.replace(error);
        f64::NAN
    }

    fn plain_publish(&self, topic: &JsValue, data: JsValue, size: Option<u64>, same: bool) -> Result<f64, JsValue> {
        let kept = self.plain_topic.borrow().clone().filter(|_| same);
        let plain = match kept {
            Some(plain) => plain,
            None => {
                let plain = self.converted_topic(topic).inspect_err(|_| self.broker.record_rejected(1))?;
                self.plain_topic.replace(Some(plain.clone()));
                plain
            }
        };
        let id = self.broker.publish_headed(plain, JsPayload { data }, size).map_err(to_js)?;
        Ok(id as f64)
    }

    /// What the last refused [`Bus::publish_plain`] threw.
    pub fn take_refusal(&self) -> JsValue {
        self.refusal.replace(JsValue::UNDEFINED)
    }

    /// `publish(topic, data, options)` by name: whether the topic is the last one and the
    /// payload's size are read in one call into JavaScript. No borrow is held across it:
    /// measuring a Proxy runs its traps, which may publish.
    pub fn publish_by_name(&self, topic: &JsValue, data: JsValue, options: Option<JsValue>) -> Result<f64, JsValue> {
        let last = self.last_topic.borrow().clone();
        let same_topic_and_size = js::inspect(topic, last.as_ref().map_or(&JsValue::UNDEFINED, |l| &l.js), &data);
        let (same, size) = decode_inspect(same_topic_and_size);
        let plain = self.named_topic(topic, last, same).inspect_err(|_| self.broker.record_rejected(1))?;
        self.publish(&plain, data, size, options)
    }

    /// `publish(topic, data, options)` with the topic's plain headers and the payload's
    /// measured size. `options` is `None` when JavaScript passed `undefined` or `null`.
    pub fn publish(&self, plain: &Rc<Headers>, data: JsValue, size: Option<u64>, options: Option<JsValue>) -> Result<f64, JsValue> {
        let headers = self.counting(1, || self.headers_of(plain, options))?;
        let id = self.broker.publish_headed(headers, JsPayload { data }, size).map_err(to_js)?;
        Ok(id as f64)
    }

    /// `publish(topic, data, options)` by name, and a future of what became of its copies.
    pub fn publish_waiting(&self, topic: &JsValue, data: JsValue, options: Option<JsValue>) -> Result<LocalBoxFuture<'static, WaitReport>, JsValue> {
        let plain = self.topic_by_name(topic).inspect_err(|_| self.broker.record_rejected(1))?;
        let headers = self.counting(1, || self.headers_of(&plain, options))?;
        let size = super::handler::measured(&data);
        let (_, settled) = self.broker.publish_and_wait((JsPayload { data }, headers, size)).map_err(to_js)?;
        Ok(settled)
    }

    /// `publishBatch(topic, messages)`.
    pub fn publish_batch(&self, plain: &Rc<Headers>, messages: &JsValue) -> Result<Array, JsValue> {
        let (list, length) = self.counting(1, || batch_arg(messages))?;
        let count = u64::from(length);
        let limit = self.limits.get().max_batch_size;
        if length > limit {
            self.broker.record_rejected(count);
            return Err(to_js(crate::Error::BatchTooLarge { size: length as usize, limit }));
        }
        let batch = self.counting(count.max(1), || batch_messages(plain, list, length, &self.limits.get()))?;
        let ids = self.broker.publish_batch_headed(&plain.topic, batch).map_err(to_js)?;
        let first = ids.first().map_or(0.0, |&id| id as f64);
        Ok(js::id_range(first, ids.len() as u32))
    }

    /// The headers of a message published with `options` on the topic of `plain`: those of
    /// the last publish with options when its options were the same and its topic too (no
    /// string is copied into wasm then), else new ones.
    fn headers_of(&self, plain: &Rc<Headers>, options: Option<JsValue>) -> Result<Rc<Headers>, JsValue> {
        let Some(options) = options else { return Ok(plain.clone()) };
        let read = read_publish_options(&options, &self.limits.get())?;
        let same = |(generation, headers): &(f64, Rc<Headers>)| *generation == read.generation && Rc::ptr_eq(&headers.topic, &plain.topic);
        if let Some((_, headers)) = self.options_headers.borrow().as_ref().filter(|kept| same(kept)) {
            return Ok(headers.clone());
        }
        let (options, attributes) = read.take()?;
        let headers = headers_for(plain, options, attributes);
        self.options_headers.replace(Some((read.generation, headers.clone())));
        Ok(headers)
    }

    /// Runs a conversion of publish arguments, counting its failure as `count` rejections.
    fn counting<T>(&self, count: u64, convert: impl FnOnce() -> Result<T, JsValue>) -> Result<T, JsValue> {
        convert().inspect_err(|_| self.broker.record_rejected(count))
    }

    /// `subscribe(topicOrPattern, handler, options)`.
    pub fn subscribe(self: &Rc<Self>, target: &str, handler: &JsValue, options: &JsValue) -> Result<Subscription, JsValue> {
        let function = handler.dyn_ref::<Function>().ok_or_else(|| invalid("handler must be a function"))?;
        let defaults = self.broker.config().delivery;
        let parsed = SubscribeOptions::from_value(&config_value(options, &["signal"], self.longest_option())?, &defaults).map_err(to_js)?;
        let signal = signal(options)?;
        let abort = Rc::new(RefCell::new(None));
        let handler = JsHandler { function: function.clone(), settler: self.settler.clone(), bus: Rc::downgrade(self), _abort: abort.clone() };
        let id = self.broker.subscribe(target, parsed, handler).map_err(to_js)?;
        let subscription = Subscription::new(self.clone(), id, target);
        if let Some(signal) = signal {
            let watch = AbortWatch::unsubscribe_on_abort(&signal, &self.callbacks, self.broker.downgrade(), id);
            abort.replace(watch);
        }
        Ok(subscription)
    }

    /// The longest string any subscribe option may hold, in code points: a name, a filter
    /// key or a filter value.
    fn longest_option(&self) -> u32 {
        let limits = &self.limits.get();
        limits.max_topic_name_length.max(limits.max_attribute_key_length).max(limits.max_attribute_value_length)
    }
}

/// Settles the deliveries of one bus whose handlers returned a promise: the binding's JS
/// calls `settle` from the promise's reactions. An exported method is a plain call into
/// wasm, cheaper than a `Closure`'s wrapper. Internal: not part of the package's API.
#[wasm_bindgen(skip_typescript)]
pub struct Settler {
    broker: WeakBroker<JsPayload>,
    halted: Halted,
}

#[wasm_bindgen]
impl Settler {
    /// Settles delivery `delivery` of subscription `sub`: acked when `error` is undefined,
    /// failed with that text (and `stack`, when the error had one) otherwise.
    pub fn settle(&self, sub: f64, delivery: f64, error: Option<String>, stack: Option<String>) {
        if self.halted.get() {
            return;
        }
        let Some(broker) = self.broker.upgrade() else { return };
        let token = DeliveryToken { subscription: sub as u64, delivery: delivery as u64 };
        let failure = error.map(|text| Failure::error(&text));
        let failure = failure.map(|f| match &stack {
            Some(stack) => f.with_stack(stack),
            None => f,
        });
        broker.settle_and_continue(token, failure.map_or(Ok(()), Err));
    }
}

/// The `signal` option, checked to be an `AbortSignal`-like event target.
pub fn signal(options: &JsValue) -> Result<Option<JsValue>, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let signal = get(options, "signal")?;
    if signal.is_undefined() {
        return Ok(None);
    }
    let listens = signal.is_object() && get(&signal, "addEventListener")?.is_function();
    match listens {
        true => Ok(Some(signal)),
        false => Err(invalid("options.signal must be an AbortSignal")),
    }
}

/// What `inspect` answered: whether the topic was the last one, and the payload's size.
fn decode_inspect(answer: f64) -> (bool, Option<u64>) {
    match answer >= 0.0 {
        true => (true, size_of_measure(answer - 1.0)),
        false => (false, size_of_measure(-answer - 2.0)),
    }
}

/// Every entry of a batch and its payload's size, read from JavaScript in one call. A batch
/// without attributes or ordering keys (the common case) arrives as its data values alone.
/// The values are then taken one `get` at a time: cheaper than wasm-bindgen's copy of a
/// whole `Vec<JsValue>`, which goes through a `DataView` write per element.
fn batch_messages(plain: &Rc<Headers>, list: &Array, length: u32, limits: &Limits) -> Result<Vec<Headed<JsPayload>>, JsValue> {
    let sizes = Float64Array::new_with_length(length);
    let read = js::read_batch(list, &sizes);
    if let Some(problem) = read.as_string() {
        return Err(invalid(problem));
    }
    let read: Array = read.unchecked_into();
    let sizes = sizes.to_vec();
    let all_plain = read.get(0).is_truthy();
    let mut batch = Vec::with_capacity(length as usize);
    for (i, size) in (0..length).zip(sizes) {
        let size = size_of_measure(size);
        let (data, headers) = match all_plain {
            true => (read.get(i + 1), plain.clone()),
            false => {
                let (options, attributes) = options_from(&read.get(3 * i + 2), read.get(3 * i + 3), limits)?;
                (read.get(3 * i + 1), headers_for(plain, options, attributes))
            }
        };
        batch.push((JsPayload { data }, headers, size));
    }
    Ok(batch)
}
