//! Graceful shutdown: stop accepting, drain until a deadline, dead-letter the rest.
//!
//! `close` moves the bus to *closing*: every mutating call fails with `CLOSED`, paused
//! subscriptions are dead-lettered at once, and active ones keep delivering (retries and
//! breaker waits included) until they are idle or the deadline passes. Then whatever is
//! left is dead-lettered with reason `SHUTDOWN`, every timer is cleared, the dead-letter
//! callback sees those letters, and only then is every host callback released and the
//! close future resolved. The deadline bounds it, so awaiting `close` from inside a
//! handler cannot deadlock.

use futures::channel::oneshot;
use futures::future::{LocalBoxFuture, Shared};
use futures::FutureExt;

use super::deadline::Deadline;
use super::effects::Effect;
use super::state::{Inner, Phase};
use super::Broker;
use crate::dead_letter::DeadLetterReason;
use crate::log::{Level, LogRecord};
use crate::metrics::Counters;
use crate::message::Payload;
use crate::subscription::{Subscription, SubscriptionState};

/// What happened during a close.
///
/// # Example
///
/// ```
/// use wasm_pubsub::CloseReport;
/// let report = CloseReport::default();
/// assert_eq!((report.drained, report.dead_lettered), (0, 0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CloseReport {
    /// Messages acked while closing.
    pub drained: u64,
    /// Messages dead-lettered while closing.
    pub dead_lettered: u64,
}

/// The future `close` returns; every call returns a clone of the same one.
pub type CloseFuture = Shared<LocalBoxFuture<'static, CloseReport>>;

/// A close or a drain in progress: the future every caller gets, the sender that resolves
/// it, the counters when it began, and its deadline's timer.
pub(crate) struct Settling {
    pub future: CloseFuture,
    sender: Option<oneshot::Sender<CloseReport>>,
    acked_before: u64,
    dead_lettered_before: u64,
    pub timer: Option<crate::clock::TimerId>,
}

impl Settling {
    /// One that begins now, with `counters` as they are.
    pub fn begin(counters: &Counters) -> Settling {
        let (sender, receiver) = oneshot::channel();
        let future = receiver.map(|report| report.unwrap_or_default()).boxed_local().shared();
        let (acked_before, dead_lettered_before) = (counters.acked, counters.dead_lettered);
        Settling { future, sender: Some(sender), acked_before, dead_lettered_before, timer: None }
    }

    /// Its sender, once, with the report of what settled since it began.
    pub fn finish(&mut self, counters: &Counters) -> Option<(oneshot::Sender<CloseReport>, CloseReport)> {
        let report = CloseReport {
            drained: counters.acked - self.acked_before,
            dead_lettered: counters.dead_lettered - self.dead_lettered_before,
        };
        self.sender.take().map(|sender| (sender, report))
    }
}

impl<P: Payload> Broker<P> {
    /// Closes the bus, draining for at most `drain_timeout_ms` on the clock.
    ///
    /// Idempotent: a second call returns the same future.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Error, ManualClock, PublishOptions};
    ///
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock.clone());
    /// bus.create_topic("t").unwrap();
    /// let closing = bus.close(5000);
    /// assert_eq!(bus.publish("t", "late".into(), PublishOptions::default()), Err(Error::Closed));
    /// clock.run_until_idle();
    /// assert_eq!(futures::executor::block_on(closing).drained, 0);
    /// ```
    pub fn close(&self, drain_timeout_ms: u32) -> CloseFuture {
        let (future, begun) = self.shared.borrow_mut().begin_close();
        if begun {
            let now = self.clock().map_or(0.0, |clock| clock.now_ms());
            self.shared.borrow_mut().start_drain(drain_timeout_ms, now);
        }
        self.flush();
        future
    }

    pub(crate) fn arm_close_timer(&self, delay: u32) {
        self.arm_deadline(delay, close_deadline());
    }

    /// Resolves the close future and drops every host callback.
    pub(crate) fn release(&self, sender: oneshot::Sender<CloseReport>, report: CloseReport) {
        let (runtime, subs) = {
            let mut inner = self.shared.borrow_mut();
            (inner.runtime.take(), std::mem::take(&mut inner.subs))
        };
        drop((runtime, subs));
        let _ = sender.send(report);
    }
}

/// The drain deadline of a close: its timer sits in the close state while the bus is closing.
fn close_deadline<P: Payload>() -> Deadline<P> {
    Deadline {
        slot: |inner| match inner.phase {
            Phase::Closing => inner.close.as_mut().map(|state| &mut state.timer),
            _ => None,
        },
        finish: |inner, now| inner.finish_close(now),
    }
}

impl<P> Inner<P> {
    /// Marks the bus closing and returns the close future, and whether this call began the
    /// close. It reads no clock: the bus is closing before any host code runs, so a clock
    /// whose `now` calls `close` gets this same future instead of starting another close.
    fn begin_close(&mut self) -> (CloseFuture, bool) {
        if let Some(state) = &self.close {
            return (state.future.clone(), false);
        }
        let state = Settling::begin(&self.counters);
        let future = state.future.clone();
        self.close = Some(state);
        self.phase = Phase::Closing;
        self.log(|| LogRecord::new(Level::Info, "close.started"));
        (future, true)
    }

    /// The rest of a close just begun, at `now`: paused subscriptions give up their queues,
    /// the deadline is armed, and the close ends at once when nothing is left. Nothing to do
    /// when the close already ended (a settlement made from inside the clock's `now`).
    fn start_drain(&mut self, drain_timeout_ms: u32, now: f64) {
        if self.phase != Phase::Closing {
            return;
        }
        self.dead_letter_paused(now);
        self.effect(Effect::ArmClose { delay: drain_timeout_ms });
        self.check_drained();
    }

    fn dead_letter_paused(&mut self, now: f64) {
        for id in self.sub_ids(|s| s.state == SubscriptionState::Paused) {
            self.dead_letter_queue(id, now);
        }
    }

    /// The ids of the subscriptions `pick` selects, in map order, to work on one by one.
    pub(super) fn sub_ids(&self, pick: fn(&Subscription<P>) -> bool) -> Vec<u64> {
        self.subs.values().filter(|s| pick(s)).map(|s| s.id).collect()
    }

    pub(super) fn dead_letter_queue(&mut self, id: u64, now: f64) {
        let Some(sub) = self.subs.get_mut(&id) else { return };
        self.counters.queued -= sub.queue.len() as u64;
        let mut queue = sub.queue.take();
        while let Some(queued) = queue.pop_front() {
            self.dead_letter_queued(id, queued, DeadLetterReason::Shutdown, now);
        }
    }

    /// Ends a close whose work is done before the deadline: as soon as nothing is queued or
    /// in flight, whatever ended the last of it (a settlement, a timeout, an unsubscribe).
    pub(crate) fn check_drained(&mut self) {
        self.check_bus_drain();
        if self.phase == Phase::Closing && self.is_idle() {
            self.end_close();
        }
    }

    /// The deadline passed: dead-letters whatever is left, then ends the close.
    pub(super) fn finish_close(&mut self, now: f64) {
        if self.phase != Phase::Closing {
            return;
        }
        for id in self.sub_ids(|_| true) {
            self.dead_letter_queue(id, now);
            self.dead_letter_in_flight(id, now);
        }
        self.end_close();
    }

    fn end_close(&mut self) {
        self.end_bus_drain();
        self.clear_timers();
        self.phase = Phase::Closed;
        self.log(|| LogRecord::new(Level::Info, "close.finished"));
        self.resolve_close();
    }

    pub(super) fn dead_letter_in_flight(&mut self, id: u64, now: f64) {
        if self.subs.get(&id).is_some_and(|sub| sub.state == SubscriptionState::Closed) {
            self.discard_in_flight(id);
            return;
        }
        let Some(sub) = self.subs.get_mut(&id) else { return };
        let in_flight = std::mem::take(&mut sub.in_flight);
        self.counters.in_flight -= in_flight.len() as u64;
        for settled in in_flight {
            self.dead_letter(id, settled.message, DeadLetterReason::Shutdown, None, settled.attempt, now);
        }
    }

    fn clear_timers(&mut self) {
        for sub in self.subs.values_mut() {
            if let Some(timer) = sub.wake_timer.take() {
                self.effects.push_back(Effect::Clear(timer));
            }
        }
        if let Some(timer) = self.close.as_mut().and_then(|c| c.timer.take()) {
            self.effect(Effect::Clear(timer));
        }
    }

    fn resolve_close(&mut self) {
        let finished = self.close.as_mut().and_then(|state| state.finish(&self.counters));
        if let Some((sender, report)) = finished {
            self.effect(Effect::Finish(sender, report));
        }
    }
}
