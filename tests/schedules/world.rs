//! A broker on a manual clock driven by a [`Plan`], checking the contract after every step
//! and the close contract at the end.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use futures::channel::oneshot;
use futures::FutureExt;
use wasm_pubsub::{
    BreakerState, CloseFuture, CloseReport, Config, Counters, Delivery, DeliveryToken, Error, HealthStatus,
    DeliveryOptions, Limits, Outcome, Overflow, Pattern, PublishOptions, SubscribeOptions, SubscriptionId, SubscriptionState,
};

use super::common::Harness;
use super::plan::*;

/// Topics every schedule starts with (one below `MAX_TOPICS`).
const INITIAL_TOPICS: [&str; 3] = ["a", "a.x", "b"];

const CREATE_CODES: &[&str] = &["INVALID_TOPIC_NAME", "TOPIC_EXISTS", "LIMIT_EXCEEDED", "CLOSED"];
const PUBLISH_CODES: &[&str] = &[
    "INVALID_ARGUMENT",
    "INVALID_TOPIC_NAME",
    "TOPIC_NOT_FOUND",
    "LIMIT_EXCEEDED",
    "MESSAGE_TOO_LARGE",
    "INVALID_ATTRIBUTES",
    "BATCH_TOO_LARGE",
    "QUEUE_FULL",
    "CLOSED",
];
const SUBSCRIBE_CODES: &[&str] =
    &["INVALID_ARGUMENT", "INVALID_TOPIC_NAME", "TOPIC_NOT_FOUND", "SUBSCRIPTION_EXISTS", "LIMIT_EXCEEDED", "CLOSED"];

/// The error text of every scripted failure; no log record may quote it.
const FAILURE_TEXT: &str = "scripted failure";

/// The longest drain timeout a plan uses: advancing past it ends any close.
const MAX_DRAIN_MS: u64 = 5000;

/// Publishes from inside handlers per schedule: a handler that republishes on its own
/// topic would otherwise feed itself for ever.
const MAX_REPUBLISHED: u32 = 32;

/// Deliveries per schedule beyond which the schedule is a runaway loop.
const MAX_DELIVERIES: usize = 20_000;

/// Completes a handler's pending future.
type Settler = oneshot::Sender<Result<(), String>>;

/// What `once` returns: the next matching message, or `CLOSED`.
type Next = futures::future::LocalBoxFuture<'static, wasm_pubsub::Result<Rc<wasm_pubsub::Message<String>>>>;

/// A close in progress: its future and the counters just before it began.
struct Closing {
    future: CloseFuture,
    before: Counters,
}

/// What a handler checks each delivery against: the subscription's target and options,
/// and the last message it saw for the first time, per ordering group.
struct SubInfo {
    pattern: Pattern,
    spec: SubSpec,
    last_first_attempt: RefCell<HashMap<Option<Rc<str>>, u64>>,
    /// The most it may hold queued and its highest attempt: its own options, raised by an
    /// update that left more queued than the new capacity, or allowed more attempts.
    queue_bound: Cell<u32>,
    attempts_bound: Cell<u32>,
}

/// What the handlers and the steps share: the bus, the script and what handlers left behind.
pub struct Ctx {
    bus: wasm_pubsub::Broker<String>,
    script: Vec<Behaviour>,
    cursor: Cell<usize>,
    tokens: RefCell<Vec<DeliveryToken>>,
    senders: RefCell<Vec<Option<Settler>>>,
    subs: RefCell<Vec<SubscriptionId>>,
    onces: RefCell<Vec<(usize, Next)>>,
    info: RefCell<HashMap<u64, Rc<SubInfo>>>,
    replayed: RefCell<HashSet<u64>>,
    closing: RefCell<Option<Closing>>,
    drains: RefCell<Vec<CloseFuture>>,
    publishing: Cell<u32>,
    republished: Cell<u32>,
    last_id: Cell<u64>,
}

/// Runs a whole plan: every step, a check after each, then the close contract.
pub fn run(plan: &Plan) {
    let mut world = World::new(plan);
    for step in &plan.steps {
        world.step(step);
        world.check();
    }
    world.finish(plan.final_drain_ms);
}

pub struct World {
    h: Harness,
    ctx: Rc<Ctx>,
    marker: Rc<()>,
    prev: Counters,
    max_dead_letters: u32,
}

impl World {
    pub fn new(plan: &Plan) -> World {
        let limits = Limits {
            max_topics: MAX_TOPICS,
            max_subscriptions_per_topic: MAX_SUBSCRIPTIONS_PER_TOPIC,
            max_batch_size: MAX_BATCH_SIZE,
            max_message_bytes: MAX_MESSAGE_BYTES,
            max_dead_letters: plan.max_dead_letters,
            ..Limits::default()
        };
        let config = Config { auto_create_topics: plan.auto_create_topics, limits, ..Config::default() };
        let h = Harness::with_config(config);
        let ctx = Rc::new(Ctx {
            bus: h.bus.clone(),
            script: plan.script.clone(),
            cursor: Cell::new(0),
            tokens: RefCell::new(Vec::new()),
            senders: RefCell::new(Vec::new()),
            subs: RefCell::new(Vec::new()),
            onces: RefCell::new(Vec::new()),
            info: RefCell::new(HashMap::new()),
            replayed: RefCell::new(HashSet::new()),
            closing: RefCell::new(None),
            drains: RefCell::new(Vec::new()),
            publishing: Cell::new(0),
            republished: Cell::new(0),
            last_id: Cell::new(0),
        });
        for name in INITIAL_TOPICS {
            h.bus.create_topic(name).expect("initial topic");
        }
        World { h, ctx, marker: Rc::new(()), prev: Counters::default(), max_dead_letters: plan.max_dead_letters }
    }

    pub fn step(&mut self, step: &Step) {
        let ctx = &self.ctx;
        match step {
            Step::CreateTopic(t) => ctx.create_topic(*t),
            Step::DeleteTopic(t) => ctx.delete_topic(*t),
            Step::Subscribe(spec) => ctx.subscribe(spec, &self.marker),
            Step::Once(t) => ctx.once(*t),
            Step::Publish(t, message) => ctx.publish(*t, std::slice::from_ref(message), false),
            Step::PublishBatch(t, messages) => ctx.publish(*t, messages, true),
            Step::Settle { token, ok } => ctx.settle(*token, *ok),
            Step::Resolve { future, how } => ctx.resolve(*future, *how),
            Step::Advance(ms) => self.h.advance(*ms),
            Step::RunUntilIdle => self.h.run(),
            Step::Pause(i) => ctx.with_sub(*i, |id| ctx.bus.pause(id)),
            Step::Resume(i) => ctx.with_sub(*i, |id| ctx.bus.resume(id)),
            Step::Unsubscribe(i) => ctx.with_sub(*i, |id| { ctx.bus.unsubscribe(id); }),
            Step::Replay(filter) => ctx.replay(*filter),
            Step::Purge => {
                let stored = ctx.bus.dead_letters().len();
                if ctx.is_closing() {
                    assert_eq!(ctx.bus.purge_dead_letters(), Err(Error::Closed));
                    assert_eq!(ctx.bus.dead_letters().len(), stored, "a refused purge keeps the letters");
                } else {
                    assert_eq!(ctx.bus.purge_dead_letters(), Ok(stored));
                    assert_eq!(ctx.bus.health().dead_letters, 0);
                }
            }
            Step::Close(ms) => ctx.close(*ms),
            Step::Update(i, spec) => ctx.with_sub(*i, |id| ctx.update(id, spec)),
            Step::Drain(ms) => ctx.drain(*ms),
            Step::Evacuate => ctx.evacuate(),
            Step::HandOver(i) => ctx.with_sub(*i, |id| ctx.hand_over(id)),
            Step::Configure { max_dead_letters, max_delivery_attempts } => self.configure(*max_dead_letters, *max_delivery_attempts),
        }
    }

    /// Changes the store's bound and the delivery defaults: a smaller store evicts its
    /// oldest letters at once, counted; subscriptions keep their own options.
    fn configure(&mut self, max_dead_letters: u32, max_delivery_attempts: u32) {
        let mut config = self.h.bus.config();
        config.limits.max_dead_letters = max_dead_letters;
        config.delivery.max_delivery_attempts = max_delivery_attempts;
        let (stored, evicted) = (self.h.bus.dead_letters().len() as u64, self.h.bus.counters().dead_letters_evicted);
        match self.h.bus.configure(config) {
            Ok(()) => {
                let kept = stored.min(u64::from(max_dead_letters));
                assert_eq!(self.h.bus.dead_letters().len() as u64, kept);
                assert_eq!(self.h.bus.counters().dead_letters_evicted - evicted, stored - kept);
                self.max_dead_letters = max_dead_letters;
            }
            Err(err) => self.ctx.expect_code("configure", &err, &["CLOSED"], self.ctx.is_closing()),
        }
    }

    /// The invariants that hold between any two steps.
    pub fn check(&mut self) {
        let c = self.h.bus.counters();
        self.h.assert_accounting();
        assert_monotonic(&self.prev, &c);
        assert_eq!(self.h.dead.borrow().len() as u64, c.dead_lettered, "the hook sees every dead letter once");
        assert!(c.retried <= c.failed && c.routed + c.unrouted >= c.published, "{c:?}");
        let health = self.h.bus.health();
        match (self.ctx.is_closing(), health.status) {
            (false, HealthStatus::Healthy | HealthStatus::Degraded) => {}
            (true, HealthStatus::Closing | HealthStatus::Closed) => {}
            (closing, status) => panic!("health {status:?} while closing={closing}"),
        }
        assert!(health.dead_letters <= u64::from(self.max_dead_letters));
        if health.status == HealthStatus::Closed {
            assert_eq!((c.queued, c.in_flight, self.h.clock.pending_timers()), (0, 0, 0), "closed means idle");
        } else {
            assert_eq!(c.delivered, c.acked + c.failed + c.in_flight, "every attempt settles once: {c:?}");
        }
        self.subscriptions_stay_within_their_bounds(&c);
        self.prev = c;
    }

    /// Every live subscription: at most `maxInFlight` in flight, a queue bounded by its
    /// capacity (plus the failed deliveries it took back for a retry).
    fn subscriptions_stay_within_their_bounds(&self, c: &Counters) {
        let metrics = self.h.bus.metrics();
        assert_eq!(metrics.per_subscription.iter().map(|s| s.queued).sum::<u64>(), c.queued);
        assert!(metrics.per_subscription.iter().map(|s| s.in_flight).sum::<u64>() <= c.in_flight);
        let info = self.ctx.info.borrow();
        for &id in self.ctx.subs.borrow().iter() {
            let Some(name) = self.h.bus.subscription_name(id) else { continue };
            let Some(m) = metrics.per_subscription.iter().find(|m| m.name == name) else { continue };
            let spec = &info[&id.0].spec;
            assert!(m.in_flight <= u64::from(spec.max_in_flight), "{m:?} exceeds maxInFlight {}", spec.max_in_flight);
            let bound = u64::from(info[&id.0].queue_bound.get() + spec.max_in_flight);
            assert!(m.queued <= bound, "{m:?} exceeds queueCapacity {}", info[&id.0].queue_bound.get());
        }
    }

    /// Closes (if no step did), runs the clock past the deadline and checks the close contract.
    pub fn finish(self, drain_ms: u32) {
        if !self.ctx.is_closing() {
            self.ctx.close(drain_ms);
        }
        self.h.advance(MAX_DRAIN_MS + 1);
        let (future, before) = {
            let closing = self.ctx.closing.borrow();
            let closing = closing.as_ref().expect("close began");
            (closing.future.clone(), closing.before)
        };
        let report = future.now_or_never().expect("close resolves by its deadline");
        let c = self.h.bus.counters();
        let expected = CloseReport { drained: c.acked - before.acked, dead_lettered: c.dead_lettered - before.dead_lettered };
        assert_eq!(report, expected, "the report counts acks and dead letters since close began");
        assert_eq!((c.queued, c.in_flight), (0, 0), "nothing is left queued or in flight");
        assert_eq!(self.h.clock.pending_timers(), 0, "every timer is cleared");
        assert_eq!(self.h.bus.health().status, HealthStatus::Closed);
        assert_eq!(self.h.dead.borrow().len() as u64, c.dead_lettered, "the hook saw every dead letter");
        self.h.assert_accounting();
        self.ctx.late_settlements_change_nothing(&self.h);
        self.ctx.every_once_ended();
        let drains = std::mem::take(&mut *self.ctx.drains.borrow_mut());
        assert!(drains.into_iter().all(|d| d.now_or_never().is_some()), "every drain resolved by the close");
        self.ctx.every_mutating_call_is_closed();
        assert_eq!(self.ctx.bus.close(0).now_or_never(), Some(report), "close is idempotent");
        self.logs_tell_the_close_once_and_never_quote_errors();
        assert_eq!(Rc::strong_count(&self.marker), 1, "every handler was released");
        assert_eq!(Rc::strong_count(&self.ctx), 1, "nothing the bus owned still holds the handlers' state");
        assert_eq!(Rc::strong_count(&self.h.logs), 1, "the logger was released");
        assert_eq!(Rc::strong_count(&self.h.dead), 1, "the dead-letter hook was released");
    }

    fn logs_tell_the_close_once_and_never_quote_errors(&self) {
        let logs = self.h.logs.borrow();
        let count = |event: &str| logs.iter().filter(|r| r.event == event).count();
        assert_eq!((count("close.started"), count("close.finished")), (1, 1));
        let quoting = logs.iter().find(|r| r.message.as_deref().is_some_and(|m| m.contains(FAILURE_TEXT)));
        assert!(quoting.is_none(), "a log record quotes a handler error: {quoting:?}");
    }
}

fn assert_monotonic(prev: &Counters, next: &Counters) {
    let decreased = prev.totals().iter().zip(next.totals()).any(|(before, after)| after < *before);
    assert!(!decreased, "a counter went down:\n{prev:?}\n{next:?}");
}

impl Ctx {
    fn is_closing(&self) -> bool {
        self.closing.borrow().is_some()
    }

    /// Checks an error code against the operation's documented codes: `CLOSED` exactly
    /// when the bus is closing.
    fn expect_code(&self, op: &str, err: &Error, allowed: &[&str], closing: bool) {
        let code = err.code();
        assert!(allowed.contains(&code), "{op} returned undocumented {code}: {err}");
        assert_eq!(code == "CLOSED", closing, "{op} returned {code} with closing={closing}");
    }

    fn create_topic(&self, t: usize) {
        let (name, closing) = (TOPICS[t], self.is_closing());
        let expected = if closing {
            Some("CLOSED")
        } else if name.contains("..") {
            Some("INVALID_TOPIC_NAME")
        } else if self.bus.has_topic(name) {
            Some("TOPIC_EXISTS")
        } else if self.bus.topics().len() >= MAX_TOPICS as usize {
            Some("LIMIT_EXCEEDED")
        } else {
            None
        };
        let result = self.bus.create_topic(name);
        if let Err(err) = &result {
            self.expect_code("create_topic", err, CREATE_CODES, closing);
        }
        assert_eq!(result.err().map(|e| e.code()), expected, "create_topic({name:?})");
    }

    fn delete_topic(&self, t: usize) {
        let existed = self.bus.has_topic(TOPICS[t]);
        let expected = if self.is_closing() { Err(Error::Closed) } else { Ok(existed) };
        assert_eq!(self.bus.delete_topic(TOPICS[t]), expected);
        assert!(self.is_closing() || !self.bus.has_topic(TOPICS[t]));
    }

    fn subscribe(self: &Rc<Self>, spec: &SubSpec, marker: &Rc<()>) {
        let closing = self.is_closing();
        let ctx = self.clone();
        let held = marker.clone();
        let handler = move |d: &Delivery<'_, String>| {
            let _ = &held;
            ctx.deliver(d)
        };
        match self.bus.subscribe(TARGETS[spec.target], spec.options(), handler) {
            Ok(id) => {
                assert!(!closing, "subscribe succeeded while closing");
                self.subs.borrow_mut().push(id);
                let pattern = Pattern::parse(TARGETS[spec.target], 255).expect("a target the bus accepted parses");
                let (queue_bound, attempts_bound) = (Cell::new(spec.queue_capacity), Cell::new(spec.max_delivery_attempts));
                let info = SubInfo { pattern, spec: spec.clone(), last_first_attempt: RefCell::default(), queue_bound, attempts_bound };
                self.info.borrow_mut().insert(id.0, Rc::new(info));
            }
            Err(err) => self.expect_code("subscribe", &err, SUBSCRIBE_CODES, closing),
        }
    }

    fn once(&self, t: usize) {
        let closing = self.is_closing();
        match self.bus.once(TARGETS[t]) {
            Ok((_, next)) => {
                assert!(!closing, "once succeeded while closing");
                self.onces.borrow_mut().push((t, next));
            }
            Err(err) => self.expect_code("once", &err, SUBSCRIBE_CODES, closing),
        }
    }

    /// After the close: every `once` has its message (of a matching topic) or `CLOSED`.
    fn every_once_ended(&self) {
        for (t, next) in self.onces.borrow_mut().drain(..) {
            match next.now_or_never().expect("once ends when the bus closes") {
                Ok(message) => {
                    let pattern = Pattern::parse(TARGETS[t], 255).expect("an accepted target parses");
                    assert!(pattern.matches(message.topic()), "once({}) got {}", TARGETS[t], message.topic());
                }
                Err(err) => assert_eq!(err, Error::Closed),
            }
        }
    }

    fn publish(&self, t: usize, messages: &[MsgSpec], batch: bool) {
        let closing = self.is_closing();
        let before = self.bus.counters();
        let mut built: Vec<(String, PublishOptions)> = messages.iter().map(MsgSpec::message).collect();
        let count = built.len() as u64;
        self.publishing.set(self.publishing.get() + 1);
        let result = if batch {
            self.bus.publish_batch(TOPICS[t], built)
        } else {
            let (data, options) = built.remove(0);
            self.bus.publish(TOPICS[t], data, options).map(|id| vec![id])
        };
        self.publishing.set(self.publishing.get() - 1);
        let after = self.bus.counters();
        match result {
            Ok(ids) => {
                assert!(!closing, "publish succeeded while closing");
                assert_eq!(ids.len() as u64, count);
                for id in ids {
                    assert!(id > self.last_id.get(), "message ids strictly increase");
                    self.last_id.set(id);
                }
                assert_eq!((after.published, after.rejected), (before.published + count, before.rejected));
            }
            Err(err) => {
                self.expect_code("publish", &err, PUBLISH_CODES, closing);
                assert_eq!(after.rejected, before.rejected + count, "each refused message is counted");
                assert_eq!((after.published, after.routed), (before.published, before.routed), "all or nothing");
            }
        }
    }

    fn settle(&self, i: usize, ok: bool) {
        let token = {
            let tokens = self.tokens.borrow();
            if tokens.is_empty() {
                return;
            }
            tokens[i % tokens.len()]
        };
        self.bus.settle(token, if ok { Ok(()) } else { Err(FAILURE_TEXT.into()) });
    }

    fn resolve(&self, i: usize, how: Resolution) {
        let sender = {
            let mut senders = self.senders.borrow_mut();
            let len = senders.len();
            if len == 0 {
                return;
            }
            senders[i % len].take()
        };
        let Some(sender) = sender else { return };
        match how {
            Resolution::Ok => drop(sender.send(Ok(()))),
            Resolution::Err => drop(sender.send(Err(FAILURE_TEXT.into()))),
            Resolution::Drop => drop(sender),
        }
    }

    fn with_sub(&self, i: usize, act: impl FnOnce(SubscriptionId)) {
        let id = {
            let subs = self.subs.borrow();
            if subs.is_empty() {
                return;
            }
            subs[i % subs.len()]
        };
        act(id);
    }

    fn replay(&self, filter: ReplayFilter) {
        let closing = self.is_closing();
        let (before, stored) = (self.bus.counters(), self.bus.dead_letters().len());
        let result = self.bus.replay_dead_letters(|letter| {
            let chosen = match filter {
                ReplayFilter::All => true,
                ReplayFilter::None => false,
                ReplayFilter::Reason(reason) => letter.reason.as_str() == reason,
                ReplayFilter::Subscription(name) => &*letter.subscription == name,
            };
            if chosen {
                self.replayed.borrow_mut().insert(letter.message.id);
            }
            chosen
        });
        match result {
            Ok(replayed) => {
                assert!(!closing, "replay succeeded while closing");
                let after = self.bus.counters();
                assert_eq!((after.routed, after.queued), (before.routed + replayed as u64, before.queued + replayed as u64));
                assert_eq!(self.bus.dead_letters().len(), stored - replayed, "replayed letters leave the store");
            }
            Err(err) => self.expect_code("replay_dead_letters", &err, &["CLOSED"], closing),
        }
    }

    /// Changes a subscription's delivery options: what the report says it dead-lettered is
    /// what the counters show, and its queue stays within the larger of the new capacity
    /// and what it held.
    fn update(&self, id: SubscriptionId, spec: &UpdateSpec) {
        let closing = self.is_closing();
        let Some(current) = self.bus.subscription_options(id) else {
            let err = self.bus.update_subscription(id, Default::default()).expect_err("an ended subscription");
            return assert_eq!(err.code(), "CLOSED", "{err}");
        };
        let overflow = if spec.dead_letter_oldest { Overflow::DeadLetterOldest } else { Overflow::Reject };
        let options = DeliveryOptions {
            queue_capacity: spec.queue_capacity,
            overflow,
            max_delivery_attempts: spec.max_delivery_attempts,
            ack_timeout_ms: spec.ack_timeout_ms,
            ..current
        };
        let before = self.bus.counters().dead_lettered;
        match self.bus.update_subscription(id, options) {
            Ok(report) => {
                assert_eq!(self.bus.counters().dead_lettered - before, u64::from(report.dead_lettered));
                let queued = self.bus.metrics().per_subscription.iter().find(|m| Some(&m.name) == self.bus.subscription_name(id).as_ref()).map_or(0, |m| m.queued);
                assert!(queued <= u64::from(spec.queue_capacity + report.over_capacity), "{queued} queued after {report:?}");
                let info = self.info.borrow();
                let info = &info[&id.0];
                info.queue_bound.set(spec.queue_capacity.max(info.queue_bound.get().min(spec.queue_capacity + report.over_capacity)));
                info.attempts_bound.set(info.attempts_bound.get().max(spec.max_delivery_attempts));
            }
            Err(err) => self.expect_code("update_subscription", &err, &["CLOSED"], closing),
        }
    }

    /// Begins a drain, which must have resolved by the end of the schedule.
    fn drain(&self, drain_ms: u32) {
        match self.bus.drain(drain_ms) {
            Ok(future) => {
                assert!(!self.is_closing(), "drain began while closing");
                self.drains.borrow_mut().push(future);
            }
            Err(err) => self.expect_code("drain", &err, &["CLOSED"], self.is_closing()),
        }
    }

    /// Dead-letters everything at once: the count it returns is what the counters show.
    fn evacuate(&self) {
        let before = self.bus.counters();
        match self.bus.evacuate() {
            Ok(count) => {
                let after = self.bus.counters();
                assert_eq!(after.dead_lettered - before.dead_lettered, count);
                assert!(after.queued == 0 && after.in_flight <= before.in_flight, "{after:?}");
            }
            Err(err) => self.expect_code("evacuate", &err, &["CLOSED"], true),
        }
    }

    /// Hands over what a subscription holds: every message it had queued or in flight is
    /// discarded and returned, and it stays as it was (live or ended) unless that was the
    /// last work of a close, which then ends.
    fn hand_over(&self, id: SubscriptionId) {
        let (before, state) = (self.bus.counters(), self.bus.subscription_state(id));
        let handed = self.bus.hand_over(id).len() as u64;
        let after = self.bus.counters();
        assert_eq!(after.discarded - before.discarded, handed);
        assert_eq!((before.queued + before.in_flight) - (after.queued + after.in_flight), handed);
        if !self.is_closing() {
            assert_eq!(self.bus.subscription_state(id), state);
        }
    }

    /// Begins a close (or checks that a second call returns the same future).
    fn close(&self, drain_ms: u32) {
        let before = self.bus.counters();
        let future = self.bus.close(drain_ms);
        let mut closing = self.closing.borrow_mut();
        match &*closing {
            Some(first) => assert!(first.future.ptr_eq(&future), "a second close returns the same future"),
            None => *closing = Some(Closing { future, before }),
        }
    }

    /// One handler call: the next behaviour of the script.
    fn deliver(&self, d: &Delivery<'_, String>) -> Outcome {
        assert_eq!(self.publishing.get(), 0, "a handler ran inside publish");
        assert_eq!(d.message.data, "x", "only accepted data is delivered");
        self.check_delivery(d);
        let turn = self.cursor.get();
        assert!(turn < MAX_DELIVERIES, "runaway: more than {MAX_DELIVERIES} deliveries in one schedule");
        self.cursor.set(turn + 1);
        let behaviour = self.script[turn % self.script.len()];
        let own = SubscriptionId(d.token.subscription);
        match behaviour {
            Behaviour::Ack => Outcome::Ack,
            Behaviour::Fail => Outcome::Fail(FAILURE_TEXT.into()),
            Behaviour::Deferred => {
                self.tokens.borrow_mut().push(d.token);
                Outcome::Deferred
            }
            Behaviour::Ready(ok) => {
                let result = if ok { Ok(()) } else { Err(FAILURE_TEXT.to_string()) };
                Outcome::Pending(Box::pin(futures::future::ready(result)))
            }
            Behaviour::Later => {
                let (sender, receiver) = oneshot::channel();
                self.senders.borrow_mut().push(Some(sender));
                let dropped = || Err(FAILURE_TEXT.to_string());
                Outcome::Pending(Box::pin(receiver.map(move |r| r.unwrap_or_else(|_| dropped()))))
            }
            Behaviour::Publish(t) if self.republished.get() < MAX_REPUBLISHED => {
                self.republished.set(self.republished.get() + 1);
                self.publish(t, &[MsgSpec { big: false, attributes: 0, key: 0 }], false);
                Outcome::Ack
            }
            Behaviour::Publish(_) => Outcome::Ack,
            Behaviour::UnsubscribeSelf(ack) => {
                self.bus.unsubscribe(own);
                if ack { Outcome::Ack } else { Outcome::Fail(FAILURE_TEXT.into()) }
            }
            Behaviour::Unsubscribe(i) => {
                self.with_sub(i, |id| { self.bus.unsubscribe(id); });
                Outcome::Ack
            }
            Behaviour::PauseSelf => {
                self.bus.pause(own);
                Outcome::Ack
            }
            Behaviour::Close(ms) => {
                self.close(ms);
                Outcome::Ack
            }
        }
    }

    /// A delivery goes to an active subscription whose breaker lets it through, that matches
    /// the topic and filter, within `maxDeliveryAttempts`. First attempts come in publish
    /// order: all of them with `maxInFlight` 1, per ordering key (and among messages without
    /// one) above that, where a free key may overtake a blocked one. A replayed message
    /// comes again later, so it is left out.
    fn check_delivery(&self, d: &Delivery<'_, String>) {
        let own = SubscriptionId(d.token.subscription);
        assert_eq!(self.bus.subscription_state(own), SubscriptionState::Active, "delivery to a non-active subscription");
        assert_ne!(self.bus.breaker_state(own), BreakerState::Open, "delivery through an open breaker");
        let info = self.info.borrow().get(&own.0).cloned().expect("a subscription the schedule made");
        assert!(info.pattern.matches(d.message.topic()), "{:?} got {}", info.pattern, d.message.topic());
        let wanted = ("k".to_string(), "1".to_string());
        assert!(!info.spec.filter || d.message.headers.attributes.contains(&wanted), "the filter let a message through");
        assert!((1..=info.attempts_bound.get()).contains(&d.attempt), "attempt {}", d.attempt);
        if d.attempt == 1 && !self.replayed.borrow().contains(&d.message.id) {
            let group = if info.spec.max_in_flight == 1 { None } else { d.message.ordering_key().map(Rc::from) };
            let mut last = info.last_first_attempt.borrow_mut();
            let previous = last.insert(group.clone(), d.message.id).unwrap_or(0);
            assert!(d.message.id > previous, "first attempts out of publish order in group {group:?}");
        }
    }

    /// After the close resolved: settling tokens and completing futures changes no counter.
    fn late_settlements_change_nothing(&self, h: &Harness) {
        let before = self.bus.counters();
        let tokens: Vec<DeliveryToken> = self.tokens.borrow().clone();
        for token in tokens {
            self.bus.settle(token, Ok(()));
        }
        let senders: Vec<_> = self.senders.borrow_mut().iter_mut().filter_map(Option::take).collect();
        for sender in senders {
            let _ = sender.send(Ok(()));
        }
        h.advance(MAX_DRAIN_MS);
        assert_eq!(self.bus.counters(), before, "a settlement after close is ignored");
        assert_eq!(h.clock.pending_timers(), 0);
    }

    fn every_mutating_call_is_closed(&self) {
        let closed = Err(Error::Closed);
        assert_eq!(self.bus.create_topic("late").map(drop), closed);
        assert_eq!(self.bus.delete_topic("a").map(drop), closed);
        assert_eq!(self.bus.publish("a", "x".into(), PublishOptions::default()).map(drop), closed);
        let batch = vec![("x".to_string(), PublishOptions::default())];
        assert_eq!(self.bus.publish_batch("a", batch).map(drop), closed);
        let subscribed = self.bus.subscribe(">", SubscribeOptions::default(), |_: &Delivery<'_, String>| Outcome::Ack);
        assert_eq!(subscribed.map(drop), closed);
        assert_eq!(self.bus.replay_dead_letters(|_| true).map(drop), closed);
        assert_eq!(self.bus.purge_dead_letters().map(drop), closed);
    }
}
