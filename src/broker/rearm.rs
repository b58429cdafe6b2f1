//! A subscription's wake-up timer: armed when something needs it sooner than armed, cleared
//! when the subscription is idle; and timers the host clock failed to set, set again.
//!
//! A host clock may throw from `setTimeout` (a broken fake clock, a page's own timer passed
//! with the wrong `this`). The broker never treats such a timer as armed: a subscription's
//! wake-up (retry backoff, ack deadline, breaker reset) is recorded as unarmed, logged as
//! `clock.failed` and shown as `degraded` in [`Broker::health`], and armed again on the
//! broker's next publish, settlement, timer or `health()`/`metrics()` call. A close whose
//! deadline cannot be set does not wait for a timer that will never fire: it ends at once,
//! dead-lettering what is left with reason `SHUTDOWN`, so nothing is lost and close resolves.

use super::effects::Effect;
use super::state::{Inner, Phase};
use crate::clock::TimerId;
use super::Broker;
use crate::log::{Level, LogRecord};
use crate::message::Payload;

impl<P> Inner<P> {
    /// Arms the subscription's wake-up timer when something needs it sooner than armed.
    pub fn arm_wake(&mut self, id: u64, now: f64) {
        let Some(sub) = self.subs.get_mut(&id) else { return };
        let Some(due) = sub.next_wake(now) else {
            self.disarm_if_idle(id);
            return;
        };
        if sub.wake_due.is_some_and(|armed| armed <= due) {
            return;
        }
        if let Some(timer) = sub.wake_timer.take() {
            self.effects.push_back(Effect::Clear(timer));
        }
        sub.wake_due = Some(due);
        let delay = (due - now).ceil().clamp(0.0, f64::from(i32::MAX)) as u32;
        self.effect(Effect::ArmWake { sub: id, due, delay });
    }

    /// Clears the wake-up timer of a subscription with nothing queued or in flight, so an
    /// idle bus holds no timer (in Node, an armed timer keeps the process alive). While work
    /// keeps flowing the timer is kept, so a stream of deliveries arms one timer, not one each.
    fn disarm_if_idle(&mut self, id: u64) {
        let Some(sub) = self.subs.get_mut(&id) else { return };
        if !sub.queue.is_empty() || !sub.in_flight.is_empty() {
            return;
        }
        sub.wake_due = None;
        if let Some(timer) = sub.wake_timer.take() {
            self.effect(Effect::Clear(timer));
        }
    }

    /// Stores the id of a timer armed for `due`, or returns it when no longer wanted.
    pub fn wake_armed(&mut self, id: u64, due: f64, timer: TimerId) -> Option<TimerId> {
        match self.subs.get_mut(&id) {
            Some(sub) if sub.wake_due == Some(due) && self.phase != Phase::Closed => {
                sub.wake_timer = Some(timer);
                None
            }
            _ => Some(timer),
        }
    }

    /// Records that the wake-up timer of subscription `id` could not be set.
    pub(crate) fn wake_unarmed(&mut self, id: u64) {
        if let Some(sub) = self.subs.get_mut(&id) {
            sub.wake_due = None;
            self.unarmed = true;
        }
        self.log_clock_failure(Some(id));
    }

    pub(crate) fn log_clock_failure(&mut self, id: Option<u64>) {
        let subscription = id.and_then(|id| self.subs.get(&id)).map(|s| s.name.clone());
        self.log(|| LogRecord { subscription, code: Some("CLOCK_ERROR"), ..LogRecord::new(Level::Error, "clock.failed") });
    }

    /// Arms again every wake-up the clock failed to set, when there is one.
    pub(crate) fn rearm(&mut self, now: f64) {
        if !self.unarmed {
            return;
        }
        self.unarmed = false;
        let busy: Vec<u64> = self.subs.values().filter(|s| !s.queue.is_empty() || !s.in_flight.is_empty()).map(|s| s.id).collect();
        for id in busy {
            self.arm_wake(id, now);
        }
    }
}

impl<P: Payload> Broker<P> {
    /// [`Inner::rearm`] at the clock's time, then runs the timers it set.
    pub(crate) fn rearm(&self) {
        if !self.shared.borrow().unarmed {
            return;
        }
        let Some(clock) = self.clock() else { return };
        let now = clock.now_ms();
        self.shared.borrow_mut().rearm(now);
        self.flush();
    }
}
