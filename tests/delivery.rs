//! Scenarios of resilient delivery on a manual clock: settlement, timeouts, retries with
//! backoff, dead letters, the circuit breaker, ordering and the in-flight window.

mod common;

use common::{data, options, Harness};
use serde_json::json;
use wasm_pubsub::{BreakerState, Delivery, Outcome, SubscribeOptions};

fn fail(_: &Delivery<'_, String>) -> Outcome {
    Outcome::Fail("boom".into())
}

#[test]
fn a_failing_message_is_retried_with_capped_exponential_backoff_then_dead_lettered() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let opts = options(json!({ "maxDeliveryAttempts": 4, "retryBackoff": { "initialMs": 100, "maxMs": 250 } }));
    let (_, seen) = h.record("t", opts, fail);
    let id = h.publish("t", "poison");
    h.run();
    assert_eq!(seen.borrow().len(), 1);
    h.advance(99);
    assert_eq!(seen.borrow().len(), 1, "backoff 1 is 100 ms");
    h.advance(1);
    assert_eq!(seen.borrow().len(), 2);
    h.advance(199);
    assert_eq!(seen.borrow().len(), 2, "backoff 2 is 200 ms");
    h.advance(1);
    assert_eq!(seen.borrow().len(), 3);
    h.advance(249);
    assert_eq!(seen.borrow().len(), 3, "backoff 3 is capped at maxMs 250");
    h.advance(1);
    let attempts: Vec<u32> = seen.borrow().iter().map(|s| s.2).collect();
    assert_eq!(attempts, [1, 2, 3, 4]);
    assert_eq!(*h.dead.borrow(), [(id, "sub-1".to_string(), "MAX_ATTEMPTS", 4)]);
    let letter = &h.bus.dead_letters()[0];
    let error = letter.error.as_ref().unwrap();
    assert_eq!((error.code.as_str(), error.message.as_str()), ("HANDLER_ERROR", "boom"));
    let c = h.bus.counters();
    assert_eq!((c.delivered, c.failed, c.retried, c.dead_lettered), (4, 4, 3, 1));
    assert_eq!(h.clock.pending_timers(), 0, "nothing left to wake for");
    h.assert_accounting();
}

#[test]
fn with_max_in_flight_1_a_failing_message_holds_back_the_ones_behind_it() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, seen) = h.record("t", SubscribeOptions::default(), |d| {
        if d.message.data == "a" && d.attempt == 1 { Outcome::Fail("once".into()) } else { Outcome::Ack }
    });
    h.publish("t", "a");
    h.publish("t", "b");
    h.run();
    assert_eq!(data(&seen), ["a"]);
    h.advance(100);
    assert_eq!(data(&seen), ["a", "a", "b"]);
}

#[test]
fn a_deferred_delivery_not_settled_in_time_fails_and_its_late_settlement_is_ignored() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, tokens) = h.deferred("t", options(json!({ "ackTimeoutMs": 1000 })));
    h.publish("t", "slow");
    h.run();
    h.advance(999);
    assert_eq!(h.bus.counters().failed, 0);
    h.advance(1);
    assert_eq!(h.bus.counters().failed, 1);
    assert_eq!(h.bus.counters().in_flight, 0);
    h.bus.settle(tokens.borrow()[0], Ok(()));
    assert_eq!(h.bus.counters().acked, 0, "a late ack of a timed-out attempt does not count");
    h.advance(100);
    assert_eq!(tokens.borrow().len(), 2, "retried after the backoff");
    h.bus.settle(tokens.borrow()[1], Ok(()));
    h.bus.settle(tokens.borrow()[1], Ok(()));
    let c = h.bus.counters();
    assert_eq!((c.acked, c.failed, c.in_flight), (1, 1, 0), "settling twice counts once");
    let record = h.logs.borrow().iter().find(|r| r.event == "handler.failed").cloned().unwrap();
    assert_eq!(record.code, Some("HANDLER_TIMEOUT"));
    h.assert_accounting();
}

#[test]
fn a_future_outcome_is_awaited_and_settles_the_delivery() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sender, receiver) = futures::channel::oneshot::channel::<()>();
    let slot = std::cell::RefCell::new(Some(receiver));
    h.record("t", SubscribeOptions::default(), move |_| {
        let receiver = slot.borrow_mut().take().unwrap();
        Outcome::Pending(Box::pin(async move { receiver.await.map_err(|_| "dropped".to_string()) }))
    });
    h.publish("t", "x");
    h.run();
    assert_eq!(h.bus.counters().in_flight, 1);
    sender.send(()).unwrap();
    h.run();
    assert_eq!(h.bus.counters().acked, 1);
}

#[test]
fn one_wake_timer_serves_many_deliveries_awaiting_acks() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, tokens) = h.deferred("t", options(json!({ "maxInFlight": 1 })));
    for n in 0..50 {
        h.publish("t", &n.to_string());
    }
    for n in 0..50 {
        h.run();
        let token = tokens.borrow()[n];
        h.bus.settle(token, Ok(()));
    }
    assert_eq!(h.bus.counters().acked, 50);
    assert!(h.clock.pending_timers() <= 1, "at most one timer per subscription");
}

#[test]
fn given_threshold_3_the_breaker_opens_waits_and_lets_one_trial_through() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let healthy = std::rc::Rc::new(std::cell::Cell::new(false));
    let flag = healthy.clone();
    let opts = options(json!({
        "maxDeliveryAttempts": 100,
        "retryBackoff": { "initialMs": 10, "maxMs": 10 },
        "circuitBreaker": { "failureThreshold": 3, "resetTimeoutMs": 1000, "halfOpenMaxCalls": 1 }
    }));
    let (sub, seen) = h.record("t", opts, move |_| if flag.get() { Outcome::Ack } else { Outcome::Fail("down".into()) });
    h.publish("t", "a");
    h.publish("t", "b");
    h.run();
    h.advance(10);
    h.advance(10);
    assert_eq!(seen.borrow().len(), 3);
    assert_eq!(h.bus.breaker_state(sub), BreakerState::Open);
    assert!(h.events().contains(&"breaker.opened"));
    h.advance(999);
    assert_eq!(seen.borrow().len(), 3, "no delivery while open");
    assert_eq!(h.bus.counters().queued, 2, "nothing is dropped while open");
    healthy.set(true);
    h.advance(1);
    assert_eq!(h.bus.breaker_state(sub), BreakerState::Closed);
    assert_eq!(data(&seen), ["a", "a", "a", "a", "b"]);
    let events = h.events();
    let transitions: Vec<_> = events.iter().filter(|e| e.starts_with("breaker.")).collect();
    assert_eq!(transitions, [&"breaker.opened", &"breaker.halfOpen", &"breaker.closed"]);
    h.assert_accounting();
}

#[test]
fn a_failed_half_open_trial_opens_the_breaker_again() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let opts = options(json!({
        "maxDeliveryAttempts": 100,
        "retryBackoff": { "initialMs": 1, "maxMs": 1 },
        "circuitBreaker": { "failureThreshold": 1, "resetTimeoutMs": 500 }
    }));
    let (sub, seen) = h.record("t", opts, fail);
    h.publish("t", "x");
    h.run();
    assert_eq!(h.bus.breaker_state(sub), BreakerState::Open);
    h.advance(500);
    assert_eq!(seen.borrow().len(), 2, "one trial");
    assert_eq!(h.bus.breaker_state(sub), BreakerState::Open);
    h.advance(499);
    assert_eq!(seen.borrow().len(), 2);
    h.advance(1);
    assert_eq!(seen.borrow().len(), 3);
}

#[test]
fn with_the_defaults_a_poison_message_is_dead_lettered_before_the_breaker_trips() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, _) = h.record("t", SubscribeOptions::default(), fail);
    h.publish("t", "poison");
    h.run();
    h.advance(100 + 200 + 400 + 800);
    assert_eq!(h.dead.borrow().len(), 1);
    assert_eq!(h.bus.breaker_state(sub), BreakerState::Closed);
}

#[test]
fn overflow_while_the_breaker_is_open_dead_letters_the_oldest() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let opts = options(json!({
        "queueCapacity": 2, "overflow": "deadLetterOldest", "maxDeliveryAttempts": 100,
        "circuitBreaker": { "failureThreshold": 1, "resetTimeoutMs": 10000 }
    }));
    let (sub, _) = h.record("t", opts, fail);
    h.publish("t", "x");
    h.run();
    assert_eq!(h.bus.breaker_state(sub), BreakerState::Open);
    h.publish("t", "y");
    h.publish("t", "z");
    let reasons: Vec<_> = h.dead.borrow().iter().map(|d| (d.2, d.3)).collect();
    assert_eq!(reasons, [("OVERFLOW", 1)], "the retried head was the oldest");
    h.assert_accounting();
}

#[test]
fn ordering_keys_keep_per_key_order_while_other_keys_run_concurrently() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, tokens) = h.deferred("t", options(json!({ "maxInFlight": 4 })));
    h.publish_keyed("t", "a1", "a");
    h.publish_keyed("t", "b1", "b");
    h.publish_keyed("t", "a2", "a");
    h.publish("t", "free");
    h.publish_keyed("t", "b2", "b");
    h.run();
    assert_eq!(tokens.borrow().len(), 3, "a1, b1 and free start; a2 and b2 wait for their keys");
    let first = tokens.borrow()[0];
    h.bus.settle(first, Ok(()));
    h.run();
    assert_eq!(tokens.borrow().len(), 4, "a2 starts once a1 is acked");
    h.assert_accounting();
}

#[test]
fn a_failing_keyed_message_holds_back_its_key_only() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, seen) = h.record("t", options(json!({ "maxInFlight": 8 })), |d| {
        if d.message.data == "a1" && d.attempt == 1 { Outcome::Fail("once".into()) } else { Outcome::Ack }
    });
    h.publish_keyed("t", "a1", "a");
    h.publish_keyed("t", "a2", "a");
    h.publish_keyed("t", "b1", "b");
    h.run();
    assert_eq!(data(&seen), ["a1", "b1"]);
    h.advance(100);
    assert_eq!(data(&seen), ["a1", "b1", "a1", "a2"]);
}

#[test]
fn the_in_flight_window_limits_concurrent_deliveries() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, tokens) = h.deferred("t", options(json!({ "maxInFlight": 3 })));
    for n in 0..10 {
        h.publish("t", &n.to_string());
    }
    h.run();
    assert_eq!(tokens.borrow().len(), 3);
    assert_eq!(h.bus.counters().in_flight, 3);
    h.advance(30_000);
    assert_eq!(h.bus.counters().in_flight, 3, "timed-out calls free their slots");
    assert_eq!(h.bus.counters().failed, 3);
    h.assert_accounting();
}

#[test]
fn a_dead_letter_callback_that_fails_is_counted_and_never_fatal() {
    let clock = wasm_pubsub::ManualClock::new();
    let hooks = wasm_pubsub::Hooks {
        on_dead_letter: Some(std::rc::Rc::new(|_: &std::rc::Rc<wasm_pubsub::DeadLetter<String>>| Outcome::Fail("nope".into()))),
        ..Default::default()
    };
    let config = wasm_pubsub::Config::from_value(&common::value(json!({ "delivery": { "maxDeliveryAttempts": 1 } }))).unwrap();
    let bus = wasm_pubsub::Broker::with_hooks(config, clock.clone(), clock.clone(), hooks);
    bus.create_topic("t").unwrap();
    bus.subscribe("t", SubscribeOptions::default(), fail).unwrap();
    bus.publish("t", "x".into(), Default::default()).unwrap();
    bus.publish("t", "y".into(), Default::default()).unwrap();
    clock.run_until_idle();
    let c = bus.counters();
    assert_eq!((c.dead_lettered, c.dead_letter_callback_errors), (2, 2));
}

#[test]
fn the_dead_letter_store_is_bounded_and_counts_evictions() {
    let h = Harness::with_json(json!({ "limits": { "maxDeadLetters": 2 }, "delivery": { "maxDeliveryAttempts": 1 } }));
    h.bus.create_topic("t").unwrap();
    h.record("t", SubscribeOptions::default(), fail);
    for n in 0..5 {
        h.publish("t", &n.to_string());
    }
    h.run();
    let kept: Vec<String> = h.bus.dead_letters().iter().map(|l| l.message.data.clone()).collect();
    assert_eq!(kept, ["3", "4"]);
    assert_eq!(h.bus.counters().dead_letters_evicted, 3);
    assert_eq!(h.dead.borrow().len(), 5, "the callback saw every letter");
}

#[test]
fn replayed_dead_letters_are_delivered_again_with_attempts_from_1() {
    let h = Harness::with_json(json!({ "delivery": { "maxDeliveryAttempts": 1 } }));
    h.bus.create_topic("t").unwrap();
    let healthy = std::rc::Rc::new(std::cell::Cell::new(false));
    let flag = healthy.clone();
    let (sub, seen) = h.record("t", SubscribeOptions::default(), move |_| {
        if flag.get() { Outcome::Ack } else { Outcome::Fail("down".into()) }
    });
    let (gone, _) = h.record("t", SubscribeOptions::default(), fail);
    let id = h.publish("t", "x");
    h.run();
    h.bus.unsubscribe(gone);
    assert_eq!(h.bus.dead_letters().len(), 2);
    healthy.set(true);
    assert_eq!(h.bus.replay_dead_letters(|_| true), Ok(1), "the letter of the gone subscription stays");
    h.run();
    assert_eq!(seen.borrow().last().map(|s| s.2), Some(1));
    assert_eq!(h.bus.dead_letters().len(), 1);
    assert_eq!(h.bus.purge_dead_letters(), Ok(1));
    assert_eq!(h.bus.metrics().per_subscription[0].acked, 1);
    let _ = (sub, id);
    h.assert_accounting();
}

#[test]
fn metrics_report_latency_on_the_injected_clock() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, tokens) = h.deferred("t", options(json!({ "maxInFlight": 10 })));
    h.publish("t", "a");
    h.publish("t", "b");
    h.run();
    h.advance(10);
    h.bus.settle(tokens.borrow()[0], Ok(()));
    h.advance(30);
    h.bus.settle(tokens.borrow()[1], Ok(()));
    let latency = h.bus.metrics().latency;
    assert_eq!((latency.p50, latency.max), (10.0, 40.0));
}

#[test]
fn a_paused_subscription_whose_breaker_reset_is_due_arms_no_busy_timer() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let opts = options(json!({
        "maxDeliveryAttempts": 100, "retryBackoff": { "initialMs": 1, "maxMs": 1 },
        "circuitBreaker": { "failureThreshold": 1, "resetTimeoutMs": 100 }
    }));
    let (sub, seen) = h.record("t", opts, |d| if d.attempt < 2 { Outcome::Fail("once".into()) } else { Outcome::Ack });
    h.publish("t", "x");
    h.run();
    h.bus.pause(sub);
    h.advance(500);
    assert_eq!(h.clock.pending_timers(), 0, "nothing to wake for while paused");
    h.bus.resume(sub);
    h.run();
    assert_eq!(data(&seen), ["x", "x"]);
    assert_eq!(h.bus.breaker_state(sub), BreakerState::Closed);
}

#[test]
fn a_dead_letter_is_not_replayed_onto_a_newer_subscription_that_took_its_name() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (old, _) = h.record("t", options(json!({ "name": "worker", "maxDeliveryAttempts": 1 })), fail);
    h.publish("t", "x");
    h.run();
    h.bus.unsubscribe(old);
    let (_, seen) = h.record("t", options(json!({ "name": "worker" })), |_| Outcome::Ack);
    assert_eq!(h.bus.dead_letters().len(), 1);
    assert_eq!(h.bus.replay_dead_letters(|_| true), Ok(0));
    h.run();
    assert!(seen.borrow().is_empty());
    assert_eq!(h.bus.dead_letters().len(), 1, "the letter stays in the store");
}

#[test]
fn an_idle_subscription_holds_no_timer_once_its_last_delivery_settles() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, tokens) = h.deferred("t", SubscribeOptions::default());
    h.publish("t", "a");
    h.publish("t", "b");
    h.run();
    assert_eq!(h.clock.pending_timers(), 1, "the ack deadline");
    h.bus.settle(tokens.borrow()[0], Ok(()));
    h.run();
    assert_eq!(h.clock.pending_timers(), 1, "work keeps flowing: the timer stays");
    h.bus.settle(tokens.borrow()[1], Ok(()));
    assert_eq!(h.clock.pending_timers(), 0, "idle: nothing keeps a Node process alive");
}
