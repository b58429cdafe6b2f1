//! A subscription's queue: the messages waiting for it, with the retry state of the ones
//! that failed kept beside them rather than in every slot.
//!
//! A failed message goes back to the head of the queue, so the retried messages are always
//! a prefix of it: the `n` retry records belong to the first `n` messages, kept in a stack
//! whose top is the head's. A queue slot is then one pointer, and a queue without retries
//! holds nothing else.

use std::collections::VecDeque;
use std::rc::Rc;

use crate::message::Message;
use crate::subscription::Failure;

/// Messages waiting for one subscription, oldest first, retried ones at the head.
pub(crate) struct Backlog<P> {
    messages: VecDeque<Rc<Message<P>>>,
    /// The retry state of the first `retries.len()` messages, the head's last:
    /// `messages[i]`'s is `retries[retries.len() - 1 - i]`.
    retries: Vec<Retry>,
}

/// What a message waiting for a retry carries besides itself.
pub(crate) struct Retry {
    /// Attempts made so far.
    pub attempts: u32,
    /// Not to be delivered before this time (the backoff).
    pub not_before: f64,
    pub last_error: Failure,
}

/// A message taken out of the backlog, with its retry state if it failed before.
pub(crate) struct Queued<P> {
    pub message: Rc<Message<P>>,
    pub retry: Option<Retry>,
}

impl<P> Default for Backlog<P> {
    fn default() -> Self {
        Backlog { messages: VecDeque::new(), retries: Vec::new() }
    }
}

impl<P> Backlog<P> {
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Queues a message that has not been attempted yet, at the tail.
    pub fn push_back(&mut self, message: Rc<Message<P>>) {
        self.messages.push_back(message);
    }

    /// Puts a failed message back at the head, with its retry state.
    pub fn push_retry(&mut self, message: Rc<Message<P>>, retry: Retry) {
        self.messages.push_front(message);
        self.retries.push(retry);
    }

    /// Takes the oldest message.
    pub fn pop_front(&mut self) -> Option<Queued<P>> {
        let message = self.messages.pop_front()?;
        Some(Queued { message, retry: self.retries.pop() })
    }

    /// Takes the message at `index` to deliver it, with the attempts it has had; its retry
    /// record, if any, goes (the error of the attempt before is not needed any more).
    pub fn take_for_delivery(&mut self, index: usize) -> Option<(Rc<Message<P>>, u32)> {
        let message = match index {
            0 => self.messages.pop_front()?,
            _ => self.messages.remove(index)?,
        };
        let retried = self.retries.len();
        let attempts = match index < retried {
            true => self.retries.remove(retried - 1 - index).attempts,
            false => 0,
        };
        Some((message, attempts))
    }

    /// The time before which the oldest message may not be delivered, if there is one.
    pub fn head_not_before(&self) -> Option<f64> {
        self.messages.front()?;
        Some(self.retries.last().map_or(f64::NEG_INFINITY, |r| r.not_before))
    }

    /// Each message with the time before which it may not be delivered.
    pub fn iter(&self) -> impl Iterator<Item = (&Rc<Message<P>>, f64)> {
        let retried = self.retries.len();
        let not_before = move |index: usize| match index < retried {
            true => self.retries[retried - 1 - index].not_before,
            false => f64::NEG_INFINITY,
        };
        self.messages.iter().enumerate().map(move |(index, message)| (message, not_before(index)))
    }

    /// The retry state of the retried messages, from the head.
    pub fn retries(&self) -> impl Iterator<Item = &Retry> {
        self.retries.iter().rev()
    }

    /// Empties the backlog and returns its messages, oldest first (their retry state goes).
    pub fn take_messages(&mut self) -> Vec<Rc<Message<P>>> {
        self.retries.clear();
        std::mem::take(&mut self.messages).into()
    }

    /// Empties the backlog and returns what it held.
    pub fn take(&mut self) -> Backlog<P> {
        std::mem::take(self)
    }
}

impl<P> Queued<P> {
    /// The message, its attempts so far and the error of the last one.
    pub fn into_parts(self) -> (Rc<Message<P>>, u32, Option<Failure>) {
        match self.retry {
            Some(retry) => (self.message, retry.attempts, Some(retry.last_error)),
            None => (self.message, 0, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Headers;

    fn message(id: u64) -> Rc<Message<()>> {
        Rc::new(Message { id, sequence: id, published_at: 0.0, headers: Rc::new(Headers::plain("t")), data: () })
    }

    fn retry(attempts: u32, not_before: f64) -> Retry {
        Retry { attempts, not_before, last_error: Failure::error("boom") }
    }

    fn ids(backlog: &Backlog<()>) -> Vec<(u64, f64)> {
        backlog.iter().map(|(m, not_before)| (m.id, not_before)).collect()
    }

    #[test]
    fn retried_messages_keep_their_state_at_the_head() {
        let mut backlog = Backlog::default();
        backlog.push_back(message(3));
        backlog.push_retry(message(2), retry(1, 20.0));
        backlog.push_retry(message(1), retry(2, 10.0));
        let never = f64::NEG_INFINITY;
        assert_eq!(ids(&backlog), [(1, 10.0), (2, 20.0), (3, never)]);
        assert_eq!(backlog.head_not_before(), Some(10.0));
        let (second, attempts) = backlog.take_for_delivery(1).unwrap();
        assert_eq!((second.id, attempts), (2, 1));
        assert_eq!(ids(&backlog), [(1, 10.0), (3, never)]);
        let (last, attempts) = backlog.take_for_delivery(1).unwrap();
        assert_eq!((last.id, attempts), (3, 0));
        let (first, attempts, error) = backlog.pop_front().unwrap().into_parts();
        assert_eq!((first.id, attempts, error.map(|e| e.message)), (1, 2, Some("boom".into())));
        assert!(backlog.is_empty() && backlog.retries().next().is_none());
        assert_eq!(backlog.head_not_before(), None);
    }

    #[test]
    fn take_leaves_it_empty_and_keeps_each_retry_with_its_message() {
        let mut backlog = Backlog::default();
        backlog.push_back(message(2));
        backlog.push_back(message(3));
        backlog.push_retry(message(1), retry(4, 5.0));
        let mut taken = backlog.take();
        assert!(backlog.is_empty() && backlog.retries().next().is_none());
        let drained: Vec<_> = std::iter::from_fn(|| taken.pop_front()).map(|q| q.into_parts()).map(|(m, a, _)| (m.id, a)).collect();
        assert_eq!(drained, [(1, 4), (2, 0), (3, 0)]);
    }
}
