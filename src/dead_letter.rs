//! Dead letters: messages a subscription gave up on, kept in a bounded store.

use std::collections::VecDeque;
use std::rc::Rc;

use crate::broker::SubscriptionId;
use crate::message::Message;
use crate::subscription::Failure;

/// Why a message was dead-lettered.
///
/// # Example
///
/// ```
/// use wasm_pubsub::DeadLetterReason;
/// assert_eq!(DeadLetterReason::MaxAttempts.as_str(), "MAX_ATTEMPTS");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadLetterReason {
    /// Every one of `maxDeliveryAttempts` attempts failed.
    MaxAttempts,
    /// The queue was full and its overflow policy is `deadLetterOldest`.
    Overflow,
    /// The bus closed before the message settled.
    Shutdown,
}

impl DeadLetterReason {
    /// The code JavaScript sees.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::DeadLetterReason;
    /// assert_eq!(DeadLetterReason::Shutdown.as_str(), "SHUTDOWN");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            DeadLetterReason::MaxAttempts => "MAX_ATTEMPTS",
            DeadLetterReason::Overflow => "OVERFLOW",
            DeadLetterReason::Shutdown => "SHUTDOWN",
        }
    }
}

/// A message one subscription gave up on, with why and how often it was tried.
///
/// # Example
///
/// ```
/// use std::rc::Rc;
/// use wasm_pubsub::{DeadLetter, DeadLetterReason, Headers, Message, SubscriptionId};
///
/// let headers = Rc::new(Headers::plain("t"));
/// let message = Rc::new(Message { id: 7, sequence: 1, published_at: 0.0, headers, data: () });
/// let letter = DeadLetter { message, subscription: Rc::from("s"), subscription_id: SubscriptionId(1),
///     reason: DeadLetterReason::Overflow, error: None, attempts: 0, dead_lettered_at: 3.0 };
/// assert_eq!(letter.message.id, 7);
/// ```
#[derive(Debug, Clone)]
pub struct DeadLetter<P> {
    /// The message, shared with every other subscription that received it.
    pub message: Rc<Message<P>>,
    /// Name of the subscription that gave up.
    pub subscription: Rc<str>,
    /// That subscription's id: a name can be reused after `unsubscribe`, the id cannot, so
    /// a replay never lands on a newer subscription that took the name. A letter restored
    /// from an earlier run has [`SubscriptionId::RESTORED`]: it replays onto the live
    /// subscription of its name.
    pub subscription_id: SubscriptionId,
    /// Why it gave up.
    pub reason: DeadLetterReason,
    /// The last failure, when there was a delivery attempt.
    pub error: Option<Failure>,
    /// Delivery attempts made (0 for OVERFLOW or SHUTDOWN before any delivery).
    pub attempts: u32,
    /// The clock's time when it was dead-lettered.
    pub dead_lettered_at: f64,
}

/// The bounded store: oldest first, the oldest evicted beyond `capacity`.
pub(crate) struct DeadLetterStore<P> {
    letters: VecDeque<Rc<DeadLetter<P>>>,
    capacity: usize,
    pub evicted: u64,
}

impl<P> DeadLetterStore<P> {
    pub fn new(capacity: u32) -> Self {
        DeadLetterStore { letters: VecDeque::new(), capacity: capacity as usize, evicted: 0 }
    }

    /// Keeps `letter`, evicting the oldest beyond capacity; returns the letter evicted (the
    /// new one itself when the capacity is 0).
    pub fn push(&mut self, letter: Rc<DeadLetter<P>>) -> Option<Rc<DeadLetter<P>>> {
        if self.capacity == 0 {
            self.evicted += 1;
            return Some(letter);
        }
        let evicted = match self.letters.len() == self.capacity {
            true => self.letters.pop_front(),
            false => None,
        };
        self.evicted += evicted.is_some() as u64;
        self.letters.push_back(letter);
        evicted
    }

    /// Bounds the store to `capacity` letters, evicting the oldest; returns them.
    pub fn set_capacity(&mut self, capacity: u32) -> Vec<Rc<DeadLetter<P>>> {
        self.capacity = capacity as usize;
        let excess = self.letters.len().saturating_sub(self.capacity);
        self.evicted += excess as u64;
        self.letters.drain(..excess).collect()
    }

    pub fn len(&self) -> usize {
        self.letters.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rc<DeadLetter<P>>> {
        self.letters.iter()
    }

    pub fn purge(&mut self) -> Vec<Rc<DeadLetter<P>>> {
        self.letters.drain(..).collect()
    }

    /// Removes and returns the letters `take` selects, keeping the others in order.
    pub fn take_where(&mut self, mut take: impl FnMut(&DeadLetter<P>) -> bool) -> Vec<Rc<DeadLetter<P>>> {
        let mut taken = Vec::new();
        for letter in std::mem::take(&mut self.letters) {
            if take(&letter) {
                taken.push(letter);
            } else {
                self.letters.push_back(letter);
            }
        }
        taken
    }
}
