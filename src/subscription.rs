//! Handlers, settlement, and one subscription's delivery state.
//!
//! A subscription owns a bounded queue of messages waiting for it (including those waiting
//! for a retry) and a window of at most `maxInFlight` deliveries awaiting settlement. The
//! broker asks it for the next delivery it may start ([`Subscription::start_next`]); which
//! message that is follows the ordering rules of API.md: with `maxInFlight` 1 only the head
//! may go (a failing message holds back the ones behind it); with more, messages sharing an
//! ordering key still go one at a time and in order.

use std::rc::Rc;

use futures::future::LocalBoxFuture;

use crate::backlog::{Backlog, Retry};
use crate::breaker::{Breaker, Permit};
use crate::config::DeliveryOptions;
use crate::message::{Headers, Message};
use crate::topic::Pattern;

/// Identifies one delivery attempt, so a deferred handler can settle it later.
///
/// # Example
///
/// ```
/// use wasm_pubsub::DeliveryToken;
/// let token = DeliveryToken { subscription: 1, delivery: 2 };
/// assert_eq!(token.delivery, 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeliveryToken {
    /// Internal id of the subscription.
    pub subscription: u64,
    /// Number of the attempt within the subscription.
    pub delivery: u64,
}

/// What a handler is given: the shared message, this attempt's number and its token.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Delivery, Outcome};
/// fn handler(delivery: &Delivery<'_, String>) -> Outcome {
///     if delivery.attempt > 1 { Outcome::Ack } else { Outcome::Fail("first try".into()) }
/// }
/// ```
pub struct Delivery<'a, P> {
    /// The message.
    pub message: &'a Rc<Message<P>>,
    /// Attempts of this message on this subscription, from 1.
    pub attempt: u32,
    /// Token for [`crate::Broker::settle`] when the handler returns [`Outcome::Deferred`].
    pub token: DeliveryToken,
}

/// How a handler call ended, or how it will.
pub enum Outcome {
    /// Handled: the message is acked.
    Ack,
    /// Failed: the attempt counts as failed (`HANDLER_ERROR`). `"text".into()` makes one
    /// from the error's text.
    Fail(Failure),
    /// Settles when the future completes: `Ok` acks, `Err` fails with its text.
    Pending(LocalBoxFuture<'static, Result<(), String>>),
    /// The handler's host will call [`crate::Broker::settle`] with the delivery's token.
    Deferred,
}

/// Receives the messages of a subscription.
///
/// Any `Fn(&Delivery<P>) -> Outcome` closure is a handler.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Delivery, Handler, Outcome};
/// let handler = |_: &Delivery<'_, u64>| Outcome::Ack;
/// fn takes<H: Handler<u64>>(_: H) {}
/// takes(handler);
/// ```
pub trait Handler<P> {
    /// Handles one delivery attempt. It may call back into the broker.
    fn call(&self, delivery: &Delivery<'_, P>) -> Outcome;
}

impl<P, F: Fn(&Delivery<'_, P>) -> Outcome> Handler<P> for F {
    fn call(&self, delivery: &Delivery<'_, P>) -> Outcome {
        self(delivery)
    }
}

/// Why an attempt failed.
///
/// # Example
///
/// ```
/// use wasm_pubsub::FailureCode;
/// assert_eq!(FailureCode::HandlerTimeout.as_str(), "HANDLER_TIMEOUT");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureCode {
    /// The handler threw, rejected, or failed its future.
    HandlerError,
    /// The handler did not settle within `ackTimeoutMs`.
    HandlerTimeout,
}

impl FailureCode {
    /// The code JavaScript sees.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::FailureCode;
    /// assert_eq!(FailureCode::HandlerError.as_str(), "HANDLER_ERROR");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            FailureCode::HandlerError => "HANDLER_ERROR",
            FailureCode::HandlerTimeout => "HANDLER_TIMEOUT",
        }
    }
}

/// A failed attempt: its code, the error text (cut to 1024 code points) and, when the host
/// has one, the error's stack (cut to 4096 code points).
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Failure, FailureCode};
/// let failure = Failure::error(&"x".repeat(2000));
/// assert_eq!(failure.message.chars().count(), 1024);
/// assert_eq!(failure.code, FailureCode::HandlerError);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Error or timeout.
    pub code: FailureCode,
    /// The thrown value's message, cut to 1024 code points.
    pub message: String,
    /// The thrown error's stack trace, cut to 4096 code points, when there was one.
    pub stack: Option<String>,
}

/// Longest error text a failure keeps, in code points.
pub const FAILURE_MESSAGE_MAX_CHARS: usize = 1024;

/// Longest stack trace a failure keeps, in code points.
pub const FAILURE_STACK_MAX_CHARS: usize = 4096;

/// `text` cut to its first `max` code points.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text.get(..end).unwrap_or(text).to_owned(),
        None => text.to_owned(),
    }
}

impl From<&str> for Failure {
    fn from(text: &str) -> Self {
        Failure::error(text)
    }
}

impl From<String> for Failure {
    fn from(text: String) -> Self {
        Failure::error(&text)
    }
}

impl Failure {
    /// A `HANDLER_ERROR` with the handler's error text.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::Failure;
    /// assert_eq!(Failure::error("boom").message, "boom");
    /// ```
    pub fn error(text: &str) -> Self {
        Failure { code: FailureCode::HandlerError, message: cut(text, FAILURE_MESSAGE_MAX_CHARS), stack: None }
    }

    /// This failure with the error's stack trace.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::Failure;
    /// let failure = Failure::error("boom").with_stack("Error: boom\n    at handler (app.js:3:9)");
    /// assert!(failure.stack.unwrap().contains("app.js:3"));
    /// ```
    pub fn with_stack(self, stack: &str) -> Self {
        Failure { stack: Some(cut(stack, FAILURE_STACK_MAX_CHARS)), ..self }
    }

    /// A `HANDLER_TIMEOUT` after `timeout_ms`.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Failure, FailureCode};
    /// assert_eq!(Failure::timeout(50).code, FailureCode::HandlerTimeout);
    /// ```
    pub fn timeout(timeout_ms: u32) -> Self {
        let message = format!("handler did not settle within {timeout_ms} ms");
        Failure { code: FailureCode::HandlerTimeout, message, stack: None }
    }
}

/// Whether a subscription delivers.
///
/// # Example
///
/// ```
/// use wasm_pubsub::SubscriptionState;
/// assert_eq!(SubscriptionState::Paused.as_str(), "paused");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionState {
    /// Delivering.
    Active,
    /// Queueing without delivering.
    Paused,
    /// Unsubscribed, or its topic or bus is gone.
    Closed,
}

impl SubscriptionState {
    /// The name JavaScript sees.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::SubscriptionState;
    /// assert_eq!(SubscriptionState::Active.as_str(), "active");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionState::Active => "active",
            SubscriptionState::Paused => "paused",
            SubscriptionState::Closed => "closed",
        }
    }
}

/// A delivery awaiting settlement.
pub(crate) struct InFlight<P> {
    pub delivery: u64,
    pub message: Rc<Message<P>>,
    pub attempt: u32,
    pub deadline: f64,
    pub permit: Permit,
}

/// A delivery the broker should start now, taken out of the queue.
pub(crate) struct Start<P> {
    pub handler: Rc<dyn Handler<P>>,
    pub message: Rc<Message<P>>,
    pub attempt: u32,
    pub token: DeliveryToken,
}

/// One subscription's state, owned by the broker.
pub(crate) struct Subscription<P> {
    pub id: u64,
    pub name: Rc<str>,
    pub pattern: Pattern,
    pub handler: Rc<dyn Handler<P>>,
    pub options: DeliveryOptions,
    pub filter: Vec<(String, String)>,
    pub state: SubscriptionState,
    pub queue: Backlog<P>,
    pub in_flight: Vec<InFlight<P>>,
    pub breaker: Breaker,
    pub next_delivery: u64,
    pub drain_scheduled: bool,
    /// A drain run of this subscription is calling its handler now.
    pub draining: bool,
    /// Due time of the armed wake-up timer, if any.
    pub wake_due: Option<f64>,
    /// The armed wake-up timer, once the clock returned its id.
    pub wake_timer: Option<crate::clock::TimerId>,
    pub stats: SubscriptionStats,
    /// A pattern subscription's topics (their plain headers), so that unsubscribing visits
    /// only those. Topics deleted since linger until [`Subscription::attach`] sweeps them.
    pub topics: Vec<Rc<Headers>>,
}

/// Per-subscription totals for `metrics().perSubscription`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SubscriptionStats {
    /// Copies acked.
    pub acked: u64,
    /// Attempts failed.
    pub failed: u64,
    /// Copies dead-lettered.
    pub dead_lettered: u64,
}

impl<P> Subscription<P> {
    /// Records that this pattern subscription now receives a new topic's messages. When
    /// the list is full it first drops the topics `current` says are gone, before it grows:
    /// the sweep costs O(1) amortised per topic, and the list stays within twice the
    /// largest number of live topics it held.
    pub fn attach(&mut self, plain: Rc<Headers>, current: impl Fn(&Rc<Headers>) -> bool) {
        if self.topics.len() == self.topics.capacity() {
            self.topics.retain(current);
        }
        self.topics.push(plain);
    }

    pub fn is_full(&self) -> bool {
        self.queue.len() >= self.options.queue_capacity as usize
    }

    /// Whether a drain run would start a delivery at `now`.
    pub fn can_start(&self, now: f64) -> bool {
        self.has_room() && self.breaker.would_permit() && self.next_eligible(now).is_some()
    }

    /// Whether it is active with room in its in-flight window.
    pub fn has_room(&self) -> bool {
        self.state == SubscriptionState::Active && self.in_flight.len() < self.options.max_in_flight as usize
    }

    /// Takes the next message this subscription may deliver at `now`, if any.
    pub fn start_next(&mut self, now: f64) -> Option<Start<P>> {
        if !self.has_room() {
            return None;
        }
        let index = self.next_eligible(now)?;
        let permit = self.breaker.try_start()?;
        let (message, attempts) = self.queue.take_for_delivery(index)?;
        Some(self.begin(message, attempts + 1, permit, now))
    }

    fn begin(&mut self, message: Rc<Message<P>>, attempt: u32, permit: Permit, now: f64) -> Start<P> {
        self.next_delivery += 1;
        self.in_flight.push(InFlight {
            delivery: self.next_delivery,
            message: message.clone(),
            attempt,
            deadline: now + f64::from(self.options.ack_timeout_ms),
            permit,
        });
        let token = DeliveryToken { subscription: self.id, delivery: self.next_delivery };
        Start { handler: self.handler.clone(), message, attempt, token }
    }

    /// Index of the first queued message whose turn it is.
    fn next_eligible(&self, now: f64) -> Option<usize> {
        if self.options.max_in_flight == 1 {
            return self.queue.head_not_before().filter(|&not_before| not_before <= now).map(|_| 0);
        }
        let mut blocked_keys: Vec<&str> = Vec::new();
        for (index, (message, not_before)) in self.queue.iter().enumerate() {
            let key = message.ordering_key();
            let key_busy = key.is_some_and(|k| blocked_keys.contains(&k) || self.key_in_flight(k));
            if not_before <= now && !key_busy {
                return Some(index);
            }
            if let Some(k) = key {
                blocked_keys.push(k);
            }
        }
        None
    }

    fn key_in_flight(&self, key: &str) -> bool {
        self.in_flight.iter().any(|f| f.message.ordering_key() == Some(key))
    }

    /// Removes the in-flight delivery `delivery`, if it is still awaited.
    pub fn take_in_flight(&mut self, delivery: u64) -> Option<InFlight<P>> {
        let index = self.in_flight.iter().position(|f| f.delivery == delivery)?;
        Some(self.in_flight.swap_remove(index))
    }

    /// Removes every in-flight delivery whose ack deadline has passed.
    pub fn take_expired(&mut self, now: f64) -> Vec<InFlight<P>> {
        let mut expired = Vec::new();
        let mut index = 0;
        while index < self.in_flight.len() {
            if self.in_flight[index].deadline <= now {
                expired.push(self.in_flight.swap_remove(index));
            } else {
                index += 1;
            }
        }
        let order = crate::metrics::sorted_indices(expired.len(), &|a, b| expired[a].delivery.cmp(&expired[b].delivery));
        let mut slots: Vec<Option<InFlight<P>>> = expired.into_iter().map(Some).collect();
        order.into_iter().filter_map(|i| slots[i].take()).collect()
    }

    /// Puts a failed message back at the head, to be retried at `not_before`.
    pub fn requeue(&mut self, failed: InFlight<P>, not_before: f64, error: Failure) {
        let retry = Retry { attempts: failed.attempt, not_before, last_error: error };
        self.queue.push_retry(failed.message, retry);
    }

    /// The earliest time something may need attention: an ack deadline, the end of a
    /// backoff, or the breaker's reset. Only an active subscription waits for its breaker:
    /// a paused one polls it when resumed, and waking for a reset already past would
    /// re-arm the timer at delay 0 for ever.
    pub fn next_wake(&self, now: f64) -> Option<f64> {
        let deadlines = self.in_flight.iter().map(|f| f.deadline);
        let backoffs = self.queue.retries().map(|r| r.not_before).filter(|&t| t > now);
        let active = self.state == SubscriptionState::Active;
        let reset = self.breaker.reopens_at().filter(|_| active);
        let earliest = deadlines.chain(backoffs).chain(reset);
        earliest.min_by(f64::total_cmp)
    }
}
