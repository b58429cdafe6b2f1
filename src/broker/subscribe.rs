//! Subscribing, and what a subscription handle can do: pause, resume, unsubscribe.

use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::LocalBoxFuture;
use futures::FutureExt;

use super::state::{parse_target, Inner};
use super::Broker;
use crate::breaker::{Breaker, BreakerState};
use crate::config::SubscribeOptions;
use crate::error::{Error, Result};
use crate::message::{Message, Payload};
use crate::subscription::{Delivery, Handler, Outcome, Subscription, SubscriptionState, SubscriptionStats};
use crate::topic::validate_name;

/// Identifies a subscription of one broker.
///
/// # Example
///
/// ```
/// use wasm_pubsub::SubscriptionId;
/// assert_eq!(SubscriptionId(3), SubscriptionId(3));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubscriptionId(pub u64);

impl SubscriptionId {
    /// The id of a dead letter restored from an earlier run: no subscription has it, so a
    /// replay picks the live subscription of the letter's name.
    ///
    /// ```
    /// use wasm_pubsub::SubscriptionId;
    /// assert_ne!(SubscriptionId::RESTORED, SubscriptionId(1));
    /// ```
    pub const RESTORED: SubscriptionId = SubscriptionId(u64::MAX);
}

impl<P: Payload> Broker<P> {
    /// Subscribes `handler` to a topic or a pattern (`*` one level, `>` the rest).
    ///
    /// # Errors
    ///
    /// `INVALID_TOPIC_NAME` (target or name), `TOPIC_NOT_FOUND` (an exact topic that does not
    /// exist, without `autoCreateTopics`), `SUBSCRIPTION_EXISTS`, `LIMIT_EXCEEDED`, `CLOSED`.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Delivery, ManualClock, Outcome, SubscribeOptions};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// let sub = bus.subscribe(">", SubscribeOptions::default(), |_: &Delivery<'_, String>| Outcome::Ack).unwrap();
    /// assert_eq!(bus.subscription_name(sub).as_deref(), Some("sub-1"));
    /// ```
    pub fn subscribe(
        &self,
        target: &str,
        options: SubscribeOptions,
        handler: impl Handler<P> + 'static,
    ) -> Result<SubscriptionId> {
        let result = self.shared.borrow_mut().subscribe(target, options, Rc::new(handler));
        self.flush();
        result
    }

    /// Ends a subscription: queued messages are discarded (and counted); a delivery in
    /// flight may still finish. Returns whether it was live.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Delivery, ManualClock, Outcome, SubscribeOptions, SubscriptionState};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// let sub = bus.subscribe(">", SubscribeOptions::default(), |_: &Delivery<'_, String>| Outcome::Ack).unwrap();
    /// assert!(bus.unsubscribe(sub));
    /// assert_eq!(bus.subscription_state(sub), SubscriptionState::Closed);
    /// ```
    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        let ended = self.shared.borrow_mut().end_subscription(id.0);
        self.flush();
        ended
    }

    /// Stops deliveries of a subscription; messages keep queueing.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Delivery, ManualClock, Outcome, SubscribeOptions, SubscriptionState};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// let sub = bus.subscribe(">", SubscribeOptions::default(), |_: &Delivery<'_, String>| Outcome::Ack).unwrap();
    /// bus.pause(sub);
    /// assert_eq!(bus.subscription_state(sub), SubscriptionState::Paused);
    /// ```
    pub fn pause(&self, id: SubscriptionId) {
        self.set_state(id, SubscriptionState::Active, SubscriptionState::Paused);
    }

    /// Lets a paused subscription deliver again.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, Delivery, ManualClock, Outcome, SubscribeOptions, SubscriptionState};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// let sub = bus.subscribe(">", SubscribeOptions::default(), |_: &Delivery<'_, String>| Outcome::Ack).unwrap();
    /// bus.pause(sub);
    /// bus.resume(sub);
    /// assert_eq!(bus.subscription_state(sub), SubscriptionState::Active);
    /// ```
    pub fn resume(&self, id: SubscriptionId) {
        self.set_state(id, SubscriptionState::Paused, SubscriptionState::Active);
    }

    fn set_state(&self, id: SubscriptionId, from: SubscriptionState, to: SubscriptionState) {
        {
            let mut inner = self.shared.borrow_mut();
            if inner.ensure_open().is_err() {
                return;
            }
            match inner.subs.get_mut(&id.0) {
                Some(sub) if sub.state == from => sub.state = to,
                _ => return,
            }
            inner.schedule_drain(id.0);
            inner.check_bus_drain();
        }
        self.flush();
    }

    /// Where a subscription stands; `Closed` once it ended or the bus closed.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock, SubscriptionId, SubscriptionState};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert_eq!(bus.subscription_state(SubscriptionId(9)), SubscriptionState::Closed);
    /// ```
    pub fn subscription_state(&self, id: SubscriptionId) -> SubscriptionState {
        self.shared.borrow().subs.get(&id.0).map_or(SubscriptionState::Closed, |s| s.state)
    }

    /// The state of a subscription's circuit breaker (`Closed` for an unknown one).
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, BreakerState, Config, ManualClock, SubscriptionId};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert_eq!(bus.breaker_state(SubscriptionId(1)), BreakerState::Closed);
    /// ```
    pub fn breaker_state(&self, id: SubscriptionId) -> BreakerState {
        self.shared.borrow().subs.get(&id.0).map_or(BreakerState::Closed, |s| s.breaker.state())
    }

    /// The name of a live subscription.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock, SubscriptionId};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert_eq!(bus.subscription_name(SubscriptionId(1)), None);
    /// ```
    pub fn subscription_name(&self, id: SubscriptionId) -> Option<Rc<str>> {
        self.shared.borrow().subs.get(&id.0).map(|s| s.name.clone())
    }

    /// The next message matching `target`, through a one-shot subscription that ends
    /// itself after acking it. The future fails with `CLOSED` if the bus closes first;
    /// drop the returned [`SubscriptionId`]'s subscription (unsubscribe) to abort.
    ///
    /// # Errors
    ///
    /// Those of [`Broker::subscribe`].
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock, PublishOptions};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock.clone());
    /// bus.create_topic("t").unwrap();
    /// let (_, next) = bus.once("t").unwrap();
    /// bus.publish("t", "hi".into(), PublishOptions::default()).unwrap();
    /// clock.run_until_idle();
    /// assert_eq!(futures::executor::block_on(next).unwrap().data, "hi");
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn once(
        &self,
        target: &str,
    ) -> Result<(SubscriptionId, LocalBoxFuture<'static, Result<Rc<Message<P>>>>)> {
        let (sender, receiver) = oneshot::channel();
        let slot = std::cell::RefCell::new(Some(sender));
        let weak = self.weak();
        let id_cell = Rc::new(std::cell::Cell::new(None));
        let own_id = id_cell.clone();
        let handler = move |delivery: &Delivery<'_, P>| {
            if let Some(sender) = slot.borrow_mut().take() {
                let _ = sender.send(delivery.message.clone());
            }
            if let (Some(broker), Some(id)) = (Broker::upgrade(&weak), own_id.get()) {
                broker.unsubscribe(id);
            }
            Outcome::Ack
        };
        let id = self.subscribe(target, SubscribeOptions::default(), handler)?;
        id_cell.set(Some(id));
        Ok((id, receiver.map(|r| r.map_err(|_| Error::Closed)).boxed_local()))
    }
}

impl<P> Inner<P> {
    /// `INVALID_ARGUMENT` for a filter pair no message's attributes could hold: a key or a
    /// value longer than `limits.maxAttributeKeyLength` / `maxAttributeValueLength`.
    fn check_filter(&self, filter: &[(String, String)]) -> Result<()> {
        let limits = &self.config.limits;
        let too_long = |text: &str, max: u32| text.chars().count() > max as usize;
        let (max_key, max_value) = (limits.max_attribute_key_length, limits.max_attribute_value_length);
        for (key, value) in filter {
            if too_long(key, max_key) {
                return Err(Error::InvalidArgument(format!("an options.filter key is longer than limits.maxAttributeKeyLength ({max_key})")));
            }
            if too_long(value, max_value) {
                return Err(Error::InvalidArgument(format!("an options.filter value is longer than limits.maxAttributeValueLength ({max_value})")));
            }
        }
        Ok(())
    }

    fn subscribe(
        &mut self,
        target: &str,
        options: SubscribeOptions,
        handler: Rc<dyn Handler<P>>,
    ) -> Result<SubscriptionId> {
        self.ensure_open()?;
        self.check_filter(&options.filter)?;
        let pattern = parse_target(&self.config, target)?;
        if pattern.is_exact() {
            self.resolve_topic(pattern.as_str())?;
        }
        self.check_target_limit(pattern.as_str())?;
        let name = self.subscription_name(options.name.as_deref())?;
        self.next_sub_id += 1;
        let id = self.next_sub_id;
        let delivery = options.delivery.unwrap_or_else(|| self.config.delivery.clone());
        let sub = Subscription {
            id,
            name,
            pattern,
            handler,
            breaker: Breaker::new(delivery.circuit_breaker.clone()),
            options: delivery,
            filter: options.filter,
            state: SubscriptionState::Active,
            queue: Default::default(),
            in_flight: Vec::new(),
            next_delivery: 0,
            drain_scheduled: false,
            draining: false,
            wake_due: None,
            wake_timer: None,
            stats: SubscriptionStats::default(),
            topics: Vec::new(),
        };
        self.add_subscription(sub);
        Ok(SubscriptionId(id))
    }

    fn check_target_limit(&self, target: &str) -> Result<()> {
        let max = self.config.limits.max_subscriptions_per_topic;
        if self.per_target.get(target).copied().unwrap_or(0) >= u64::from(max) {
            return Err(Error::LimitExceeded(format!(
                "limits.maxSubscriptionsPerTopic ({max}) reached for {}",
                crate::error::quote(target)
            )));
        }
        Ok(())
    }

    fn subscription_name(&mut self, requested: Option<&str>) -> Result<Rc<str>> {
        let Some(name) = requested else { return Ok(self.generated_name()) };
        validate_name("subscription name", name, self.config.limits.max_topic_name_length)?;
        if self.names.contains_key(name) {
            return Err(Error::SubscriptionExists(name.to_owned()));
        }
        Ok(Rc::from(name))
    }

    fn generated_name(&self) -> Rc<str> {
        let mut n = self.next_sub_id + 1;
        loop {
            let name = format!("sub-{n}");
            if !self.names.contains_key(name.as_str()) {
                return Rc::from(name);
            }
            n += 1;
        }
    }
}
