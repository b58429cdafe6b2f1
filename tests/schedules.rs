//! Random schedules over a broker on a manual clock: whatever the order of publishes,
//! subscriptions, handler outcomes, settlements, clock jumps, pauses, unsubscribes, topic
//! deletions, replays and a close, every routed copy stays accounted for, counters never go
//! down, errors carry only documented codes, and the close contract holds at the end.
//!
//! `SCHEDULE_CASES=5000 cargo test --test schedules` runs more cases; a failure prints the
//! plan, and `PROPTEST_RNG_SEED=<n>` repeats a run.

mod common;
#[path = "schedules/plan.rs"]
mod plan;
#[path = "schedules/world.rs"]
mod world;

use common::{options, Harness};
use proptest::prelude::*;
use serde_json::json;
use wasm_pubsub::{BreakerState, Delivery, Outcome, SubscriptionState};

/// Cases per run: `SCHEDULE_CASES`, or 512 (about two seconds in a debug build).
fn cases() -> u32 {
    std::env::var("SCHEDULE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_schedules_keep_every_copy_accounted_for_and_close_cleanly(plan in plan::plan(80)) {
        world::run(&plan);
    }
}

// Scenarios the random schedules found, minimised.

fn fail(_: &Delivery<'_, String>) -> Outcome {
    Outcome::Fail("boom".into())
}

#[test]
fn a_paused_subscription_whose_breaker_is_open_waits_quietly_past_the_reset_timeout() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let opts = options(json!({ "circuitBreaker": { "failureThreshold": 1, "resetTimeoutMs": 100 } }));
    let (sub, seen) = h.record("t", opts, fail);
    h.publish("t", "poison");
    h.run();
    assert_eq!(h.bus.breaker_state(sub), BreakerState::Open);
    h.bus.pause(sub);
    h.advance(1000);
    assert_eq!(seen.borrow().len(), 1, "paused: no delivery");
    h.bus.resume(sub);
    h.run();
    assert_eq!(seen.borrow().len(), 2, "resumed after the reset timeout: one trial delivery");
    assert_eq!(h.bus.breaker_state(sub), BreakerState::Open, "the failed trial opens it again");
    h.assert_accounting();
}

#[test]
fn an_unsubscribed_subscription_with_an_open_breaker_and_a_delivery_in_flight_times_it_out() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let opts = options(json!({ "maxInFlight": 2, "ackTimeoutMs": 500, "circuitBreaker": { "failureThreshold": 1, "resetTimeoutMs": 100 } }));
    let (sub, tokens) = h.deferred("t", opts);
    h.publish("t", "slow");
    h.publish("t", "failing");
    h.run();
    h.bus.settle(tokens.borrow()[1], Err("boom".into()));
    assert_eq!(h.bus.breaker_state(sub), BreakerState::Open);
    h.bus.unsubscribe(sub);
    h.advance(1000);
    assert_eq!(h.bus.subscription_state(sub), SubscriptionState::Closed);
    let c = h.bus.counters();
    assert_eq!((c.in_flight, c.discarded), (0, 2), "the late delivery timed out and was discarded");
    assert_eq!(h.clock.pending_timers(), 0);
    h.assert_accounting();
}

#[test]
fn a_dead_letter_is_not_replayed_onto_a_new_subscription_that_reuses_its_name() {
    let h = Harness::new();
    h.bus.create_topic("a").unwrap();
    h.bus.create_topic("b").unwrap();
    let (old, _) = h.record("a", options(json!({ "name": "audit", "maxDeliveryAttempts": 1 })), fail);
    h.publish("a", "poison");
    h.run();
    assert_eq!(h.bus.dead_letters().len(), 1);
    h.bus.unsubscribe(old);
    let (_, seen) = h.record("b", options(json!({ "name": "audit" })), |_| Outcome::Ack);
    assert_eq!(h.bus.replay_dead_letters(|_| true), Ok(0), "the letter's subscription is gone");
    h.run();
    assert!(seen.borrow().is_empty(), "the subscription on b was handed {:?}", seen.borrow());
    assert_eq!(h.bus.dead_letters().len(), 1, "the letter stays in the store");
    h.assert_accounting();
}
