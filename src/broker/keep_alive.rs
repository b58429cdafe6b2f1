//! Who keeps a broker alive: its handles, and its own unfinished work.
//!
//! A host holds a [`Broker`] handle; the tasks, timers and settlers the broker hands out hold
//! only [`WeakBroker`](super::WeakBroker)s, so that an idle broker dropped by its host is
//! freed with everything it holds (a JavaScript `PubSub` collected by the garbage collector).
//! But a broker with work left must finish it: a message queued or in flight, or a close not
//! yet resolved, keeps it alive even when every handle is gone. The broker then holds a
//! strong reference to itself, taken when work appears and released as soon as it is idle
//! (or closed), checked from the gauges after every call: O(1), no scan.
//!
//! A paused subscription's queue counts as work: a broker dropped with one stays in memory,
//! since dropping it would lose those messages silently. Unsubscribe or close first.

use std::rc::Rc;

use super::state::{Inner, Phase};
use super::{Broker, Shared};
use crate::message::Payload;

impl<P: Payload> Broker<P> {
    /// Holds the broker alive while it has work, and lets go once it has none. The reference
    /// dropped here is never the last one: `self` is another.
    pub(crate) fn hold_while_busy(&self, inner: &mut Inner<P>) {
        let busy = inner.has_work();
        if busy != inner.keep_alive.is_some() {
            inner.keep_alive = busy.then(|| self.shared.clone());
        }
    }
}

impl<P> Inner<P> {
    /// Whether something is queued or in flight, or a close is in progress.
    fn has_work(&self) -> bool {
        self.phase == Phase::Closing || !self.is_idle()
    }
}

/// A broker's strong reference to itself, held while it has work.
pub(crate) type KeepAlive<P> = Option<Rc<Shared<P>>>;
