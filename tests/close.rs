//! Scenarios of graceful shutdown on a manual clock.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{options, Harness};
use futures::FutureExt;
use serde_json::json;
use wasm_pubsub::{CloseReport, Delivery, Error, HealthStatus, Outcome, SubscribeOptions, SubscriptionState};

fn report(future: wasm_pubsub::CloseFuture) -> Option<CloseReport> {
    future.now_or_never()
}

#[test]
fn close_drains_queued_messages_then_resolves_and_refuses_new_work() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, seen) = h.record("t", SubscribeOptions::default(), |_| Outcome::Ack);
    h.publish("t", "1");
    h.publish("t", "2");
    let closing = h.bus.close(5000);
    assert_eq!(h.bus.publish("t", "3".into(), Default::default()), Err(Error::Closed));
    assert_eq!(h.bus.create_topic("u").unwrap_err(), Error::Closed);
    assert_eq!(h.bus.health().status, HealthStatus::Closing);
    h.run();
    assert_eq!(report(closing), Some(CloseReport { drained: 2, dead_lettered: 0 }));
    assert_eq!(seen.borrow().len(), 2);
    assert_eq!(h.bus.health().status, HealthStatus::Closed);
    let events = h.events();
    assert_eq!(events.iter().filter(|e| e.starts_with("close.")).collect::<Vec<_>>(), [&"close.started", &"close.finished"]);
}

#[test]
fn what_is_left_at_the_deadline_is_dead_lettered_with_reason_shutdown() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, tokens) = h.deferred("t", SubscribeOptions::default());
    h.publish("t", "stuck");
    h.publish("t", "behind");
    h.run();
    let closing = h.bus.close(1000);
    h.advance(999);
    assert!(closing.clone().now_or_never().is_none());
    h.advance(1);
    assert_eq!(report(closing), Some(CloseReport { drained: 0, dead_lettered: 2 }));
    let dead: Vec<_> = h.dead.borrow().iter().map(|d| (d.2, d.3)).collect();
    assert_eq!(dead, [("SHUTDOWN", 0), ("SHUTDOWN", 1)]);
    h.bus.settle(tokens.borrow()[0], Ok(()));
    let c = h.bus.counters();
    assert_eq!((c.acked, c.queued, c.in_flight), (0, 0, 0), "a settlement after close is ignored");
    assert_eq!(h.clock.pending_timers(), 0, "every timer is cleared");
    h.assert_accounting();
}

#[test]
fn paused_subscriptions_are_not_drained_but_dead_lettered_at_once() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, _) = h.record("t", SubscribeOptions::default(), |_| Outcome::Ack);
    h.bus.pause(sub);
    h.publish("t", "parked");
    let closing = h.bus.close(60_000);
    assert_eq!(h.dead.borrow().len(), 1, "before any time passes");
    h.run();
    assert_eq!(report(closing), Some(CloseReport { drained: 0, dead_lettered: 1 }));
}

#[test]
fn retries_continue_while_closing_within_the_deadline() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    h.record("t", options(json!({ "retryBackoff": { "initialMs": 50 } })), |d| {
        if d.attempt == 1 { Outcome::Fail("flaky".into()) } else { Outcome::Ack }
    });
    h.publish("t", "x");
    let closing = h.bus.close(1000);
    h.run();
    h.advance(50);
    assert_eq!(report(closing), Some(CloseReport { drained: 1, dead_lettered: 0 }));
}

#[test]
fn close_is_idempotent() {
    let h = Harness::new();
    let first = h.bus.close(10);
    let second = h.bus.close(99_999);
    h.run();
    assert_eq!(report(first), report(second));
    assert_eq!(h.clock.pending_timers(), 0);
}

#[test]
fn a_handler_awaiting_close_cannot_deadlock_the_deadline_ends_it() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let bus = h.bus.clone();
    let inner_report = Rc::new(RefCell::new(None));
    let sink = inner_report.clone();
    h.bus
        .subscribe("t", SubscribeOptions::default(), move |_: &Delivery<'_, String>| {
            let closing = bus.close(500);
            let sink = sink.clone();
            Outcome::Pending(Box::pin(async move {
                *sink.borrow_mut() = Some(closing.await);
                Ok(())
            }))
        })
        .unwrap();
    h.publish("t", "x");
    h.run();
    assert!(inner_report.borrow().is_none());
    h.advance(500);
    assert_eq!(*inner_report.borrow(), Some(CloseReport { drained: 0, dead_lettered: 1 }));
    h.assert_accounting();
}

#[test]
fn close_releases_every_handler_and_hook() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let token = Rc::new(());
    let held = token.clone();
    h.bus
        .subscribe("t", SubscribeOptions::default(), move |_: &Delivery<'_, String>| {
            let _ = &held;
            Outcome::Ack
        })
        .unwrap();
    assert_eq!(Rc::strong_count(&token), 2);
    let closing = h.bus.close(0);
    h.run();
    assert!(report(closing).is_some());
    assert_eq!(Rc::strong_count(&token), 1, "the handler was dropped");
    assert_eq!(Rc::strong_count(&h.logs), 1, "the logger was dropped");
    assert_eq!(h.bus.metrics().subscriptions, 0);
}

#[test]
fn an_unsubscribed_handler_in_flight_may_still_ack_but_its_failure_is_discarded() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, tokens) = h.deferred("t", options(json!({ "maxInFlight": 2 })));
    h.publish("t", "a");
    h.publish("t", "b");
    h.run();
    h.bus.unsubscribe(sub);
    assert_eq!(h.bus.subscription_state(sub), SubscriptionState::Closed);
    h.bus.settle(tokens.borrow()[0], Ok(()));
    h.bus.settle(tokens.borrow()[1], Err("late".into()));
    let c = h.bus.counters();
    assert_eq!((c.acked, c.discarded, c.retried, c.in_flight), (1, 1, 0, 0));
    h.assert_accounting();
}
