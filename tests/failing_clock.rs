//! A host clock whose `setTimeout` fails: nothing stalls silently. The failure is logged,
//! counted and shown in health, the timer is set again at the broker's next call, and a
//! close whose deadline cannot be set ends at once instead of waiting for ever.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{options, FailingTimers};
use wasm_pubsub::{Broker, Config, Delivery, HealthStatus, Hooks, LogRecord, ManualClock, Outcome, PublishOptions};

struct World {
    clock: ManualClock,
    timers: FailingTimers,
    bus: Broker<String>,
    logs: Rc<RefCell<Vec<LogRecord>>>,
}

fn world() -> World {
    let clock = ManualClock::new();
    let timers = FailingTimers::new(clock.clone());
    let logs = Rc::new(RefCell::new(Vec::new()));
    let sink = logs.clone();
    let hooks = Hooks { logger: Some(Rc::new(move |r: &LogRecord| sink.borrow_mut().push(r.clone()))), ..Hooks::default() };
    let bus = Broker::with_hooks(Config::default(), timers.clone(), clock.clone(), hooks);
    bus.create_topic("t").unwrap();
    World { clock, timers, bus, logs }
}

fn publish(bus: &Broker<String>, data: &str) {
    bus.publish("t", data.into(), PublishOptions::default()).unwrap();
}

#[test]
fn an_ack_timeout_the_clock_failed_to_set_is_logged_shown_in_health_and_set_again_at_the_next_call() {
    let w = world();
    let hang = options(serde_json::json!({ "ackTimeoutMs": 100, "maxDeliveryAttempts": 1 }));
    w.bus.subscribe("t", hang, |_: &Delivery<'_, String>| Outcome::Deferred).unwrap();
    w.timers.failing.set(true);
    publish(&w.bus, "a");
    w.clock.run_until_idle();
    let failed = w.logs.borrow().iter().any(|r| r.event == "clock.failed" && r.code == Some("CLOCK_ERROR"));
    assert!(failed, "the failure is logged");
    w.timers.failing.set(false);
    let health = w.bus.health();
    assert_eq!(health.clock_errors, 1);
    assert_eq!(health.status, HealthStatus::Healthy, "health() armed the timer again");
    w.clock.advance(100);
    assert_eq!(w.bus.counters().dead_lettered, 1, "the hanging handler timed out after all");
}

#[test]
fn while_the_timer_is_unarmed_health_is_degraded() {
    let w = world();
    w.bus.subscribe("t", options(serde_json::json!({ "ackTimeoutMs": 100 })), |_: &Delivery<'_, String>| Outcome::Deferred).unwrap();
    w.timers.failing.set(true);
    publish(&w.bus, "a");
    w.clock.run_until_idle();
    assert_eq!(w.bus.health().status, HealthStatus::Degraded);
    assert!(w.bus.metrics().clock_errors >= 2, "health() tried again, and failed again");
}

#[test]
fn a_publish_sets_the_unarmed_timer_again() {
    let w = world();
    let hang = options(serde_json::json!({ "ackTimeoutMs": 100, "maxDeliveryAttempts": 1, "maxInFlight": 2 }));
    w.bus.subscribe("t", hang, |_: &Delivery<'_, String>| Outcome::Deferred).unwrap();
    w.timers.failing.set(true);
    publish(&w.bus, "a");
    w.clock.run_until_idle();
    w.timers.failing.set(false);
    publish(&w.bus, "b");
    w.clock.run_until_idle();
    w.clock.advance(100);
    assert_eq!(w.bus.counters().dead_lettered, 2, "both hanging deliveries timed out");
}

#[test]
fn a_close_whose_deadline_cannot_be_set_ends_at_once_and_dead_letters_the_rest() {
    let w = world();
    w.bus.subscribe("t", Default::default(), |_: &Delivery<'_, String>| Outcome::Deferred).unwrap();
    publish(&w.bus, "a");
    w.clock.run_until_idle();
    w.timers.failing.set(true);
    let closing = w.bus.close(5000);
    w.clock.run_until_idle();
    let report = futures::executor::block_on(closing);
    assert_eq!((report.drained, report.dead_lettered), (0, 1));
    assert_eq!(w.bus.health().status, HealthStatus::Closed);
}
