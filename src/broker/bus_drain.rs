//! Settling without closing: `drain` waits for the work of active subscriptions until a
//! deadline, `evacuate` dead-letters all of it at once. The bus stays open either way.
//!
//! `drain(timeout)` resolves with what it settled as soon as no active subscription has a
//! message queued or in flight (messages published meanwhile are waited for too); at the
//! deadline it dead-letters what is left on them with reason `SHUTDOWN`. A paused
//! subscription keeps its queue: pausing is how a caller holds messages back. A drain
//! already running returns its future; a close resolves it when the close ends.
//!
//! `evacuate()` dead-letters, synchronously, every message queued or in flight on every
//! subscription, paused ones included, with reason `SHUTDOWN`: what a page does on its way
//! out, when no timer will fire again. The dead-letter callback sees each letter before
//! `evacuate` returns; a handler that settles one of those deliveries later is ignored, and
//! the attempt counts as failed (so `delivered = acked + failed + inFlight` still holds).


use std::rc::Rc;

use super::close::{CloseFuture, Settling};
use super::deadline::Deadline;
use super::effects::Effect;
use super::state::{Inner, Phase};
use super::Broker;
use crate::error::{Error, Result};
use crate::log::{Level, LogRecord};
use crate::message::{Message, Payload};
use crate::subscription::SubscriptionState;
use crate::SubscriptionId;

impl<P: Payload> Broker<P> {
    /// Settles what is queued and in flight on active subscriptions within `timeout_ms` on
    /// the clock, dead-letters the rest (`SHUTDOWN`), and leaves the bus open.
    ///
    /// # Errors
    ///
    /// `CLOSED` once the bus is closing or closed.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Delivery, ManualClock, Outcome, PublishOptions, SubscribeOptions};
    ///
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock.clone());
    /// bus.create_topic("t").unwrap();
    /// bus.subscribe("t", SubscribeOptions::default(), |_: &Delivery<'_, String>| Outcome::Ack).unwrap();
    /// bus.publish("t", "job".into(), PublishOptions::default()).unwrap();
    /// let drained = bus.drain(1000).unwrap();
    /// clock.run_until_idle();
    /// assert_eq!(futures::executor::block_on(drained).drained, 1);
    /// assert_eq!(bus.health().status.as_str(), "healthy", "still open");
    /// ```
    pub fn drain(&self, timeout_ms: u32) -> Result<CloseFuture> {
        let (future, begun) = self.shared.borrow_mut().begin_bus_drain()?;
        if begun {
            self.arm_deadline(timeout_ms, drain_deadline());
            self.shared.borrow_mut().check_bus_drain();
        }
        self.flush();
        Ok(future)
    }

    /// Dead-letters every message queued or in flight, on every subscription, with reason
    /// `SHUTDOWN`, before it returns; the bus stays open. Returns how many. On a closing bus
    /// it ends the close at once, as its deadline would.
    ///
    /// # Errors
    ///
    /// `CLOSED` once the bus is closed.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Delivery, ManualClock, Outcome, PublishOptions, SubscribeOptions};
    ///
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock.clone());
    /// bus.create_topic("t").unwrap();
    /// bus.subscribe("t", SubscribeOptions::default(), |_: &Delivery<'_, String>| Outcome::Deferred).unwrap();
    /// bus.publish("t", "a".into(), PublishOptions::default()).unwrap();
    /// bus.publish("t", "b".into(), PublishOptions::default()).unwrap();
    /// clock.run_until_idle();
    /// assert_eq!(bus.evacuate(), Ok(2), "one in flight, one queued");
    /// assert_eq!(bus.dead_letters().len(), 2);
    /// ```
    pub fn evacuate(&self) -> Result<u64> {
        if self.shared.borrow().phase == Phase::Closed {
            return Err(Error::Closed);
        }
        let now = self.clock().map_or(0.0, |clock| clock.now_ms());
        let count = self.shared.borrow_mut().evacuate(now, |_| true);
        self.flush();
        Ok(count)
    }

    /// Discards what subscription `id` has queued and in flight, and keeps it live: for
    /// copies another bus handles (a shared subscription's member leaving its page). Counted
    /// as `discarded`; the deliveries given up count as failed attempts, and their handlers'
    /// later results are ignored. Returns the messages, those in flight first, then the
    /// queue in order; none for an ended subscription.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Delivery, ManualClock, Outcome, PublishOptions, SubscribeOptions};
    ///
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock.clone());
    /// bus.create_topic("t").unwrap();
    /// let sub = bus.subscribe("t", SubscribeOptions::default(), |_: &Delivery<'_, String>| Outcome::Deferred).unwrap();
    /// bus.publish("t", "a".into(), PublishOptions::default()).unwrap();
    /// bus.publish("t", "b".into(), PublishOptions::default()).unwrap();
    /// clock.run_until_idle();
    /// assert_eq!(bus.hand_over(sub).len(), 2, "one in flight, one queued");
    /// assert_eq!((bus.metrics().counters.discarded, bus.dead_letters().len()), (2, 0));
    /// ```
    pub fn hand_over(&self, id: SubscriptionId) -> Vec<Rc<Message<P>>> {
        let now = self.clock().map_or(0.0, |clock| clock.now_ms());
        let messages = self.shared.borrow_mut().hand_over(id.0, now);
        self.flush();
        messages
    }
}

/// The deadline of a drain: its timer sits in the drain state while it runs.
fn drain_deadline<P: Payload>() -> Deadline<P> {
    Deadline { slot: |inner| inner.bus_drain.as_mut().map(|state| &mut state.timer), finish: |inner, now| inner.finish_bus_drain(now) }
}

impl<P> Inner<P> {
    fn begin_bus_drain(&mut self) -> Result<(CloseFuture, bool)> {
        self.ensure_open()?;
        if let Some(state) = &self.bus_drain {
            return Ok((state.future.clone(), false));
        }
        let state = Settling::begin(&self.counters);
        let future = state.future.clone();
        self.bus_drain = Some(state);
        self.log(|| LogRecord::new(Level::Info, "drain.started"));
        Ok((future, true))
    }

    /// Ends a drain whose work is done: no active subscription has anything queued or in
    /// flight. O(subscriptions), and only while a drain runs.
    pub(crate) fn check_bus_drain(&mut self) {
        if self.bus_drain.is_none() {
            return;
        }
        let busy = self.subs.values().any(|s| s.state == SubscriptionState::Active && (!s.queue.is_empty() || !s.in_flight.is_empty()));
        if !busy {
            self.end_bus_drain();
        }
    }

    /// The drain's deadline passed: dead-letters what is left on active subscriptions.
    pub(crate) fn finish_bus_drain(&mut self, now: f64) {
        if self.bus_drain.is_none() {
            return;
        }
        self.evacuate(now, |state| state == SubscriptionState::Active);
        self.end_bus_drain();
    }

    /// Resolves the drain, if one runs, with what it settled; clears its deadline.
    pub(crate) fn end_bus_drain(&mut self) {
        let Some(mut state) = self.bus_drain.take() else { return };
        if let Some(timer) = state.timer.take() {
            self.effect(Effect::Clear(timer));
        }
        self.log(|| LogRecord::new(Level::Info, "drain.finished"));
        if let Some((sender, report)) = state.finish(&self.counters) {
            self.effect(Effect::Drained(sender, report));
        }
    }

    /// Counts the deliveries of subscription `id` still in flight as failed attempts: the bus
    /// stays open, and every attempt it started settles once (acked or failed), also one it
    /// gives up on. Their handlers' later results are ignored.
    fn count_abandoned(&mut self, id: u64) {
        let Some(sub) = self.subs.get_mut(&id) else { return };
        let abandoned = sub.in_flight.len() as u64;
        sub.stats.failed += abandoned;
        self.counters.failed += abandoned;
    }

    fn hand_over(&mut self, id: u64, now: f64) -> Vec<Rc<Message<P>>> {
        if !self.subs.get(&id).is_some_and(|s| s.state != SubscriptionState::Closed) {
            return Vec::new();
        }
        self.count_abandoned(id);
        let mut messages = self.discard_in_flight(id);
        messages.extend(self.discard_queue(id));
        self.arm_wake(id, now);
        self.check_drained();
        messages
    }

    /// Dead-letters (`SHUTDOWN`) what is queued and in flight on the subscriptions whose
    /// state `pick` selects; returns how many.
    fn evacuate(&mut self, now: f64, pick: fn(SubscriptionState) -> bool) -> u64 {
        let before = self.counters.dead_lettered;
        let chosen: Vec<u64> = self.subs.values().filter(|s| pick(s.state) && s.state != SubscriptionState::Closed).map(|s| s.id).collect();
        for id in chosen {
            self.count_abandoned(id);
            self.dead_letter_queue(id, now);
            self.dead_letter_in_flight(id, now);
            self.arm_wake(id, now);
        }
        let count = self.counters.dead_lettered - before;
        self.check_drained();
        count
    }
}
