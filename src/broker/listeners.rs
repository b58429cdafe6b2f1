//! Counting and clearing subscriptions, as event-emitter users expect (`listenerCount`,
//! `clearListeners`), in the broker's terms.

use super::state::Inner;
use super::Broker;
use crate::error::Result;
use crate::message::Payload;
use crate::subscription::SubscriptionState;
use crate::topic::validate_name;

impl<P: Payload> Broker<P> {
    /// How many live subscriptions a publish on topic `name` would reach now: those on the
    /// name itself and every pattern that matches it (filters are not consulted).
    ///
    /// # Errors
    ///
    /// `INVALID_TOPIC_NAME` when `name` is not a topic name (a pattern, say).
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Delivery, ManualClock, Outcome, SubscribeOptions};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// bus.create_topic("orders.eu").unwrap();
    /// let ack = |_: &Delivery<'_, String>| Outcome::Ack;
    /// bus.subscribe("orders.eu", SubscribeOptions::default(), ack).unwrap();
    /// bus.subscribe("orders.*", SubscribeOptions::default(), ack).unwrap();
    /// assert_eq!(bus.listener_count("orders.eu"), Ok(2));
    /// assert_eq!(bus.listener_count("orders.us"), Ok(1));
    /// ```
    pub fn listener_count(&self, name: &str) -> Result<usize> {
        let inner = self.shared.borrow();
        validate_name("topic name", name, inner.config.limits.max_topic_name_length)?;
        Ok(inner.listeners_of(name))
    }

    /// Ends every live subscription on `target` (a topic or pattern string, as given to
    /// `subscribe`), or every live subscription when `target` is `None`, as
    /// [`Broker::unsubscribe`] does each: queued messages are discarded and counted. The bus
    /// stays open. Returns how many ended.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Delivery, ManualClock, Outcome, SubscribeOptions};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// let ack = |_: &Delivery<'_, String>| Outcome::Ack;
    /// bus.subscribe("orders.*", SubscribeOptions::default(), ack).unwrap();
    /// bus.subscribe(">", SubscribeOptions::default(), ack).unwrap();
    /// assert_eq!(bus.unsubscribe_all(Some("orders.*")), 1);
    /// assert_eq!(bus.unsubscribe_all(None), 1);
    /// ```
    pub fn unsubscribe_all(&self, target: Option<&str>) -> usize {
        let ended = {
            let mut inner = self.shared.borrow_mut();
            let chosen: Vec<u64> = inner
                .subs
                .values()
                .filter(|s| s.state != SubscriptionState::Closed && target.is_none_or(|t| s.pattern.as_str() == t))
                .map(|s| s.id)
                .collect();
            chosen.into_iter().filter(|&id| inner.end_subscription(id)).count()
        };
        self.flush();
        ended
    }
}

impl<P> Inner<P> {
    fn listeners_of(&self, name: &str) -> usize {
        let live = |id: u64| self.subs.get(&id).is_some_and(|s| s.state != SubscriptionState::Closed);
        match self.topics.get(name) {
            Some(entry) => entry.subscribers.iter().filter(|&id| live(id)).count(),
            None => self.subs.values().filter(|s| s.state != SubscriptionState::Closed && !s.pattern.is_exact() && s.pattern.matches(name)).count(),
        }
    }
}
