//! Configuration at run time on a manual clock: `Broker::configure` and
//! `Broker::update_subscription` change what comes next without losing or reordering
//! anything queued.

mod common;

use common::{data, options, value, Harness};
use serde_json::json;
use wasm_pubsub::{Config, Delivery, DeliveryOptions, Outcome, SubscriptionId, UpdateReport};

fn changed(h: &Harness, sub: SubscriptionId, changes: serde_json::Value) -> UpdateReport {
    let current = h.bus.subscription_options(sub).expect("live subscription");
    let options = current.with_changes(&value(changes)).expect("valid changes");
    h.bus.update_subscription(sub, options).expect("update")
}

fn ack(_: &Delivery<'_, String>) -> Outcome {
    Outcome::Ack
}

#[test]
fn a_smaller_queue_capacity_under_dead_letter_oldest_dead_letters_the_oldest_and_keeps_the_order() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, seen) = h.record("t", options(json!({ "overflow": "deadLetterOldest" })), ack);
    h.bus.pause(sub);
    let ids: Vec<u64> = (0..8).map(|i| h.publish("t", &format!("m{i}"))).collect();
    let report = changed(&h, sub, json!({ "queueCapacity": 5 }));
    assert_eq!(report, UpdateReport { dead_lettered: 3, over_capacity: 0 });
    let dead: Vec<(u64, &str)> = h.dead.borrow().iter().map(|d| (d.0, d.2)).collect();
    assert_eq!(dead, [(ids[0], "OVERFLOW"), (ids[1], "OVERFLOW"), (ids[2], "OVERFLOW")]);
    h.bus.resume(sub);
    h.run();
    assert_eq!(data(&seen), ["m3", "m4", "m5", "m6", "m7"]);
    let updated = h.logs.borrow().iter().find(|r| r.event == "subscription.updated").cloned().unwrap();
    assert!(updated.message.unwrap().contains("3 oldest queued messages dead-lettered"));
    h.assert_accounting();
}

#[test]
fn a_smaller_queue_capacity_under_reject_keeps_everything_and_rejects_publishes_until_it_drains() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, seen) = h.record("t", options(json!({})), ack);
    h.bus.pause(sub);
    for i in 0..4 {
        h.publish("t", &format!("m{i}"));
    }
    assert_eq!(changed(&h, sub, json!({ "queueCapacity": 2 })), UpdateReport { dead_lettered: 0, over_capacity: 2 });
    let err = h.bus.publish("t", "late".into(), Default::default()).unwrap_err();
    assert_eq!(err.code(), "QUEUE_FULL");
    h.bus.resume(sub);
    h.run();
    assert_eq!(data(&seen), ["m0", "m1", "m2", "m3"]);
    h.publish("t", "after");
    h.run();
    assert_eq!(data(&seen).last().unwrap(), "after");
    assert!(h.dead.borrow().is_empty());
}

#[test]
fn a_larger_in_flight_window_starts_the_waiting_deliveries_at_once() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, tokens) = h.deferred("t", options(json!({})));
    for i in 0..4 {
        h.publish("t", &format!("m{i}"));
    }
    h.run();
    assert_eq!(tokens.borrow().len(), 1);
    changed(&h, sub, json!({ "maxInFlight": 3 }));
    h.run();
    assert_eq!(tokens.borrow().len(), 3);
}

#[test]
fn a_new_ack_timeout_applies_from_the_next_delivery_and_not_to_one_in_flight() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, tokens) = h.deferred("t", options(json!({ "ackTimeoutMs": 1000, "retryBackoff": { "initialMs": 0 } })));
    h.publish("t", "a");
    h.run();
    changed(&h, sub, json!({ "ackTimeoutMs": 100 }));
    h.advance(999);
    assert_eq!(tokens.borrow().len(), 1, "the first attempt keeps its 1000 ms deadline");
    h.advance(1);
    assert_eq!(tokens.borrow().len(), 2, "timed out and retried");
    h.advance(100);
    assert_eq!(tokens.borrow().len(), 3, "the retry had the new 100 ms deadline");
}

#[test]
fn fewer_delivery_attempts_and_a_lower_breaker_threshold_apply_to_the_next_failure() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let opts = options(json!({ "retryBackoff": { "initialMs": 0 }, "maxDeliveryAttempts": 9 }));
    let (sub, seen) = h.record("t", opts, |_| Outcome::Fail("no".into()));
    changed(&h, sub, json!({ "maxDeliveryAttempts": 2, "circuitBreaker": { "failureThreshold": 2 } }));
    h.publish("t", "a");
    h.run();
    assert_eq!(seen.borrow().len(), 2);
    assert_eq!(h.dead.borrow()[0].2, "MAX_ATTEMPTS");
    assert_eq!(h.bus.breaker_state(sub).as_str(), "open");
}

#[test]
fn an_ended_subscription_cannot_be_updated() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, _) = h.record("t", options(json!({})), ack);
    h.bus.unsubscribe(sub);
    assert!(h.bus.subscription_options(sub).is_none());
    let err = h.bus.update_subscription(sub, DeliveryOptions::default()).unwrap_err();
    assert_eq!((err.code(), err.to_string().as_str()), ("CLOSED", "the subscription has ended: subscribe again"));
}

#[test]
fn configure_changes_the_defaults_of_new_subscriptions_only() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (before, _) = h.record("t", options(json!({})), ack);
    let config = h.bus.config().with_changes(&value(json!({ "delivery": { "maxInFlight": 7 } }))).unwrap();
    h.bus.configure(config).unwrap();
    let after = h.bus.subscribe("t", wasm_pubsub::SubscribeOptions::default(), ack).unwrap();
    assert_eq!(h.bus.subscription_options(before).unwrap().max_in_flight, 1);
    assert_eq!(h.bus.subscription_options(after).map(|o| o.max_in_flight), Some(7));
    assert!(h.events().contains(&"bus.configured"));
}

#[test]
fn configure_applies_limits_to_what_comes_next_and_evicts_dead_letters_beyond_a_smaller_store() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    h.record("t", options(json!({ "maxDeliveryAttempts": 1 })), |_| Outcome::Fail("no".into()));
    for i in 0..5 {
        h.publish("t", &format!("m{i}"));
    }
    h.run();
    assert_eq!(h.bus.dead_letters().len(), 5);
    let changes = json!({ "autoCreateTopics": true, "limits": { "maxDeadLetters": 2, "maxMessageBytes": 3 } });
    h.bus.configure(h.bus.config().with_changes(&value(changes)).unwrap()).unwrap();
    let kept: Vec<String> = h.bus.dead_letters().iter().map(|l| l.message.data.clone()).collect();
    assert_eq!(kept, ["m3", "m4"]);
    assert_eq!(h.bus.counters().dead_letters_evicted, 3);
    assert_eq!(h.bus.publish("t", "four".into(), Default::default()).unwrap_err().code(), "MESSAGE_TOO_LARGE");
    h.publish("new.topic", "ok");
}

#[test]
fn configure_refuses_host_keys_and_a_closed_bus() {
    let err = Config::default().with_changes(&value(json!({ "logger": null }))).unwrap_err();
    assert_eq!(err.to_string(), "logger is fixed when the bus is made: create a new PubSub to change it");
    let err = Config::default().with_changes(&value(json!({ "maxInFlight": 2 }))).unwrap_err();
    assert!(err.to_string().contains("it belongs under delivery"), "{err}");
    let h = Harness::new();
    drop(h.bus.close(0));
    h.run();
    assert_eq!(h.bus.configure(Config::default()).unwrap_err().code(), "CLOSED");
}
