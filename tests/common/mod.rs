//! Shared harness for the native scenario tests: a broker on a manual clock whose
//! handlers record what they see.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_pubsub::{
    Broker, Clock, Config, ConfigValue, Delivery, DeliveryToken, Hooks, LogRecord, ManualClock, Outcome,
    PublishOptions, SubscribeOptions, SubscriptionId, TimerId,
};

/// What a recording handler saw: (topic, data, attempt).
pub type Seen = Rc<RefCell<Vec<(String, String, u32)>>>;

/// What the dead-letter callback saw: (message id, subscription, reason, attempts).
pub type DeadEntry = (u64, String, &'static str, u32);

pub struct Harness {
    pub clock: ManualClock,
    pub bus: Broker<String>,
    pub logs: Rc<RefCell<Vec<LogRecord>>>,
    pub dead: Rc<RefCell<Vec<DeadEntry>>>,
}

impl Harness {
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }

    pub fn with_json(json: serde_json::Value) -> Self {
        Self::with_config(Config::from_value(&value(json)).expect("valid config"))
    }

    pub fn with_config(config: Config) -> Self {
        let clock = ManualClock::new();
        let logs = Rc::new(RefCell::new(Vec::new()));
        let dead = Rc::new(RefCell::new(Vec::new()));
        let (log_sink, dead_sink) = (logs.clone(), dead.clone());
        let hooks = Hooks {
            logger: Some(Rc::new(move |r: &LogRecord| log_sink.borrow_mut().push(r.clone()))),
            on_dead_letter: Some(Rc::new(move |l: &Rc<wasm_pubsub::DeadLetter<String>>| {
                let entry = (l.message.id, l.subscription.to_string(), l.reason.as_str(), l.attempts);
                dead_sink.borrow_mut().push(entry);
                Outcome::Ack
            })),
            on_publish: None,
            on_letters_removed: None,
        };
        let bus = Broker::with_hooks(config, SpinGuard::new(clock.clone()), clock.clone(), hooks);
        Harness { clock, bus, logs, dead }
    }

    pub fn publish(&self, topic: &str, data: &str) -> u64 {
        self.bus.publish(topic, data.to_string(), PublishOptions::default()).expect("publish")
    }

    pub fn publish_keyed(&self, topic: &str, data: &str, key: &str) -> u64 {
        let options = PublishOptions { ordering_key: Some(key.into()), ..Default::default() };
        self.bus.publish(topic, data.to_string(), options).expect("publish")
    }

    /// Subscribes a handler that records each delivery and answers with `outcome`.
    pub fn record(
        &self,
        target: &str,
        options: SubscribeOptions,
        outcome: impl Fn(&Delivery<'_, String>) -> Outcome + 'static,
    ) -> (SubscriptionId, Seen) {
        let seen: Seen = Rc::new(RefCell::new(Vec::new()));
        let sink = seen.clone();
        let handler = move |d: &Delivery<'_, String>| {
            let entry = (d.message.topic().to_string(), d.message.data.clone(), d.attempt);
            sink.borrow_mut().push(entry);
            outcome(d)
        };
        (self.bus.subscribe(target, options, handler).expect("subscribe"), seen)
    }

    /// Subscribes a handler that defers every delivery and keeps the tokens.
    pub fn deferred(&self, target: &str, options: SubscribeOptions) -> (SubscriptionId, Rc<RefCell<Vec<DeliveryToken>>>) {
        let tokens = Rc::new(RefCell::new(Vec::new()));
        let sink = tokens.clone();
        let handler = move |d: &Delivery<'_, String>| {
            sink.borrow_mut().push(d.token);
            Outcome::Deferred
        };
        (self.bus.subscribe(target, options, handler).expect("subscribe"), tokens)
    }

    pub fn run(&self) {
        self.clock.run_until_idle();
    }

    pub fn advance(&self, ms: u64) {
        self.clock.advance(ms);
    }

    pub fn events(&self) -> Vec<&'static str> {
        self.logs.borrow().iter().map(|r| r.event).collect()
    }

    /// Asserts `routed = acked + deadLettered + discarded + queued + inFlight`.
    pub fn assert_accounting(&self) {
        let c = self.bus.counters();
        assert_eq!(
            c.routed,
            c.acked + c.dead_lettered + c.discarded + c.queued + c.in_flight,
            "accounting invariant broken: {c:?}"
        );
    }
}

/// Zero-delay timers armed in a row at one instant beyond which the broker is spinning.
pub const SPIN_LIMIT: u32 = 1000;

/// The broker's view of a [`ManualClock`]: it panics when the broker keeps arming
/// zero-delay timers at one instant (a wake-up that re-arms itself for ever), which would
/// otherwise hang `ManualClock::advance` — and burn a browser's CPU — instead of failing.
#[derive(Clone)]
pub struct SpinGuard {
    clock: ManualClock,
    streak: Rc<Cell<(f64, u32)>>,
}

impl SpinGuard {
    pub fn new(clock: ManualClock) -> Self {
        SpinGuard { clock, streak: Rc::new(Cell::new((f64::NAN, 0))) }
    }
}

impl Clock for SpinGuard {
    fn now_ms(&self) -> f64 {
        self.clock.now_ms()
    }

    fn set_timeout(&self, delay_ms: u32, callback: Box<dyn FnOnce()>) -> Option<TimerId> {
        let (at, count) = self.streak.get();
        let now = self.clock.now_ms();
        let count = if delay_ms == 0 && at == now { count + 1 } else { u32::from(delay_ms == 0) };
        self.streak.set((now, count));
        assert!(count <= SPIN_LIMIT, "the broker armed {count} zero-delay timers in a row at t={now}: it spins");
        self.clock.set_timeout(delay_ms, callback)
    }

    fn clear_timeout(&self, timer: TimerId) {
        self.clock.clear_timeout(timer);
    }
}

pub fn data(seen: &Seen) -> Vec<String> {
    seen.borrow().iter().map(|(_, d, _)| d.clone()).collect()
}

pub fn options(json: serde_json::Value) -> SubscribeOptions {
    SubscribeOptions::from_value(&value(json), &Config::default().delivery).expect("valid options")
}

/// Converts JSON into the value tree the binding would build (arrays are named "array").
/// serde_json sorts object keys, so tests of key order build [`ConfigValue::Object`] directly.
pub fn value(json: serde_json::Value) -> ConfigValue {
    match json {
        serde_json::Value::Null => ConfigValue::Null,
        serde_json::Value::Bool(b) => ConfigValue::Bool(b),
        serde_json::Value::Number(n) => ConfigValue::Number(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => ConfigValue::String(s),
        serde_json::Value::Array(_) => ConfigValue::Other("array"),
        serde_json::Value::Object(map) => ConfigValue::Object(map.into_iter().map(|(k, v)| (k, value(v))).collect()),
    }
}

/// A [`ManualClock`] whose `now_ms` first runs a callback the test sets: a host clock that
/// calls back into the bus (the README lets the clock call any method).
#[derive(Clone)]
pub struct CallingClock {
    clock: ManualClock,
    on_now: Rc<RefCell<Option<OnNow>>>,
}

/// What a [`CallingClock`] runs on every reading.
type OnNow = Rc<dyn Fn()>;

impl CallingClock {
    pub fn new(clock: ManualClock) -> Self {
        CallingClock { clock, on_now: Rc::new(RefCell::new(None)) }
    }

    /// Runs `callback` at the start of every `now_ms` from now on.
    pub fn on_now(&self, callback: impl Fn() + 'static) {
        self.on_now.replace(Some(Rc::new(callback)));
    }
}

impl Clock for CallingClock {
    fn now_ms(&self) -> f64 {
        let callback = self.on_now.borrow().clone();
        if let Some(callback) = callback {
            callback();
        }
        self.clock.now_ms()
    }

    fn set_timeout(&self, delay_ms: u32, callback: Box<dyn FnOnce()>) -> Option<TimerId> {
        self.clock.set_timeout(delay_ms, callback)
    }

    fn clear_timeout(&self, timer: TimerId) {
        self.clock.clear_timeout(timer);
    }
}

/// A [`ManualClock`] whose `set_timeout` fails while `failing` is set, as a host clock that
/// throws would; it counts those failures in [`Clock::errors`].
#[derive(Clone)]
pub struct FailingTimers {
    clock: ManualClock,
    pub failing: Rc<Cell<bool>>,
    failures: Rc<Cell<u64>>,
}

impl FailingTimers {
    pub fn new(clock: ManualClock) -> Self {
        FailingTimers { clock, failing: Rc::default(), failures: Rc::default() }
    }
}

impl Clock for FailingTimers {
    fn now_ms(&self) -> f64 {
        self.clock.now_ms()
    }

    fn set_timeout(&self, delay_ms: u32, callback: Box<dyn FnOnce()>) -> Option<TimerId> {
        if self.failing.get() {
            self.failures.set(self.failures.get() + 1);
            return None;
        }
        self.clock.set_timeout(delay_ms, callback)
    }

    fn clear_timeout(&self, timer: TimerId) {
        self.clock.clear_timeout(timer);
    }

    fn errors(&self) -> u64 {
        self.failures.get()
    }
}
