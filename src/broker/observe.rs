//! Observability and the dead-letter store: metrics, health, letters, replay.

use std::rc::Rc;

use super::state::{Inner, Phase};
use crate::sorted_map::SortedMap;
use super::SubscriptionId;
use super::Broker;
use crate::breaker::BreakerState;
use crate::dead_letter::DeadLetter;
use crate::error::Result;
use crate::log::LogRecord;
use crate::message::Payload;
use crate::metrics::{sorted_indices, Counters, Latency};
use crate::subscription::{Subscription, SubscriptionState};

/// One live subscription in [`MetricsSnapshot::per_subscription`].
#[derive(Clone, Debug, PartialEq)]
pub struct SubscriptionMetrics {
    /// Subscription name.
    pub name: Rc<str>,
    /// Its topic or pattern.
    pub topic: Rc<str>,
    /// Messages waiting.
    pub queued: u64,
    /// Deliveries awaiting settlement.
    pub in_flight: u64,
    /// Copies acked.
    pub acked: u64,
    /// Attempts failed.
    pub failed: u64,
    /// Copies dead-lettered.
    pub dead_lettered: u64,
    /// Its circuit breaker.
    pub breaker_state: BreakerState,
}

/// Everything `metrics()` reports.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Broker, Config, ManualClock};
/// let clock = ManualClock::new();
/// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
/// let snapshot = bus.metrics();
/// assert_eq!((snapshot.topics, snapshot.subscriptions), (0, 0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsSnapshot {
    /// Counters and gauges.
    pub counters: Counters,
    /// Publish→ack latency on the injected clock.
    pub latency: Latency,
    /// Topics now.
    pub topics: u64,
    /// Live subscriptions now.
    pub subscriptions: u64,
    /// Live subscriptions, by name order.
    pub per_subscription: Vec<SubscriptionMetrics>,
    /// Calls to the clock that failed since the broker was made ([`crate::Clock::errors`]).
    pub clock_errors: u64,
}

/// The overall state `health()` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthStatus {
    /// All breakers closed, all queues below 90%.
    Healthy,
    /// A breaker is open or half-open, or a queue is at least 90% full.
    Degraded,
    /// `close` was called and has not finished.
    Closing,
    /// Closed.
    Closed,
}

impl HealthStatus {
    /// The name JavaScript sees.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::HealthStatus;
    /// assert_eq!(HealthStatus::Degraded.as_str(), "degraded");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "healthy",
            HealthStatus::Degraded => "degraded",
            HealthStatus::Closing => "closing",
            HealthStatus::Closed => "closed",
        }
    }
}

/// What `health()` reports.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Broker, Config, HealthStatus, ManualClock};
/// let clock = ManualClock::new();
/// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
/// assert_eq!(bus.health().status, HealthStatus::Healthy);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// Overall state.
    pub status: HealthStatus,
    /// Subscriptions whose breaker is open or half-open.
    pub open_breakers: Vec<Rc<str>>,
    /// Subscriptions whose queue is at least 90% full.
    pub saturated_subscriptions: Vec<Rc<str>>,
    /// Dead letters in the store.
    pub dead_letters: u64,
    /// Calls to the clock that failed since the broker was made ([`crate::Clock::errors`]).
    pub clock_errors: u64,
}

impl<P: Payload> Broker<P> {
    /// The counters and gauges alone (cheaper than [`Broker::metrics`]).
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert_eq!(bus.counters().published, 0);
    /// ```
    pub fn counters(&self) -> Counters {
        self.shared.borrow().counters
    }

    /// Hands a record to the logger (a host binding's own events, such as a bridge's).
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Level, LogRecord, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// bus.log(LogRecord::new(Level::Warn, "bridge.rejected"));
    /// ```
    pub fn log(&self, record: LogRecord) {
        self.shared.borrow_mut().log(|| record);
        self.flush();
    }

    /// Counters, gauges, latency percentiles and per-subscription figures.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert_eq!(bus.metrics().latency.p50, 0.0);
    /// ```
    pub fn metrics(&self) -> MetricsSnapshot {
        self.rearm();
        let clock_errors = self.clock().map_or(0, |clock| clock.errors());
        let inner = self.shared.borrow();
        let live: Vec<&Subscription<P>> = inner.live().collect();
        let order = sorted_indices(live.len(), &|a, b| live[a].name.cmp(&live[b].name));
        let per_subscription: Vec<SubscriptionMetrics> =
            order.iter().map(|&index| subscription_metrics(live[index])).collect();
        MetricsSnapshot {
            counters: inner.counters,
            latency: inner.latency.summary(),
            topics: inner.topics.len() as u64,
            subscriptions: per_subscription.len() as u64,
            per_subscription,
            clock_errors,
        }
    }

    /// Health: degraded while a breaker is not closed or a queue is at least 90% full.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert!(bus.health().open_breakers.is_empty());
    /// ```
    pub fn health(&self) -> Health {
        self.rearm();
        let clock_errors = self.clock().map_or(0, |clock| clock.errors());
        let inner = self.shared.borrow();
        let open_breakers = inner.live_names(|s| s.breaker.state() != BreakerState::Closed);
        let saturated_subscriptions = inner.live_names(|s| saturated(s.queue.len(), s.options.queue_capacity));
        let status = match inner.phase {
            Phase::Closing => HealthStatus::Closing,
            Phase::Closed => HealthStatus::Closed,
            _ if open_breakers.is_empty() && saturated_subscriptions.is_empty() && !inner.unarmed => HealthStatus::Healthy,
            _ => HealthStatus::Degraded,
        };
        let dead_letters = inner.dead_letters.len() as u64;
        Health { status, open_breakers, saturated_subscriptions, dead_letters, clock_errors }
    }

    /// The stored dead letters, oldest first.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert!(bus.dead_letters().is_empty());
    /// ```
    pub fn dead_letters(&self) -> Vec<Rc<DeadLetter<P>>> {
        self.shared.borrow().dead_letters.iter().cloned().collect()
    }

    /// Empties the dead-letter store and returns how many letters it held.
    ///
    /// # Errors
    ///
    /// `CLOSED` once `close` was called, like every call that changes the bus (the letters
    /// stay readable with [`Broker::dead_letters`]).
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Error, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert_eq!(bus.purge_dead_letters(), Ok(0));
    /// drop(bus.close(0));
    /// assert_eq!(bus.purge_dead_letters(), Err(Error::Closed));
    /// ```
    pub fn purge_dead_letters(&self) -> Result<usize> {
        let mut inner = self.shared.borrow_mut();
        inner.ensure_open()?;
        let letters = inner.dead_letters.purge();
        let count = letters.len();
        inner.letters_removed(letters);
        drop(inner);
        self.flush();
        Ok(count)
    }

    /// Queues again the letters `select` picks on the subscriptions they came from (same
    /// message, attempts counted from 1). A letter restored from an earlier run goes to the
    /// live subscription of its name. Letters whose subscription is gone (or, restored, has
    /// no live namesake yet), or whose queue is full, stay in the store. Returns how many
    /// were queued.
    ///
    /// # Errors
    ///
    /// `CLOSED`.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert_eq!(bus.replay_dead_letters(|_| true), Ok(0));
    /// ```
    pub fn replay_dead_letters(&self, mut select: impl FnMut(&DeadLetter<P>) -> bool) -> Result<usize> {
        let candidates: Vec<Rc<DeadLetter<P>>> = {
            let inner = self.shared.borrow();
            inner.ensure_open()?;
            inner.dead_letters.iter().cloned().collect()
        };
        let chosen: Vec<usize> = candidates.iter().filter(|l| select(l)).map(|l| address(l)).collect();
        let mut sorted = sorted_indices(chosen.len(), &|a, b| chosen[a].cmp(&chosen[b]));
        for slot in &mut sorted {
            *slot = chosen[*slot];
        }
        let replayed = self.shared.borrow_mut().replay(&sorted);
        self.flush();
        Ok(replayed)
    }
}

/// Whether a queue holding `queued` messages is at least 90% of `capacity` full. In `u64`:
/// `capacity · 9` overflows 32 bits (wasm's `usize`) from a capacity of 477 218 589.
fn saturated(queued: usize, capacity: u32) -> bool {
    queued as u64 * 10 >= u64::from(capacity) * 9
}

/// A letter's identity while the letters it is compared with are alive: its address.
fn address<P>(letter: &DeadLetter<P>) -> usize {
    std::ptr::from_ref(letter) as usize
}

/// The live subscription a letter replays onto: the one it came from, or for a restored
/// letter the live one of its name.
fn target<P>(subs: &SortedMap<u64, Subscription<P>>, letter: &DeadLetter<P>) -> Option<u64> {
    let live = |s: &&Subscription<P>| s.state != SubscriptionState::Closed;
    if letter.subscription_id != SubscriptionId::RESTORED {
        return subs.get(&letter.subscription_id.0).filter(live).map(|s| s.id);
    }
    subs.values().filter(live).find(|s| s.name == letter.subscription).map(|s| s.id)
}

fn subscription_metrics<P>(sub: &Subscription<P>) -> SubscriptionMetrics {
    SubscriptionMetrics {
        name: sub.name.clone(),
        topic: Rc::from(sub.pattern.as_str()),
        queued: sub.queue.len() as u64,
        in_flight: sub.in_flight.len() as u64,
        acked: sub.stats.acked,
        failed: sub.stats.failed,
        dead_lettered: sub.stats.dead_lettered,
        breaker_state: sub.breaker.state(),
    }
}

impl<P> Inner<P> {
    /// Subscriptions that are not closed.
    fn live(&self) -> impl Iterator<Item = &Subscription<P>> {
        self.subs.values().filter(|s| s.state != SubscriptionState::Closed)
    }

    /// Names of the live subscriptions `pick` selects (a fn pointer: one copy serves all).
    fn live_names(&self, pick: fn(&Subscription<P>) -> bool) -> Vec<Rc<str>> {
        self.live().filter(|s| pick(s)).map(|s| s.name.clone()).collect()
    }

    /// Moves the chosen letters (by identity: `chosen` holds their sorted addresses) back to
    /// their subscriptions' queues.
    fn replay(&mut self, chosen: &[usize]) -> usize {
        let mut room: Vec<(u64, usize)> = Vec::new();
        let subs = &self.subs;
        let taken = self.dead_letters.take_where(|letter| {
            let Some(id) = target(subs, letter) else { return false };
            let Some(sub) = subs.get(&id) else { return false };
            let used = room.iter().find(|(s, _)| *s == id).map_or(0, |(_, n)| *n);
            let fits = sub.queue.len() + used < sub.options.queue_capacity as usize;
            let take = fits && chosen.binary_search(&address(letter)).is_ok();
            if take {
                match room.iter_mut().find(|(s, _)| *s == id) {
                    Some((_, n)) => *n += 1,
                    None => room.push((id, 1)),
                }
            }
            take
        });
        let count = taken.len();
        for letter in &taken {
            self.requeue_letter(letter);
        }
        self.letters_removed(taken);
        count
    }

    fn requeue_letter(&mut self, letter: &DeadLetter<P>) {
        let Some(id) = target(&self.subs, letter) else { return };
        let Some(sub) = self.subs.get_mut(&id) else { return };
        sub.queue.push_back(letter.message.clone());
        self.counters.routed += 1;
        self.counters.queued += 1;
        self.schedule_drain(id);
    }
}

#[cfg(test)]
mod tests {
    use super::saturated;

    #[test]
    fn a_queue_is_saturated_from_90_percent_of_any_capacity_up_to_2_pow_31_minus_1() {
        let max = i32::MAX as u32;
        let cases = [
            (0, 1, false),
            (1, 1, true),
            (8, 10, false),
            (9, 10, true),
            (1, 477_218_589, false),
            (429_496_731, 477_218_589, true),
            (429_496_730, 477_218_589, false),
            (1, max, false),
            (1_932_735_282, max, false),
            (1_932_735_283, max, true),
            (max as usize, max, true),
        ];
        for (queued, capacity, expected) in cases {
            assert_eq!(saturated(queued, capacity), expected, "{queued} queued of {capacity}");
        }
    }
}
