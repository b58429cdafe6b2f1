//! Scenarios of graceful shutdown on a manual clock.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use common::{options, CallingClock, Harness};
use futures::FutureExt;
use serde_json::json;
use wasm_pubsub::{Broker, Clock, CloseReport, Config, ManualClock, Delivery, Error, HealthStatus, Outcome, SubscribeOptions, SubscriptionState};

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

#[test]
fn close_with_nothing_to_drain_resolves_at_once_without_time_passing() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    h.record("t", SubscribeOptions::default(), |_| Outcome::Ack);
    let closing = h.bus.close(5000);
    h.run();
    assert_eq!(report(closing), Some(CloseReport::default()));
    assert_eq!((h.clock.now_ms(), h.clock.pending_timers()), (0.0, 0));
}

#[test]
fn close_resolves_when_the_last_delivery_settles_not_at_the_deadline() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, tokens) = h.deferred("t", SubscribeOptions::default());
    h.publish("t", "slow");
    h.run();
    let closing = h.bus.close(5000);
    h.advance(10);
    assert!(closing.clone().now_or_never().is_none(), "still in flight at t=10");
    h.bus.settle(tokens.borrow()[0], Ok(()));
    assert_eq!(report(closing), Some(CloseReport { drained: 1, dead_lettered: 0 }), "resolved at t=10");
    assert_eq!((h.clock.now_ms(), h.clock.pending_timers()), (10.0, 0));
}

#[test]
fn close_resolves_when_a_handler_future_completes_on_a_timer() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let clock = h.clock.clone();
    h.bus
        .subscribe("t", SubscribeOptions::default(), move |_: &Delivery<'_, String>| {
            let (sender, receiver) = futures::channel::oneshot::channel::<()>();
            clock.set_timeout(10, Box::new(move || { let _ = sender.send(()); }));
            Outcome::Pending(Box::pin(async move { receiver.await.map_err(|_| "dropped".to_string()) }))
        })
        .unwrap();
    h.publish("t", "x");
    h.publish("t", "y");
    let closing = h.bus.close(5000);
    h.advance(20);
    assert_eq!(report(closing), Some(CloseReport { drained: 2, dead_lettered: 0 }));
    assert_eq!(h.clock.pending_timers(), 0);
}

#[test]
fn unsubscribing_the_last_busy_subscription_while_closing_ends_the_close_at_once() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, _) = h.deferred("t", SubscribeOptions::default());
    h.publish("t", "queued");
    let closing = h.bus.close(5000);
    h.bus.unsubscribe(sub);
    h.run();
    assert_eq!(report(closing), Some(CloseReport::default()), "nothing is left: the queued copy was discarded");
    assert_eq!((h.clock.now_ms(), h.clock.pending_timers()), (0.0, 0));
    h.assert_accounting();
}

/// A broker on a [`CallingClock`] with topic `t` and a handler that counts its deliveries.
fn on_calling_clock() -> (Broker<String>, ManualClock, CallingClock, Rc<Cell<u32>>) {
    let clock = ManualClock::new();
    let calling = CallingClock::new(clock.clone());
    let bus: Broker<String> = Broker::new(Config::default(), calling.clone(), clock.clone());
    bus.create_topic("t").unwrap();
    let handled = Rc::new(Cell::new(0));
    let count = handled.clone();
    bus.subscribe("t", SubscribeOptions::default(), move |_: &Delivery<'_, String>| {
        count.set(count.get() + 1);
        Outcome::Ack
    })
    .unwrap();
    (bus, clock, calling, handled)
}

#[test]
fn a_clock_whose_now_closes_the_bus_past_a_deadline_joins_that_one_close() {
    let (bus, clock, calling, handled) = on_calling_clock();
    let (weak, time) = (bus.downgrade(), clock.clone());
    let closes = Rc::new(RefCell::new(Vec::new()));
    let sink = closes.clone();
    calling.on_now(move || {
        if let (true, Some(bus)) = (time.now_ms() >= 100.0, weak.upgrade()) {
            let closing = bus.close(1000);
            sink.borrow_mut().push(closing);
        }
    });
    bus.publish("t", "early".into(), Default::default()).unwrap();
    clock.run_until_idle();
    clock.advance(100);
    assert_eq!(bus.publish("t", "late".into(), Default::default()), Err(Error::Closed), "the clock closed the bus");
    let closing = bus.close(1000);
    clock.run_until_idle();
    assert!(closes.borrow().iter().all(|c| c.ptr_eq(&closing)), "one close, joined by every call");
    assert_eq!(report(closing), Some(CloseReport::default()));
    assert_eq!(handled.get(), 1);
}

#[test]
fn close_on_a_clock_whose_every_reading_closes_the_bus_begins_one_close_and_drains() {
    let (bus, clock, calling, handled) = on_calling_clock();
    bus.publish("t", "queued".into(), Default::default()).unwrap();
    let weak = bus.downgrade();
    let calls = Rc::new(Cell::new(0));
    let count = calls.clone();
    calling.on_now(move || {
        if let Some(bus) = weak.upgrade() {
            count.set(count.get() + 1);
            drop(bus.close(0));
        }
    });
    let closing = bus.close(5000);
    assert!(calls.get() >= 1, "close read the clock, which called close again");
    clock.run_until_idle();
    assert_eq!(report(closing), Some(CloseReport { drained: 1, dead_lettered: 0 }), "the first close's deadline holds");
    assert_eq!(handled.get(), 1);
    assert_eq!(clock.pending_timers(), 0);
}

#[test]
fn a_clock_whose_now_publishes_subscribes_and_reads_metrics_is_survived() {
    let (bus, clock, calling, handled) = on_calling_clock();
    let weak = bus.downgrade();
    let depth = Rc::new(Cell::new(0));
    let (inside, extra) = (depth.clone(), Rc::new(Cell::new(0u32)));
    let extra_count = extra.clone();
    calling.on_now(move || {
        let Some(bus) = weak.upgrade().filter(|_| inside.get() == 0 && extra_count.get() < 20) else { return };
        inside.set(1);
        extra_count.set(extra_count.get() + 1);
        bus.publish("t", "from the clock".into(), Default::default()).unwrap();
        let sub = bus.subscribe("t", SubscribeOptions::default(), |_: &Delivery<'_, String>| Outcome::Ack).unwrap();
        bus.unsubscribe(sub);
        let _ = (bus.metrics(), bus.health());
        inside.set(0);
    });
    bus.publish("t", "first".into(), Default::default()).unwrap();
    clock.run_until_idle();
    let c = bus.counters();
    assert_eq!(handled.get() as u64, c.acked);
    assert_eq!(c.published, 1 + u64::from(extra.get()));
    assert_eq!((c.queued, c.in_flight), (0, 0));
    assert_eq!(c.routed, c.acked + c.dead_lettered + c.discarded);
}

#[test]
fn purging_dead_letters_after_close_is_closed_and_keeps_them() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, _) = h.record("t", SubscribeOptions::default(), |_| Outcome::Ack);
    h.bus.pause(sub);
    h.publish("t", "parked");
    let closing = h.bus.close(0);
    assert_eq!(h.bus.purge_dead_letters(), Err(Error::Closed), "closing");
    h.run();
    assert!(report(closing).is_some());
    assert_eq!(h.bus.purge_dead_letters(), Err(Error::Closed), "closed");
    assert_eq!(h.bus.dead_letters().len(), 1, "the SHUTDOWN letter is still there to read");
}
