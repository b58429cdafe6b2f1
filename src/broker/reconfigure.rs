//! Configuration at run time: `bus.configure(changes)` and `subscription.update(changes)`.
//!
//! Nothing queued is lost or reordered by a change. A subscription's new settings apply
//! from its next delivery: deliveries already in flight keep the ack deadline they started
//! with, and retries already scheduled keep their time. A queue now longer than a smaller
//! `queueCapacity` follows the overflow policy: `"deadLetterOldest"` dead-letters the
//! oldest with reason `OVERFLOW` at once; `"reject"` keeps them all and rejects publishes
//! until the queue is below capacity. Either way the report and the log say so.

use super::state::Inner;
use super::{Broker, SubscriptionId};
use crate::config::{Config, DeliveryOptions, Overflow};
use crate::dead_letter::DeadLetterReason;
use crate::error::{Error, Result};
use crate::log::{Level, LogRecord};
use crate::message::Payload;
use crate::subscription::SubscriptionState;

/// What `subscription.update(changes)` did to the queue.
///
/// # Example
///
/// ```
/// use wasm_pubsub::UpdateReport;
/// assert_eq!(UpdateReport::default().dead_lettered, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpdateReport {
    /// Queued messages dead-lettered (reason `OVERFLOW`) to fit a smaller `queueCapacity`
    /// under `overflow: "deadLetterOldest"`.
    pub dead_lettered: u32,
    /// Queued messages beyond a smaller `queueCapacity`, kept under `overflow: "reject"`;
    /// publishes to the subscription are rejected until it drains below capacity.
    pub over_capacity: u32,
}

impl<P: Payload> Broker<P> {
    /// Replaces the bus's config (build it with [`Config::with_changes`]). Delivery
    /// settings apply to subscriptions made afterwards; limits to what is created or
    /// published afterwards (topics and subscriptions beyond a lowered count stay); a
    /// smaller `maxDeadLetters` evicts the oldest letters at once, counted as evictions.
    ///
    /// # Errors
    ///
    /// `CLOSED` once the bus is closing or closed.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// bus.configure(Config { auto_create_topics: true, ..bus.config() }).unwrap();
    /// assert!(bus.config().auto_create_topics);
    /// ```
    pub fn configure(&self, config: Config) -> Result<()> {
        let result = self.shared.borrow_mut().configure(config);
        self.flush();
        result
    }

    /// Changes the delivery settings of a live subscription (build them with
    /// [`DeliveryOptions::with_changes`] from its [`Broker::subscription_options`]).
    ///
    /// # Errors
    ///
    /// `CLOSED` when the subscription has ended or the bus is closing or closed.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Delivery, DeliveryOptions, ManualClock, Outcome, SubscribeOptions};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// let sub = bus.subscribe(">", SubscribeOptions::default(), |_: &Delivery<'_, String>| Outcome::Ack).unwrap();
    /// let options = DeliveryOptions { max_in_flight: 8, ..DeliveryOptions::default() };
    /// bus.update_subscription(sub, options).unwrap();
    /// assert_eq!(bus.subscription_options(sub).unwrap().max_in_flight, 8);
    /// ```
    pub fn update_subscription(&self, id: SubscriptionId, options: DeliveryOptions) -> Result<UpdateReport> {
        let now = self.clock().map(|clock| clock.now_ms());
        let result = {
            let mut inner = self.shared.borrow_mut();
            now.ok_or(Error::Closed).and_then(|now| inner.update_subscription(id.0, options, now))
        };
        self.flush();
        result
    }

    /// The delivery settings of a live subscription.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock, SubscriptionId};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert!(bus.subscription_options(SubscriptionId(1)).is_none());
    /// ```
    pub fn subscription_options(&self, id: SubscriptionId) -> Option<DeliveryOptions> {
        let inner = self.shared.borrow();
        inner.subs.get(&id.0).filter(|s| s.state != SubscriptionState::Closed).map(|s| s.options.clone())
    }
}

impl<P: Payload> Inner<P> {
    fn configure(&mut self, config: Config) -> Result<()> {
        self.ensure_open()?;
        let letters = self.dead_letters.set_capacity(config.limits.max_dead_letters);
        let evicted = letters.len() as u64;
        self.counters.dead_letters_evicted += evicted;
        self.letters_removed(letters);
        self.config = config;
        self.log(|| LogRecord {
            message: Some(format!("config changed; {evicted} dead letters evicted to fit limits.maxDeadLetters")),
            ..LogRecord::new(Level::Info, "bus.configured")
        });
        Ok(())
    }

    fn update_subscription(&mut self, id: u64, options: DeliveryOptions, now: f64) -> Result<UpdateReport> {
        self.ensure_open()?;
        let sub = self.subs.get_mut(&id).filter(|s| s.state != SubscriptionState::Closed);
        let sub = sub.ok_or(Error::SubscriptionEnded)?;
        sub.breaker.reconfigure(options.circuit_breaker.clone());
        sub.options = options;
        let excess = sub.queue.len().saturating_sub(sub.options.queue_capacity as usize) as u32;
        let make_room = sub.options.overflow == Overflow::DeadLetterOldest;
        let name = sub.name.clone();
        let report = match make_room {
            true => UpdateReport { dead_lettered: excess, over_capacity: 0 },
            false => UpdateReport { dead_lettered: 0, over_capacity: excess },
        };
        for _ in 0..report.dead_lettered {
            self.dead_letter_oldest(id, now);
        }
        self.log(|| updated_record(name, report));
        self.schedule_drain(id);
        self.arm_wake(id, now);
        Ok(report)
    }

    fn dead_letter_oldest(&mut self, id: u64, now: f64) {
        let Some(oldest) = self.subs.get_mut(&id).and_then(|s| s.queue.pop_front()) else { return };
        self.counters.queued -= 1;
        self.dead_letter_queued(id, oldest, DeadLetterReason::Overflow, now);
    }
}

fn updated_record(subscription: std::rc::Rc<str>, report: UpdateReport) -> LogRecord {
    let message = match report {
        UpdateReport { dead_lettered: 0, over_capacity: 0 } => "options changed".to_owned(),
        UpdateReport { over_capacity: 0, dead_lettered } => {
            format!("options changed; {dead_lettered} oldest queued messages dead-lettered to fit queueCapacity")
        }
        UpdateReport { over_capacity, .. } => {
            format!("options changed; {over_capacity} queued messages over queueCapacity kept, publishes rejected until it drains")
        }
    };
    let level = match report == UpdateReport::default() {
        true => Level::Info,
        false => Level::Warn,
    };
    LogRecord { subscription: Some(subscription), message: Some(message), ..LogRecord::new(level, "subscription.updated") }
}
