//! Delivery: drain runs, settlement, timeouts, retries and the breaker.
//!
//! A drain run starts deliveries of one subscription while its window, ordering and breaker
//! allow, calling the handler with no borrow held. Settlement (immediate, from a future, or
//! deferred through [`Broker::settle`]) acks the message or fails the attempt; a failure is
//! retried after the backoff or dead-lettered after `maxDeliveryAttempts`. One wake-up timer
//! per subscription covers ack deadlines, backoffs and the breaker's reset.

use std::rc::Rc;

use super::state::Inner;
use super::Broker;
use crate::breaker::{BreakerState, Transition};
use crate::clock::Clock;
use crate::dead_letter::DeadLetterReason;
use crate::log::{Level, LogRecord};
use crate::message::Payload;
use crate::subscription::{Delivery, DeliveryToken, Failure, InFlight, Outcome, Start, SubscriptionState};

/// Deliveries one drain run starts before it yields and schedules another.
const DRAIN_BUDGET: usize = 1024;

impl<P: Payload> Broker<P> {
    /// Starts deliveries on subscription `id` until it has nothing it may start now.
    /// A run started while another run of the same subscription is calling its handler
    /// returns at once: the outer run picks up whatever became ready.
    pub(crate) fn run_drain(&self, id: u64) {
        if let Some((clock, now)) = self.read_clock() {
            self.drain_from(id, clock.as_ref(), now);
        }
    }

    /// A drain run whose first delivery starts at `now`, just read from `clock`. After each
    /// call out (the handler, the clock, the effects' callbacks) it ends at once if a call
    /// made from there was [cut short](Broker::cut_short).
    fn drain_from(&self, id: u64, clock: &dyn Clock, mut now: f64) {
        if !self.shared.borrow_mut().begin_drain(id) {
            return;
        }
        for _ in 0..DRAIN_BUDGET {
            let Some(start) = self.shared.borrow_mut().start_next(id, now) else { break };
            let outcome = start.handler.call(&start.delivery());
            if self.cut_short() {
                return;
            }
            let goes_on = self.goes_on(id, &outcome);
            if goes_on {
                now = clock.now_ms();
                if self.cut_short() {
                    return;
                }
            }
            self.apply(start.token, outcome, now);
            self.run_effects(false);
            if self.cut_short() {
                return;
            }
            if !goes_on {
                break;
            }
        }
        if let Some(sub) = self.shared.borrow_mut().subs.get_mut(&id) {
            sub.draining = false;
        }
        self.after_drain(id, now);
    }

    /// Whether the run goes on after a handler returned `outcome` (so the time must be read
    /// again): it settled now, or the window has room for another delivery. A handler that
    /// settles later on a full window ends the run, so a stream of async deliveries reads
    /// the clock once per message; `after_drain` schedules another run if one could start.
    fn goes_on(&self, id: u64, outcome: &Outcome) -> bool {
        matches!(outcome, Outcome::Ack | Outcome::Fail(_))
            || self.shared.borrow().subs.get(&id).is_some_and(|sub| sub.has_room())
    }

    fn after_drain(&self, id: u64, now: f64) {
        let mut inner = self.shared.borrow_mut();
        if inner.subs.get(&id).is_some_and(|s| s.can_start(now)) {
            inner.schedule_drain(id);
        }
        inner.arm_wake(id, now);
        drop(inner);
        self.flush();
    }

    fn apply(&self, token: DeliveryToken, outcome: Outcome, now: f64) {
        match outcome {
            Outcome::Ack => self.shared.borrow_mut().settle(token, Ok(()), now),
            Outcome::Fail(failure) => self.shared.borrow_mut().settle(token, Err(failure), now),
            Outcome::Pending(future) => self.settle_later(token, future),
            Outcome::Deferred => {}
        }
    }

    fn settle_later(&self, token: DeliveryToken, future: futures::future::LocalBoxFuture<'static, Result<(), String>>) {
        let Some(spawner) = self.spawner() else { return };
        let weak = self.weak();
        spawner.spawn(Box::pin(async move {
            let result = future.await;
            if let Some(broker) = Broker::upgrade(&weak) {
                broker.settle_and_continue(token, result.map_err(Failure::from));
            }
        }));
    }

    /// Settles a delivery whose handler returned [`Outcome::Deferred`]: `Ok` acks it, `Err`
    /// fails the attempt with that error text. A delivery that already timed out, or a
    /// token settled twice, is ignored.
    ///
    /// # Example
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// use wasm_pubsub::{Broker, Config, Delivery, DeliveryToken, ManualClock, Outcome, PublishOptions, SubscribeOptions};
    ///
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock.clone());
    /// bus.create_topic("jobs").unwrap();
    /// let pending = Rc::new(Cell::new(None::<DeliveryToken>));
    /// let slot = pending.clone();
    /// bus.subscribe("jobs", SubscribeOptions::default(), move |d: &Delivery<'_, String>| {
    ///     slot.set(Some(d.token));
    ///     Outcome::Deferred
    /// }).unwrap();
    /// bus.publish("jobs", "build".to_string(), PublishOptions::default()).unwrap();
    /// clock.run_until_idle();
    /// bus.settle(pending.get().unwrap(), Ok(()));
    /// assert_eq!(bus.counters().acked, 1);
    /// ```
    /// The next delivery starts in a later task, never inside this call.
    pub fn settle(&self, token: DeliveryToken, result: Result<(), Failure>) {
        self.settle_then(token, result, false);
    }

    /// Like [`Broker::settle`], for a host that settles from a task of its own (a promise
    /// reaction): when the settlement frees room for the next delivery of the subscription
    /// and no drain run of it is calling its handler, that delivery starts right here, so a
    /// stream of async handlers costs one hop per message instead of two.
    ///
    /// # Example
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// use wasm_pubsub::{Broker, Config, Delivery, DeliveryToken, ManualClock, Outcome, PublishOptions, SubscribeOptions};
    ///
    /// let clock = ManualClock::new();
    /// let bus: Broker<u64> = Broker::new(Config::default(), clock.clone(), clock.clone());
    /// bus.create_topic("jobs").unwrap();
    /// let tokens = Rc::new(RefCell::new(Vec::<DeliveryToken>::new()));
    /// let sink = tokens.clone();
    /// bus.subscribe("jobs", SubscribeOptions::default(), move |d: &Delivery<'_, u64>| {
    ///     sink.borrow_mut().push(d.token);
    ///     Outcome::Deferred
    /// }).unwrap();
    /// bus.publish("jobs", 1, PublishOptions::default()).unwrap();
    /// bus.publish("jobs", 2, PublishOptions::default()).unwrap();
    /// clock.run_until_idle();
    /// let first = tokens.borrow()[0];
    /// bus.settle_and_continue(first, Ok(()));
    /// assert_eq!(tokens.borrow().len(), 2, "the second delivery started inside the call");
    /// ```
    pub fn settle_and_continue(&self, token: DeliveryToken, result: Result<(), Failure>) {
        self.settle_then(token, result, true);
    }

    fn settle_then(&self, token: DeliveryToken, result: Result<(), Failure>, continue_now: bool) {
        let Some((clock, now)) = self.read_clock() else { return };
        let id = token.subscription;
        let start_now = {
            let mut inner = self.shared.borrow_mut();
            inner.rearm(now);
            inner.settle(token, result, now);
            continue_now && inner.subs.get(&id).is_some_and(|sub| !sub.draining && sub.can_start(now))
        };
        match start_now {
            true => self.drain_from(id, clock.as_ref(), now),
            false => self.after_drain(id, now),
        }
    }

    /// The subscription's wake-up timer fired: time out late deliveries, let the breaker
    /// move on, and start what may start.
    pub(crate) fn on_wake(&self, id: u64, due: f64) {
        let Some((_, now)) = self.read_clock() else { return };
        let now = now.max(due);
        let mut inner = self.shared.borrow_mut();
        inner.rearm(now);
        inner.wake(id, due, now);
        drop(inner);
        self.after_drain(id, now);
    }
}

impl<P> Start<P> {
    fn delivery(&self) -> Delivery<'_, P> {
        Delivery { message: &self.message, attempt: self.attempt, token: self.token }
    }
}

impl<P> Inner<P> {
    /// Marks a drain run of `id` as started; false when one is already calling its handler
    /// (or the subscription is gone).
    fn begin_drain(&mut self, id: u64) -> bool {
        let Some(sub) = self.subs.get_mut(&id) else { return false };
        sub.drain_scheduled = false;
        !std::mem::replace(&mut sub.draining, true)
    }

    fn start_next(&mut self, id: u64, now: f64) -> Option<Start<P>> {
        let sub = self.subs.get_mut(&id)?;
        let transition = sub.breaker.poll(now);
        let start = sub.start_next(now);
        if transition.is_some() {
            let name = sub.name.clone();
            self.log_transition(&name, transition);
        }
        let start = start?;
        self.counters.queued -= 1;
        self.counters.in_flight += 1;
        self.counters.delivered += 1;
        Some(start)
    }

    fn settle(&mut self, token: DeliveryToken, result: Result<(), Failure>, now: f64) {
        let id = token.subscription;
        let Some(sub) = self.subs.get_mut(&id) else { return };
        let Some(settled) = sub.take_in_flight(token.delivery) else { return };
        let closed = sub.state == SubscriptionState::Closed;
        self.counters.in_flight -= 1;
        match result {
            Ok(()) => {
                sub.stats.acked += 1;
                let transition = sub.breaker.on_success(settled.permit).map(|t| (t, sub.name.clone()));
                self.acked(&settled, now, transition);
            }
            Err(failure) => self.fail(id, settled, failure, now),
        }
        if closed {
            self.remove_if_settled(id);
        }
        self.check_drained();
    }

    /// Counts an ack its subscription has recorded, and logs the breaker transition it
    /// caused, if any.
    fn acked(&mut self, settled: &InFlight<P>, now: f64, transition: Option<(BreakerState, Rc<str>)>) {
        self.counters.acked += 1;
        self.latency.record(now - settled.message.published_at);
        self.copy_settled(settled.message.id, super::waiters::Settled::Acked);
        if let Some((state, name)) = transition {
            self.log_transition(&name, Some(state));
        }
    }

    fn fail(&mut self, id: u64, settled: InFlight<P>, failure: Failure, now: f64) {
        let Some(sub) = self.subs.get_mut(&id) else { return };
        sub.stats.failed += 1;
        let transition = sub.breaker.on_failure(settled.permit, now);
        let (name, closed) = (sub.name.clone(), sub.state == SubscriptionState::Closed);
        let exhausted = settled.attempt >= sub.options.max_delivery_attempts;
        let retry_at = now + f64::from(sub.options.retry_backoff.delay_ms(settled.attempt));
        self.counters.failed += 1;
        self.log_failure(&name, &settled, &failure);
        self.log_transition(&name, transition);
        if closed {
            self.counters.discarded += 1;
            self.copy_settled(settled.message.id, super::waiters::Settled::Discarded);
        } else if exhausted {
            let (message, attempts) = (settled.message, settled.attempt);
            self.dead_letter(id, message, DeadLetterReason::MaxAttempts, Some(failure), attempts, now);
        } else {
            self.retry(id, settled, retry_at, failure);
        }
    }

    fn retry(&mut self, id: u64, settled: InFlight<P>, retry_at: f64, failure: Failure) {
        let Some(sub) = self.subs.get_mut(&id) else { return };
        sub.requeue(settled, retry_at, failure);
        self.counters.retried += 1;
        self.counters.queued += 1;
    }

    fn wake(&mut self, id: u64, due: f64, now: f64) {
        let Some(sub) = self.subs.get_mut(&id) else { return };
        if sub.wake_due != Some(due) {
            return;
        }
        sub.wake_due = None;
        sub.wake_timer = None;
        let timeout_ms = sub.options.ack_timeout_ms;
        for expired in sub.take_expired(now) {
            self.counters.in_flight -= 1;
            self.fail(id, expired, Failure::timeout(timeout_ms), now);
        }
        self.remove_if_settled(id);
        self.schedule_drain(id);
        self.check_drained();
    }

    fn log_failure(&mut self, name: &Rc<str>, settled: &InFlight<P>, failure: &Failure) {
        let (topic, id, code) = (settled.message.headers.topic.clone(), settled.message.id, failure.code.as_str());
        self.log(|| LogRecord {
            topic: Some(topic),
            subscription: Some(name.clone()),
            message_id: Some(id),
            code: Some(code),
            ..LogRecord::new(Level::Warn, "handler.failed")
        });
    }

    fn log_transition(&mut self, name: &Rc<str>, transition: Option<Transition>) {
        let Some(state) = transition else { return };
        let (level, event) = match state {
            BreakerState::Open => (Level::Warn, "breaker.opened"),
            BreakerState::HalfOpen => (Level::Info, "breaker.halfOpen"),
            BreakerState::Closed => (Level::Info, "breaker.closed"),
        };
        self.log(|| LogRecord { subscription: Some(name.clone()), ..LogRecord::new(level, event) });
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use crate::{Broker, Config, Delivery, Hooks, LogRecord, ManualClock, Outcome, PublishOptions, SubscribeOptions, WeakBroker};

    /// Leaves `bus`'s state borrowed for good, as a call into it cut short by a host
    /// exception (a stack overflow thrown through wasm) does.
    fn cut(bus: &WeakBroker<String>) {
        let bus = bus.upgrade().expect("the broker");
        std::mem::forget(bus.shared.borrow_mut());
    }

    /// A broker on a manual clock with topic "t".
    fn broker(hooks: Hooks<String>) -> (Broker<String>, ManualClock) {
        let clock = ManualClock::new();
        let bus = Broker::with_hooks(Config::default(), clock.clone(), clock.clone(), hooks);
        bus.create_topic("t").unwrap();
        (bus, clock)
    }

    #[test]
    fn a_drain_whose_handler_left_the_state_held_stops_there_and_later_drains_do_not_start() {
        let (bus, clock) = broker(Hooks::default());
        let (weak, calls) = (bus.downgrade(), Rc::new(Cell::new(0)));
        let counted = calls.clone();
        bus.subscribe("t", SubscribeOptions::default(), move |_: &Delivery<'_, String>| {
            counted.set(counted.get() + 1);
            cut(&weak);
            Outcome::Ack
        })
        .unwrap();
        for data in ["a", "b", "c"] {
            bus.publish("t", data.to_string(), PublishOptions::default()).unwrap();
        }
        clock.run_until_idle();
        assert!(bus.cut_short());
        assert_eq!(calls.get(), 1, "the run ended at the handler that left the state held");
        bus.run_drain(1);
        assert_eq!(calls.get(), 1, "a later run does not start");
    }

    #[test]
    fn effects_stop_at_a_callback_that_left_the_state_held_and_a_settlement_then_does_nothing() {
        let slot: Rc<Cell<Option<WeakBroker<String>>>> = Rc::default();
        let logged = slot.clone();
        let logger = Rc::new(move |_: &LogRecord| {
            if let Some(bus) = logged.take() {
                cut(&bus);
            }
        });
        let (bus, clock) = broker(Hooks { logger: Some(logger), ..Hooks::default() });
        let token = Rc::new(Cell::new(None));
        let kept = token.clone();
        bus.subscribe("t", SubscribeOptions::default(), move |d: &Delivery<'_, String>| {
            kept.set(Some(d.token));
            Outcome::Deferred
        })
        .unwrap();
        bus.publish("t", "a".to_string(), PublishOptions::default()).unwrap();
        clock.run_until_idle();
        slot.set(Some(bus.downgrade()));
        bus.settle(token.get().unwrap(), Err("failed".into()));
        assert!(bus.cut_short(), "the failure's log record left the state held");
        bus.settle(token.get().unwrap(), Ok(()));
        clock.advance(60_000);
        clock.run_until_idle();
        assert!(bus.cut_short());
    }
}
