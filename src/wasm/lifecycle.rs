//! The rest of `PubSub`: `once`, `close`, metrics, health and the dead-letter store.

use std::rc::Rc;

use std::cell::Cell;

use futures::future::LocalBoxFuture;
use futures::FutureExt;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::abort::AbortWatch;
use super::bus::signal;
use super::convert::{check_shape, config_value, get, invalid, string_arg, to_js, topic_arg, Shape};
use super::handler::{message_object, JsPayload};
use super::objects::{close_report, dead_letter, health, metrics};
use super::pubsub::PubSub;
use super::types::{optional, CloseOptionsArg, OnceOptionsArg, ReplayFilterArg};
use crate::{parse_millis, Broker, DeadLetter, Error, HealthStatus};

/// `close()` drains for this long unless told otherwise.
const DEFAULT_DRAIN_TIMEOUT_MS: u32 = 5000;

#[wasm_bindgen]
impl PubSub {
    /// The next message matching a topic or pattern. Rejects with `ABORTED` when the
    /// signal aborts and `CLOSED` when the bus closes first.
    ///
    /// ```js
    /// const msg = await bus.once("orders.>", { signal: AbortSignal.timeout(1000) });
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<Message>")]
    pub fn once(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        options: Option<OnceOptionsArg>,
    ) -> Promise {
        let options = optional(options);
        match self.live().and_then(|()| self.start_once(&topic, &options)) {
            Ok(promise) => promise,
            Err(error) => Promise::reject(&error),
        }
    }

    fn start_once(&self, topic: &JsValue, options: &JsValue) -> Result<Promise, JsValue> {
        let target = topic_arg(topic, self.max_name())?;
        if !options.is_undefined() {
            check_shape(options, Shape::Once, "options")?;
        }
        let signal = signal(options)?;
        if signal.as_ref().is_some_and(super::abort::is_aborted) {
            return Err(to_js(Error::Aborted));
        }
        let (id, next) = self.bus.broker.once(&target).map_err(to_js)?;
        let aborted = Rc::new(Cell::new(false));
        let (flag, broker) = (aborted.clone(), self.bus.broker.downgrade());
        let watch = signal.as_ref().and_then(|signal| {
            AbortWatch::on_abort(signal, &self.bus.callbacks, move || {
                flag.set(true);
                if let Some(broker) = broker.upgrade() {
                    broker.unsubscribe(id);
                }
            })
        });
        let (broker, target) = (self.bus.broker.downgrade(), Rc::<str>::from(target));
        Ok(promise(
            async move {
                let outcome = next.await;
                drop(watch);
                match outcome {
                    Ok(message) => Ok(message_object(&message, 1)),
                    Err(_) => Err(to_js(once_ended(aborted.get(), broker.upgrade().as_ref(), &target))),
                }
            }
            .boxed_local(),
        ))
    }

    /// Closes the bus: new calls throw `CLOSED`; queued and in-flight messages get until
    /// `drainTimeoutMs` (default 5000) to settle; the rest is dead-lettered with reason
    /// `SHUTDOWN`. Idempotent: a second call returns the same promise.
    ///
    /// ```js
    /// const { drained, deadLettered } = await bus.close({ drainTimeoutMs: 2000 });
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<CloseReport>")]
    pub fn close(
        &self,
        options: Option<CloseOptionsArg>,
    ) -> Promise {
        let options = optional(options);
        if let Some(promise) = self.bus.close_promise.borrow().as_ref() {
            return promise.clone();
        }
        if let Err(error) = self.bus.live() {
            return Promise::reject(&error);
        }
        match drain_timeout(&options) {
            Ok(timeout) => self.close_within(timeout),
            Err(error) => Promise::reject(&error),
        }
    }
}

impl PubSub {
    /// `close()` with a drain deadline of `timeout` milliseconds.
    pub(crate) fn close_within(&self, timeout: u32) -> Promise {
        if let Some(promise) = self.bus.close_promise.borrow().as_ref() {
            return promise.clone();
        }
        self.bus.bridges.close_all();
        self.bus.fail_requests();
        let closing = self.bus.broker.close(timeout);
        // The logger may have called close() re-entrantly while the core began closing.
        if let Some(promise) = self.bus.close_promise.borrow().as_ref() {
            return promise.clone();
        }
        let promise = promise(async move { Ok(close_report(&closing.await)) }.boxed_local());
        self.bus.close_promise.replace(Some(promise.clone()));
        promise
    }
}

#[wasm_bindgen]
impl PubSub {

    /// Counters, gauges, latency percentiles and per-subscription figures.
    ///
    /// ```js
    /// const m = bus.metrics();
    /// console.log(m.acked, m.latencyMs.p99, m.perSubscription["saver"].queued);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "MetricsSnapshot")]
    pub fn metrics(&self) -> Result<JsValue, JsValue> {
        self.live()?;
        Ok(metrics(&self.bus.broker.metrics()))
    }

    /// `healthy`, `degraded` (a breaker not closed, or a queue ≥ 90% full), `closing` or `closed`.
    ///
    /// ```js
    /// if (bus.health().status !== "healthy") report(bus.health());
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Health")]
    pub fn health(&self) -> Result<JsValue, JsValue> {
        self.live()?;
        Ok(health(&self.bus.broker.health()))
    }

    /// The dead letters kept in memory, oldest first.
    ///
    /// ```js
    /// for (const dl of bus.deadLetters()) console.log(dl.reason, dl.message.id);
    /// ```
    #[wasm_bindgen(js_name = deadLetters, unchecked_return_type = "DeadLetter[]")]
    pub fn dead_letters(&self) -> Result<Array, JsValue> {
        self.live()?;
        Ok(self.bus.broker.dead_letters().iter().map(|l| dead_letter(l)).collect())
    }

    /// Empties the dead-letter store; returns how many letters it held. Throws `CLOSED`
    /// once the bus is closing or closed.
    ///
    /// ```js
    /// bus.purgeDeadLetters(); // 3
    /// ```
    #[wasm_bindgen(js_name = purgeDeadLetters)]
    pub fn purge_dead_letters(&self) -> Result<u32, JsValue> {
        self.live()?;
        self.bus.broker.purge_dead_letters().map(|n| n as u32).map_err(to_js)
    }

    /// Queues matching dead letters again on the subscriptions they came from (same message
    /// id, attempts from 1). `filter` is `{ topic?, subscription?, reason? }` or a predicate.
    /// Letters whose subscription is gone stay. Returns how many were queued.
    ///
    /// ```js
    /// bus.replayDeadLetters({ subscription: "saver", reason: "MAX_ATTEMPTS" });
    /// bus.replayDeadLetters((dl) => dl.message.topic.startsWith("orders."));
    /// ```
    #[wasm_bindgen(js_name = replayDeadLetters)]
    pub fn replay_dead_letters(
        &self,
        filter: Option<ReplayFilterArg>,
    ) -> Result<u32, JsValue> {
        self.live()?;
        let filter = optional(filter);
        let chosen = self.choose_letters(&filter)?;
        let replayed = self.bus.broker.replay_dead_letters(|l| chosen.iter().any(|c| std::ptr::eq(c.as_ref(), l)));
        replayed.map(|n| n as u32).map_err(to_js)
    }

    /// The letters `filter` selects, decided before any is touched.
    fn choose_letters(&self, filter: &JsValue) -> Result<Vec<Rc<DeadLetter<JsPayload>>>, JsValue> {
        let letters = self.bus.broker.dead_letters();
        let pick = match filter.dyn_ref::<Function>() {
            Some(predicate) => Pick::Predicate(predicate),
            None => Pick::Fields(LetterFilter::read(filter, self.max_name())?),
        };
        let mut chosen = Vec::new();
        for letter in letters {
            if pick.keeps(&letter)? {
                chosen.push(letter);
            }
        }
        Ok(chosen)
    }
}

/// What `replayDeadLetters` picks letters with.
enum Pick<'a> {
    /// `(dl) => boolean`; a throw stops the replay.
    Predicate(&'a Function),
    /// `{ topic?, subscription?, reason? }`.
    Fields(LetterFilter),
}

impl Pick<'_> {
    fn keeps(&self, letter: &Rc<DeadLetter<JsPayload>>) -> Result<bool, JsValue> {
        match self {
            Pick::Predicate(predicate) => {
                let keep = predicate.call1(&JsValue::UNDEFINED, &dead_letter(letter));
                Ok(keep.map_err(|_| invalid("the replay predicate threw"))?.is_truthy())
            }
            Pick::Fields(fields) => Ok(fields.matches(letter)),
        }
    }
}

/// `{ topic?, subscription?, reason? }`.
struct LetterFilter {
    topic: Option<String>,
    subscription: Option<String>,
    reason: Option<String>,
}

impl LetterFilter {
    /// Reads `{ topic?, subscription?, reason? }` (no other key); `max_chars` bounds each
    /// string (no longer one can match a letter).
    fn read(filter: &JsValue, max_chars: u32) -> Result<Self, JsValue> {
        if filter.is_undefined() {
            return Ok(LetterFilter { topic: None, subscription: None, reason: None });
        }
        if !filter.is_object() {
            return Err(invalid("filter must be an object or a function"));
        }
        check_shape(filter, Shape::Replay, "filter")?;
        let field = |key: &str| -> Result<Option<String>, JsValue> {
            let value = get(filter, key)?;
            match value.is_undefined() {
                true => Ok(None),
                false => string_arg(&value, &format!("filter.{key}"), max_chars).map(Some),
            }
        };
        Ok(LetterFilter { topic: field("topic")?, subscription: field("subscription")?, reason: field("reason")? })
    }

    fn matches(&self, letter: &DeadLetter<JsPayload>) -> bool {
        let same = |wanted: &Option<String>, actual: &str| wanted.as_deref().is_none_or(|w| w == actual);
        same(&self.topic, &letter.message.headers.topic)
            && same(&self.subscription, &letter.subscription)
            && same(&self.reason, letter.reason.as_str())
    }
}

/// Why a `once` ended without a message: its signal aborted (`ABORTED`), the bus closed
/// (`CLOSED`), or its topic was deleted (`TOPIC_NOT_FOUND`).
fn once_ended(aborted: bool, broker: Option<&Broker<JsPayload>>, target: &str) -> Error {
    let open = broker.is_some_and(|b| !matches!(b.health().status, HealthStatus::Closing | HealthStatus::Closed));
    match (aborted, open) {
        (true, _) => Error::Aborted,
        (false, false) => Error::Closed,
        (false, true) => Error::TopicNotFound(target.to_owned()),
    }
}

/// The promise of a boxed future: boxing gives `once` and `close` one copy of
/// `future_to_promise` instead of one per future type.
pub(crate) fn promise(future: LocalBoxFuture<'static, Result<JsValue, JsValue>>) -> Promise {
    future_to_promise(future)
}

fn drain_timeout(options: &JsValue) -> Result<u32, JsValue> {
    millis_option(options, Shape::Close, "drainTimeoutMs", "close options")
}

/// Option `key` (milliseconds, default [`DEFAULT_DRAIN_TIMEOUT_MS`]) of an options object of
/// `shape`, named `what` in errors.
pub(crate) fn millis_option(options: &JsValue, shape: Shape, key: &str, what: &str) -> Result<u32, JsValue> {
    if options.is_undefined() {
        return Ok(DEFAULT_DRAIN_TIMEOUT_MS);
    }
    check_shape(options, shape, what)?;
    let value = config_value(&get(options, key)?, &[], 0)?;
    let parsed = parse_millis(key, &value).map_err(to_js)?;
    Ok(parsed.unwrap_or(DEFAULT_DRAIN_TIMEOUT_MS))
}
