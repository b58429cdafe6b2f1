//! `publish_and_wait`: a publish whose future resolves once every copy it queued is settled.
//!
//! Each copy of a message queued on a subscription ends acked, dead-lettered or discarded
//! (the accounting invariant). A waiter counts the copies of one message still open and
//! resolves with what became of them when the last one settles. Messages nobody waits for
//! cost one emptiness check per settlement.

use futures::channel::oneshot;
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use rustc_hash::FxHashMap;

use super::effects::Effect;
use super::publish::Headed;
use super::state::Inner;
use super::Broker;
use crate::error::Result;
use crate::message::Payload;

/// What became of the copies of one published message.
///
/// # Example
///
/// ```
/// use wasm_pubsub::WaitReport;
/// assert_eq!(WaitReport::default().acked, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaitReport {
    /// Copies acked by their handler.
    pub acked: u64,
    /// Copies dead-lettered, for any reason.
    pub dead_lettered: u64,
    /// Copies discarded by an explicit unsubscribe or topic deletion.
    pub discarded: u64,
}

/// How a copy settled.
#[derive(Clone, Copy)]
pub(crate) enum Settled {
    Acked,
    DeadLettered,
    Discarded,
}

/// The copies of one message still open, and the report so far.
pub(crate) struct Waiter {
    open: u64,
    report: WaitReport,
    sender: oneshot::Sender<WaitReport>,
}

/// Waiters by message id.
pub(crate) type Waiters = FxHashMap<u64, Waiter>;

impl<P: Payload> Broker<P> {
    /// [`Broker::publish_headed`], and a future that resolves once every copy the publish
    /// queued is acked, dead-lettered or discarded, with how many went which way (at once
    /// when no subscription took the message).
    ///
    /// # Errors
    ///
    /// Those of [`Broker::publish`]; then nothing is waited for.
    ///
    /// # Example
    ///
    /// ```
    /// use std::rc::Rc;
    /// use wasm_pubsub::{Broker, Config, Delivery, Headers, ManualClock, Outcome, SubscribeOptions};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock.clone());
    /// bus.create_topic("t").unwrap();
    /// bus.subscribe("t", SubscribeOptions::default(), |_: &Delivery<'_, String>| Outcome::Ack).unwrap();
    /// let (_, settled) = bus.publish_and_wait((String::from("hi"), Rc::new(Headers::plain("t")), Some(2))).unwrap();
    /// clock.run_until_idle();
    /// assert_eq!(futures::executor::block_on(settled).acked, 1);
    /// ```
    pub fn publish_and_wait(&self, message: Headed<P>) -> Result<(u64, LocalBoxFuture<'static, WaitReport>)> {
        let (sender, receiver) = oneshot::channel();
        let (data, headers, size) = message;
        let id = self.publishing(1, |inner, now| {
            let topic = headers.topic.clone();
            let routed_before = inner.counters.routed;
            let checked = inner.check_headed(data, headers, size);
            let id = inner.publish_one(&topic, Some(&topic), checked, now)?;
            let open = inner.counters.routed - routed_before;
            match open {
                0 => inner.effect(Effect::Settled(sender, WaitReport::default())),
                _ => drop(inner.waiters.insert(id, Waiter { open, report: WaitReport::default(), sender })),
            }
            Ok(id)
        })?;
        Ok((id, receiver.map(|report| report.unwrap_or_default()).boxed_local()))
    }
}

impl<P> Inner<P> {
    /// Records how one copy of message `id` settled, resolving its waiter with the last.
    pub(crate) fn copy_settled(&mut self, id: u64, how: Settled) {
        if self.waiters.is_empty() {
            return;
        }
        let Some(waiter) = self.waiters.get_mut(&id) else { return };
        match how {
            Settled::Acked => waiter.report.acked += 1,
            Settled::DeadLettered => waiter.report.dead_lettered += 1,
            Settled::Discarded => waiter.report.discarded += 1,
        }
        waiter.open -= 1;
        if waiter.open == 0 {
            if let Some(waiter) = self.waiters.remove(&id) {
                self.effect(Effect::Settled(waiter.sender, waiter.report));
            }
        }
    }
}
