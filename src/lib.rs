//! # wasm-pubsub
//!
//! A single-threaded publish/subscribe broker with the guarantees of a server broker —
//! validated topics and messages, awaited handlers with acks, bounded queues, ordered
//! delivery — built as a pure-Rust core that runs anywhere and a thin WebAssembly binding
//! for browsers, workers, Node and edge runtimes.
//!
//! The core is generic over the payload and reaches the outside world only through the
//! [`Clock`], [`Spawner`] and [`Handler`] traits, so every rule runs under `cargo test`
//! with a [`ManualClock`].
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//! use wasm_pubsub::{Broker, Config, Delivery, ManualClock, Outcome, PublishOptions, SubscribeOptions};
//!
//! let clock = ManualClock::new();
//! let bus: Broker<&'static str> = Broker::new(Config::default(), clock.clone(), clock.clone());
//! bus.create_topic("orders").unwrap();
//! let seen = Rc::new(RefCell::new(Vec::new()));
//! let sink = seen.clone();
//! bus.subscribe("orders", SubscribeOptions::default(), move |d: &Delivery<'_, &'static str>| {
//!     sink.borrow_mut().push(d.message.data);
//!     Outcome::Ack
//! })
//! .unwrap();
//! bus.publish("orders", "paid", PublishOptions::default()).unwrap();
//! clock.run_until_idle();
//! assert_eq!(*seen.borrow(), ["paid"]);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attributes;
mod backlog;
mod breaker;
mod broker;
mod clock;
mod config;
mod dead_letter;
mod error;
mod log;
mod message;
mod metrics;
mod seen_ids;
mod sorted_map;
mod subscription;
mod topic;
mod unicode;

pub use attributes::{matches_filter, validate_attributes, Attributes};
pub use breaker::BreakerState;
pub use broker::{
    Broker, CloseFuture, CloseReport, WaitReport, DeadLetterHook, Health, HealthStatus, Hooks, Logger,
    Headed, LettersRemoved, MetricsSnapshot, PublishObserver, PublishOptions, SubscriptionId, SubscriptionMetrics, UpdateReport, WeakBroker,
};
pub use clock::{Clock, ManualClock, Spawner, TimerId};
pub use config::{
    config_from_env, parse_millis, Backoff, BreakerConfig, Config, ConfigValue, DeliveryOptions, Limits, Overflow,
    SubscribeOptions,
};
pub use dead_letter::{DeadLetter, DeadLetterReason};
pub use error::{quote, Error, Result, QUOTE_MAX_CHARS};
pub use log::{Level, LogRecord};
pub use message::{Headers, Message, Payload};
pub use metrics::{Counters, Latency, LATENCY_WINDOW};
pub use seen_ids::{SeenIds, Sighting, SEEN_ORIGINS, SEEN_WINDOW};
pub use subscription::{
    Delivery, DeliveryToken, Failure, FailureCode, Handler, Outcome, SubscriptionState,
    SubscriptionStats, FAILURE_MESSAGE_MAX_CHARS,
};
pub use topic::{validate_name, Pattern};

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::{Bridge, PubSub, Subscription, Topic};
