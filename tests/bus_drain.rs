//! Settling without closing, on a manual clock: `Broker::drain` waits for the work of
//! active subscriptions until its deadline and leaves the bus open; `Broker::evacuate`
//! dead-letters everything at once.

mod common;

use common::{data, options, Harness};
use futures::FutureExt;
use serde_json::json;
use wasm_pubsub::{CloseReport, Outcome};

#[test]
fn a_drain_resolves_once_the_active_work_is_settled_and_the_bus_stays_open() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, tokens) = h.deferred("t", options(json!({ "maxInFlight": 2 })));
    for i in 0..3 {
        h.publish("t", &format!("m{i}"));
    }
    h.run();
    let mut drained = h.bus.drain(10_000).unwrap();
    assert!((&mut drained).now_or_never().is_none(), "two in flight, one queued");
    let first = tokens.borrow()[0];
    h.bus.settle(first, Ok(()));
    h.run();
    let (second, third) = (tokens.borrow()[1], tokens.borrow()[2]);
    h.bus.settle(second, Ok(()));
    assert!((&mut drained).now_or_never().is_none());
    h.bus.settle(third, Err("no".into()));
    h.advance(100);
    let retry = *tokens.borrow().last().unwrap();
    h.bus.settle(retry, Ok(()));
    h.run();
    assert_eq!(drained.now_or_never(), Some(CloseReport { drained: 3, dead_lettered: 0 }));
    assert_eq!(h.clock.pending_timers(), 0, "the drain's deadline was cleared");
    h.publish("t", "after");
    h.run();
    assert_eq!(tokens.borrow().len(), 5, "still delivering");
    assert!(h.events().contains(&"drain.finished"));
}

#[test]
fn at_the_deadline_a_drain_dead_letters_what_is_left_with_reason_shutdown() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    h.deferred("t", options(json!({})));
    h.publish("t", "held");
    h.publish("t", "waiting");
    h.run();
    let drained = h.bus.drain(500).unwrap();
    h.advance(499);
    assert!(h.dead.borrow().is_empty());
    h.advance(1);
    let reasons: Vec<&str> = h.dead.borrow().iter().map(|d| d.2).collect();
    assert_eq!(reasons, ["SHUTDOWN", "SHUTDOWN"]);
    assert_eq!(drained.now_or_never(), Some(CloseReport { drained: 0, dead_lettered: 2 }));
    h.assert_accounting();
    assert_eq!(h.bus.counters().in_flight, 0);
}

#[test]
fn a_drain_leaves_paused_subscriptions_alone() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (paused, seen) = h.record("t", options(json!({})), |_| Outcome::Ack);
    h.bus.pause(paused);
    h.publish("t", "kept");
    let drained = h.bus.drain(1000).unwrap();
    assert_eq!(drained.now_or_never(), Some(CloseReport::default()), "nothing active to wait for");
    assert!(h.dead.borrow().is_empty());
    h.bus.resume(paused);
    h.run();
    assert_eq!(data(&seen), ["kept"]);
}

#[test]
fn a_second_drain_while_one_runs_shares_its_future_and_its_deadline() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    h.deferred("t", options(json!({})));
    h.publish("t", "x");
    h.run();
    let first = h.bus.drain(1000).unwrap();
    let second = h.bus.drain(5).unwrap();
    h.advance(5);
    assert!(h.dead.borrow().is_empty(), "the first drain's deadline holds");
    h.advance(995);
    assert_eq!(first.now_or_never(), Some(CloseReport { drained: 0, dead_lettered: 1 }));
    assert_eq!(second.now_or_never(), Some(CloseReport { drained: 0, dead_lettered: 1 }));
}

#[test]
fn a_close_during_a_drain_resolves_it_and_a_closed_bus_refuses_to_drain() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    h.deferred("t", options(json!({})));
    h.publish("t", "x");
    h.run();
    let drained = h.bus.drain(10_000).unwrap();
    let closed = h.bus.close(100);
    h.advance(100);
    assert_eq!(closed.now_or_never().map(|r| r.dead_lettered), Some(1));
    assert!(drained.now_or_never().is_some());
    assert_eq!(h.bus.drain(1).unwrap_err().code(), "CLOSED");
    assert_eq!(h.bus.evacuate().unwrap_err().code(), "CLOSED");
}

#[test]
fn evacuate_dead_letters_everything_at_once_paused_queues_included_and_late_settlements_are_ignored() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, tokens) = h.deferred("t", options(json!({})));
    let (paused, _) = h.record("t", options(json!({})), |_| Outcome::Ack);
    h.bus.pause(paused);
    h.publish("t", "a");
    h.publish("t", "b");
    h.run();
    assert_eq!(h.bus.evacuate(), Ok(4), "a in flight and b queued on one; a and b queued on the paused one");
    assert!(h.dead.borrow().iter().all(|d| d.2 == "SHUTDOWN"));
    let first = tokens.borrow()[0];
    h.bus.settle(first, Ok(()));
    h.run();
    let m = h.bus.counters();
    assert_eq!((m.acked, m.dead_lettered, m.queued, m.in_flight), (0, 4, 0, 0));
    h.assert_accounting();
    assert_eq!(h.clock.pending_timers(), 0, "the ack deadline's timer is gone");
    h.publish("t", "c");
    h.run();
    assert_eq!(tokens.borrow().len(), 2, "the bus goes on");
}

#[test]
fn evacuate_during_a_close_ends_it_at_once() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    h.deferred("t", options(json!({})));
    h.publish("t", "x");
    h.run();
    let closed = h.bus.close(60_000);
    assert_eq!(h.bus.evacuate(), Ok(1));
    h.run();
    assert_eq!(closed.now_or_never(), Some(CloseReport { drained: 0, dead_lettered: 1 }));
}

#[test]
fn hand_over_discards_one_subscriptions_work_keeps_it_live_and_ignores_late_settlements() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (shared, tokens) = h.deferred("t", options(json!({})));
    let (_, seen) = h.record("t", options(json!({})), |_| Outcome::Ack);
    h.publish("t", "a");
    h.publish("t", "b");
    h.run();
    let handed: Vec<u64> = h.bus.hand_over(shared).iter().map(|m| m.id).collect();
    assert_eq!(handed, [1, 2], "a in flight, then b queued");
    h.bus.settle(tokens.borrow()[0], Ok(()));
    h.run();
    let m = h.bus.counters();
    assert_eq!((m.acked, m.discarded, m.failed, m.dead_lettered, m.queued, m.in_flight), (2, 2, 1, 0, 0, 0), "the other subscription acked both");
    assert_eq!(seen.borrow().len(), 2);
    h.assert_accounting();
    assert_eq!(h.clock.pending_timers(), 0, "the ack deadline's timer is gone");
    h.publish("t", "c");
    h.run();
    assert_eq!(tokens.borrow().len(), 2, "the subscription goes on");
    h.bus.unsubscribe(shared);
    assert!(h.bus.hand_over(shared).is_empty(), "nothing for an ended subscription");
}
