//! The deadline timers of `close` and `drain`: armed on the clock, kept by the state that
//! waits for them, and run as the state's finish when they fire.

use super::state::Inner;
use super::Broker;
use crate::clock::TimerId;
use crate::message::Payload;

/// One kind of deadline: where its timer is kept and what runs when it is due.
pub(crate) struct Deadline<P> {
    /// The timer slot of the state that waits, if it still waits.
    pub slot: fn(&mut Inner<P>) -> Option<&mut Option<TimerId>>,
    /// Settles what is left at `now`: the deadline passed, or its timer could not be set.
    pub finish: fn(&mut Inner<P>, f64),
}

impl<P> Clone for Deadline<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for Deadline<P> {}

impl<P: Payload> Broker<P> {
    /// Arms `deadline` in `delay_ms`. A clock that cannot set the timer logs `clock.failed`
    /// and finishes at once, rather than waiting for a timer that will never fire; a timer
    /// nobody waits for any more (it finished while the clock was called) is cleared.
    pub(crate) fn arm_deadline(&self, delay_ms: u32, deadline: Deadline<P>) {
        let Some(clock) = self.clock() else { return };
        let weak = self.weak();
        let fire = Box::new(move || {
            if let Some(broker) = Broker::upgrade(&weak) {
                broker.at_deadline(deadline);
            }
        });
        let timer = clock.set_timeout(delay_ms, fire);
        if self.cut_short() {
            return;
        }
        let Some(timer) = timer else {
            let mut inner = self.shared.borrow_mut();
            inner.log_clock_failure(None);
            (deadline.finish)(&mut inner, clock.now_ms());
            return;
        };
        let kept = (deadline.slot)(&mut self.shared.borrow_mut()).map(|slot| *slot = Some(timer)).is_some();
        if !kept {
            clock.clear_timeout(timer);
        }
    }

    fn at_deadline(&self, deadline: Deadline<P>) {
        if self.cut_short() {
            return;
        }
        let now = self.clock().map_or(0.0, |clock| clock.now_ms());
        if self.cut_short() {
            return;
        }
        let mut inner = self.shared.borrow_mut();
        if let Some(slot) = (deadline.slot)(&mut inner) {
            *slot = None;
        }
        (deadline.finish)(&mut inner, now);
        drop(inner);
        self.flush();
    }
}
