//! Dead letters from an earlier run: a durable store hands them back to a new broker.
//!
//! A restored letter keeps its message (id, sequence, publish time, headers, data), reason,
//! error, attempts and time; it is not counted as dead-lettered again and the dead-letter
//! callback does not see it. Its subscription is known by name only
//! ([`SubscriptionId::RESTORED`]): `replay_dead_letters` queues it on the live subscription
//! of that name, and leaves it in the store while there is none.

use std::rc::Rc;

use super::{Broker, SubscriptionId};
use crate::dead_letter::DeadLetter;
use crate::error::Result;
use crate::message::Payload;
use crate::topic::validate_name;

impl<P: Payload> Broker<P> {
    /// Puts a letter from an earlier run back into the bounded store, after the letters
    /// already there (the oldest is evicted beyond `maxDeadLetters`). Later message ids stay
    /// above its id, so ids remain unique.
    ///
    /// # Errors
    ///
    /// `INVALID_TOPIC_NAME` (topic or subscription name), `INVALID_ATTRIBUTES`,
    /// `INVALID_ARGUMENT` (ordering key), `CLOSED`.
    ///
    /// # Example
    ///
    /// ```
    /// use std::rc::Rc;
    /// use wasm_pubsub::*;
    ///
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock.clone());
    /// let message = Rc::new(Message { id: 41, sequence: 1, published_at: 0.0, headers: Rc::new(Headers::plain("t")), data: "x".to_string() });
    /// let letter = DeadLetter { message, subscription: Rc::from("saver"), subscription_id: SubscriptionId(9),
    ///     reason: DeadLetterReason::Shutdown, error: None, attempts: 2, dead_lettered_at: 1.0 };
    /// bus.restore_dead_letter(letter).unwrap();
    /// bus.create_topic("t").unwrap();
    /// bus.subscribe("t", SubscribeOptions { name: Some("saver".into()), ..Default::default() }, |_: &Delivery<'_, String>| Outcome::Ack).unwrap();
    /// assert_eq!(bus.replay_dead_letters(|_| true), Ok(1), "found by name");
    /// assert_eq!(bus.publish("t", "y".into(), PublishOptions::default()), Ok(42));
    /// ```
    pub fn restore_dead_letter(&self, letter: DeadLetter<P>) -> Result<()> {
        let mut inner = self.shared.borrow_mut();
        inner.ensure_open()?;
        let max = inner.config.limits.max_topic_name_length;
        let headers = &letter.message.headers;
        validate_name("topic name", &headers.topic, max)?;
        validate_name("subscription name", &letter.subscription, max)?;
        inner.check_size(&headers.attributes, headers.ordering_key.as_deref(), None)?;
        inner.next_message_id = inner.next_message_id.max(letter.message.id);
        inner.keep_letter(Rc::new(DeadLetter { subscription_id: SubscriptionId::RESTORED, ..letter }));
        drop(inner);
        self.flush();
        Ok(())
    }
}
