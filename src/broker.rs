//! The broker: topics, subscriptions, publishing, and the calls that reach them.
//!
//! A [`Broker`] is a cheap handle (`Rc`) on single-threaded state. Every method takes
//! `&self` and may be called from inside a handler, a hook, a timer or the clock: no borrow
//! of the state is held while any of those run (see `effects`). Dropping the last handle
//! frees an idle broker; one with queued or in-flight work, or a close in progress, lives
//! on until that is settled (see `keep_alive`).

mod close;
mod deadline;
mod delivery;
mod bus_drain;
mod effects;
mod id_list;
mod keep_alive;
mod last_route;
mod listeners;
mod observe;
mod publish;
mod rearm;
mod reconfigure;
mod restore;
mod state;
mod subscribe;
mod waiters;

use std::cell::RefCell;
use std::rc::{Rc, Weak};

pub use close::{CloseFuture, CloseReport};
pub use effects::{DeadLetterHook, Hooks, LettersRemoved, Logger, PublishObserver};
pub use observe::{Health, HealthStatus, MetricsSnapshot, SubscriptionMetrics};
pub use publish::{Headed, PublishOptions};
pub use reconfigure::UpdateReport;
pub use subscribe::SubscriptionId;
pub use waiters::WaitReport;

use crate::clock::{Clock, Spawner};
use crate::config::Config;
use crate::error::Result;
use crate::message::Payload;
use effects::Runtime;
use state::Inner;

type Shared<P> = RefCell<Inner<P>>;

/// A publish/subscribe broker over payloads of type `P`.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Broker, Config, Delivery, ManualClock, Outcome, PublishOptions, SubscribeOptions};
///
/// let clock = ManualClock::new();
/// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock.clone());
/// bus.create_topic("orders.eu").unwrap();
/// bus.subscribe("orders.*", SubscribeOptions::default(), |d: &Delivery<'_, String>| {
///     assert_eq!(d.message.topic(), "orders.eu");
///     Outcome::Ack
/// }).unwrap();
/// let id = bus.publish("orders.eu", "paid".into(), PublishOptions::default()).unwrap();
/// clock.run_until_idle();
/// assert_eq!((id, bus.counters().acked), (1, 1));
/// ```
pub struct Broker<P: Payload> {
    shared: Rc<Shared<P>>,
}

/// A [`Broker`] handle that does not keep it alive.
pub struct WeakBroker<P: Payload> {
    shared: Weak<Shared<P>>,
}

impl<P: Payload> WeakBroker<P> {
    /// The broker, if it still exists.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert!(bus.downgrade().upgrade().is_some());
    /// ```
    pub fn upgrade(&self) -> Option<Broker<P>> {
        Broker::upgrade(&self.shared)
    }
}

impl<P: Payload> Clone for WeakBroker<P> {
    fn clone(&self) -> Self {
        WeakBroker { shared: self.shared.clone() }
    }
}

impl<P: Payload> Clone for Broker<P> {
    fn clone(&self) -> Self {
        Broker { shared: self.shared.clone() }
    }
}

impl<P: Payload> Broker<P> {
    /// A broker with `config`, reading time from `clock` and running deliveries on `spawner`.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<Vec<u8>> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert!(bus.topics().is_empty());
    /// ```
    pub fn new(config: Config, clock: impl Clock + 'static, spawner: impl Spawner + 'static) -> Self {
        Self::with_hooks(config, clock, spawner, Hooks::default())
    }

    /// A broker that also calls a dead-letter callback and a logger.
    ///
    /// # Example
    ///
    /// ```
    /// use std::rc::Rc;
    /// use wasm_pubsub::{Broker, Config, Hooks, ManualClock};
    /// let clock = ManualClock::new();
    /// let hooks = Hooks { logger: Some(Rc::new(|r: &wasm_pubsub::LogRecord| println!("{}", r.event))), ..Hooks::default() };
    /// let bus: Broker<String> = Broker::with_hooks(Config::default(), clock.clone(), clock, hooks);
    /// bus.create_topic("t").unwrap();
    /// ```
    pub fn with_hooks(
        config: Config,
        clock: impl Clock + 'static,
        spawner: impl Spawner + 'static,
        hooks: Hooks<P>,
    ) -> Self {
        let runtime = Runtime { clock: Rc::new(clock), spawner: Rc::new(spawner), hooks };
        Broker { shared: Rc::new(RefCell::new(Inner::new(config, runtime))) }
    }

    fn upgrade(weak: &Weak<Shared<P>>) -> Option<Self> {
        weak.upgrade().map(|shared| Broker { shared })
    }

    /// A handle that does not keep the broker alive, for callbacks the broker itself owns.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// let weak = bus.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(bus);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakBroker<P> {
        WeakBroker { shared: self.weak() }
    }

    /// Counts `messages` publish attempts refused before they reached the broker (a host
    /// binding that could not read its arguments), so `rejected` covers every refusal.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// bus.record_rejected(2);
    /// assert_eq!(bus.counters().rejected, 2);
    /// ```
    pub fn record_rejected(&self, messages: u64) {
        self.shared.borrow_mut().counters.rejected += messages;
    }

    /// Turns the publish observer ([`Hooks::on_publish`]) on or off; it is on from the
    /// start. A host whose observer has nothing to do (a bus with no bridge open) turns it
    /// off, so publishing does not pay for a call that does nothing.
    ///
    /// # Example
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// use wasm_pubsub::{Broker, Config, Hooks, ManualClock, PublishOptions};
    /// let seen = Rc::new(Cell::new(0));
    /// let count = seen.clone();
    /// let hooks: Hooks<String> = Hooks { on_publish: Some(Rc::new(move |_| count.set(count.get() + 1))), ..Hooks::default() };
    /// let clock = ManualClock::new();
    /// let bus = Broker::with_hooks(Config::default(), clock.clone(), clock, hooks);
    /// bus.create_topic("t").unwrap();
    /// bus.publish("t", "a".into(), PublishOptions::default()).unwrap();
    /// bus.observe_publishes(false);
    /// bus.publish("t", "b".into(), PublishOptions::default()).unwrap();
    /// assert_eq!(seen.get(), 1);
    /// ```
    pub fn observe_publishes(&self, on: bool) {
        self.shared.borrow_mut().observing_publishes = on;
    }

    /// `CLOSED` once the bus is closing or closed.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert!(bus.ensure_open().is_ok());
    /// drop(bus.close(0));
    /// assert_eq!(bus.ensure_open().unwrap_err().code(), "CLOSED");
    /// ```
    pub fn ensure_open(&self) -> Result<()> {
        self.shared.borrow().ensure_open()
    }

    /// The configuration in force (as built, or as `configure` changed it).
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert_eq!(bus.config().limits.max_topics, 1024);
    /// ```
    pub fn config(&self) -> Config {
        self.shared.borrow().config.clone()
    }

    /// Creates a topic.
    ///
    /// # Errors
    ///
    /// `INVALID_TOPIC_NAME`, `TOPIC_EXISTS`, `LIMIT_EXCEEDED` (`maxTopics`), `CLOSED`.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// bus.create_topic("orders").unwrap();
    /// assert_eq!(bus.create_topic("orders").unwrap_err().code(), "TOPIC_EXISTS");
    /// ```
    pub fn create_topic(&self, name: &str) -> Result<Rc<str>> {
        let result = {
            let mut inner = self.shared.borrow_mut();
            inner.ensure_open().and_then(|()| inner.create_topic(name))
        };
        self.flush();
        result
    }

    /// Whether a topic of this name exists.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// assert!(!bus.has_topic("orders"));
    /// ```
    pub fn has_topic(&self, name: &str) -> bool {
        self.shared.borrow().has_topic(name)
    }

    /// Deletes a topic; subscriptions on exactly this name end and their queued messages
    /// are discarded (and counted). Pattern subscriptions stay. Returns whether it existed.
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
    /// bus.create_topic("orders").unwrap();
    /// assert_eq!(bus.delete_topic("orders"), Ok(true));
    /// assert_eq!(bus.delete_topic("orders"), Ok(false));
    /// ```
    pub fn delete_topic(&self, name: &str) -> Result<bool> {
        let result = {
            let mut inner = self.shared.borrow_mut();
            inner.ensure_open().map(|()| inner.delete_topic(name))
        };
        self.flush();
        result
    }

    /// Names of every topic, sorted.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Broker, Config, ManualClock};
    /// let clock = ManualClock::new();
    /// let bus: Broker<String> = Broker::new(Config::default(), clock.clone(), clock);
    /// bus.create_topic("b").unwrap();
    /// bus.create_topic("a").unwrap();
    /// let names: Vec<String> = bus.topics().iter().map(|t| t.to_string()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn topics(&self) -> Vec<Rc<str>> {
        let names: Vec<Rc<str>> = self.shared.borrow().topics.keys().cloned().collect();
        let order = crate::metrics::sorted_indices(names.len(), &|a, b| names[a].cmp(&names[b]));
        order.into_iter().map(|i| names[i].clone()).collect()
    }
}
