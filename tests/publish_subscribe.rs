//! Scenarios of the core broker: topics, routing, publishing, limits, subscriptions.

mod common;

use common::{data, options, Harness};
use serde_json::json;
use wasm_pubsub::{DeliveryOptions, HealthStatus, Outcome, PublishOptions, SubscribeOptions, SubscriptionState};

fn ack(_: &wasm_pubsub::Delivery<'_, String>) -> Outcome {
    Outcome::Ack
}

#[test]
fn handlers_never_run_inside_publish_and_see_messages_in_order() {
    let h = Harness::new();
    h.bus.create_topic("orders").unwrap();
    let (_, seen) = h.record("orders", SubscribeOptions::default(), ack);
    let ids = [h.publish("orders", "a"), h.publish("orders", "b"), h.publish("orders", "c")];
    assert!(seen.borrow().is_empty(), "no delivery before the publisher yields");
    h.run();
    assert_eq!(data(&seen), ["a", "b", "c"]);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids strictly increase: {ids:?}");
    h.assert_accounting();
}

#[test]
fn the_envelope_carries_sequence_per_topic_and_the_clock_time() {
    let h = Harness::with_json(json!({ "autoCreateTopics": true }));
    let envelopes = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = envelopes.clone();
    h.bus
        .subscribe(">", SubscribeOptions::default(), move |d: &wasm_pubsub::Delivery<'_, String>| {
            let m = d.message;
            sink.borrow_mut().push((m.id, m.topic().to_string(), m.sequence, m.published_at));
            Outcome::Ack
        })
        .unwrap();
    h.advance(42);
    h.publish("a", "1");
    h.publish("b", "1");
    h.advance(8);
    h.publish("a", "2");
    h.run();
    let expected = [(1, "a".to_string(), 1, 42.0), (2, "b".to_string(), 1, 42.0), (3, "a".to_string(), 2, 50.0)];
    assert_eq!(*envelopes.borrow(), expected);
}

#[test]
fn patterns_route_one_level_with_star_and_the_rest_with_greater_than() {
    let h = Harness::new();
    for topic in ["orders", "orders.eu", "orders.eu.paid", "users.eu"] {
        h.bus.create_topic(topic).unwrap();
    }
    let (_, star) = h.record("orders.*", SubscribeOptions::default(), ack);
    let (_, rest) = h.record("orders.>", SubscribeOptions::default(), ack);
    let (_, all) = h.record(">", SubscribeOptions::default(), ack);
    for topic in ["orders", "orders.eu", "orders.eu.paid", "users.eu"] {
        h.publish(topic, topic);
    }
    h.run();
    assert_eq!(data(&star), ["orders.eu"]);
    assert_eq!(data(&rest), ["orders.eu", "orders.eu.paid"]);
    assert_eq!(data(&all), ["orders", "orders.eu", "orders.eu.paid", "users.eu"]);
}

#[test]
fn a_pattern_subscription_sees_topics_created_later() {
    let h = Harness::new();
    let (_, seen) = h.record("metrics.*", SubscribeOptions::default(), ack);
    h.bus.create_topic("metrics.cpu").unwrap();
    h.publish("metrics.cpu", "90");
    h.run();
    assert_eq!(data(&seen), ["90"]);
}

#[test]
fn a_plain_subscription_needs_its_topic_unless_auto_creation_is_on() {
    let h = Harness::new();
    let err = h.bus.subscribe("missing", SubscribeOptions::default(), ack).unwrap_err();
    assert_eq!(err.code(), "TOPIC_NOT_FOUND");
    let auto = Harness::with_json(json!({ "autoCreateTopics": true }));
    auto.bus.subscribe("missing", SubscribeOptions::default(), ack).unwrap();
    assert!(auto.bus.has_topic("missing"));
}

#[test]
fn messages_nobody_subscribed_to_are_counted_unrouted() {
    let h = Harness::new();
    h.bus.create_topic("quiet").unwrap();
    h.publish("quiet", "x");
    let c = h.bus.counters();
    assert_eq!((c.published, c.unrouted, c.routed), (1, 1, 0));
}

#[test]
fn a_batch_is_all_or_nothing() {
    let h = Harness::with_json(json!({ "limits": { "maxAttributes": 1 } }));
    h.bus.create_topic("t").unwrap();
    let (_, seen) = h.record("t", SubscribeOptions::default(), ack);
    let too_many = PublishOptions { attributes: vec![("a".into(), "1".into()), ("b".into(), "2".into())], ..Default::default() };
    let batch = vec![("ok".to_string(), PublishOptions::default()), ("bad".to_string(), too_many)];
    assert_eq!(h.bus.publish_batch("t", batch).unwrap_err().code(), "INVALID_ATTRIBUTES");
    h.run();
    assert!(seen.borrow().is_empty());
    let c = h.bus.counters();
    assert_eq!((c.published, c.rejected, c.routed), (0, 2, 0));
    let good = vec![("1".to_string(), PublishOptions::default()), ("2".to_string(), PublishOptions::default())];
    assert_eq!(h.bus.publish_batch("t", good).unwrap(), [1, 2]);
    h.run();
    assert_eq!(data(&seen), ["1", "2"]);
}

#[test]
fn batch_size_and_message_size_limits_are_enforced() {
    let h = Harness::with_json(json!({ "limits": { "maxBatchSize": 2, "maxMessageBytes": 10 } }));
    h.bus.create_topic("t").unwrap();
    let batch = (0..3).map(|_| ("x".to_string(), PublishOptions::default())).collect();
    assert_eq!(h.bus.publish_batch("t", batch).unwrap_err().code(), "BATCH_TOO_LARGE");
    assert_eq!(h.bus.publish_batch("t", vec![]).unwrap_err().code(), "INVALID_ARGUMENT");
    h.bus.publish("t", "0123456789".into(), PublishOptions::default()).unwrap();
    let err = h.bus.publish("t", "0123456789a".into(), PublishOptions::default()).unwrap_err();
    assert_eq!(err.code(), "MESSAGE_TOO_LARGE");
    let attrs = PublishOptions { attributes: vec![("k".into(), "v".into())], ..Default::default() };
    let err = h.bus.publish("t", "012345678".into(), attrs).unwrap_err();
    assert_eq!(err.code(), "MESSAGE_TOO_LARGE", "attribute bytes count toward the size");
}

#[test]
fn ordering_keys_must_have_1_to_1024_characters() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let keyed = |key: String| PublishOptions { ordering_key: Some(key), ..Default::default() };
    assert_eq!(h.bus.publish("t", "x".into(), keyed(String::new())).unwrap_err().code(), "INVALID_ARGUMENT");
    h.bus.publish("t", "x".into(), keyed("é".repeat(1024))).unwrap();
    let err = h.bus.publish("t", "x".into(), keyed("é".repeat(1025))).unwrap_err();
    assert_eq!(err.code(), "INVALID_ARGUMENT");
}

#[test]
fn a_full_rejecting_queue_refuses_the_publish_and_queues_nothing_anywhere() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (roomy, _) = h.record("t", SubscribeOptions::default(), ack);
    let (tight, _) = h.record("t", options(json!({ "queueCapacity": 2 })), ack);
    h.bus.pause(tight);
    h.bus.pause(roomy);
    h.publish("t", "1");
    h.publish("t", "2");
    let err = h.bus.publish("t", "3".into(), PublishOptions::default()).unwrap_err();
    assert_eq!(err.code(), "QUEUE_FULL");
    let m = h.bus.metrics();
    let queued: Vec<u64> = m.per_subscription.iter().map(|s| s.queued).collect();
    assert_eq!(queued, [2, 2], "the roomy subscription did not get the refused message either");
    h.assert_accounting();
}

#[test]
fn dead_letter_oldest_makes_room_by_dead_lettering_the_head() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, seen) = h.record("t", options(json!({ "queueCapacity": 2, "overflow": "deadLetterOldest" })), ack);
    h.bus.pause(sub);
    let first = h.publish("t", "1");
    h.publish("t", "2");
    h.publish("t", "3");
    assert_eq!(*h.dead.borrow(), [(first, "sub-1".to_string(), "OVERFLOW", 0)]);
    h.bus.resume(sub);
    h.run();
    assert_eq!(data(&seen), ["2", "3"]);
    h.assert_accounting();
}

#[test]
fn an_attribute_filter_picks_messages_that_carry_all_its_pairs() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (_, seen) = h.record("t", options(json!({ "filter": { "region": "eu" } })), ack);
    let with = |pairs: &[(&str, &str)]| PublishOptions {
        attributes: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Default::default()
    };
    h.bus.publish("t", "eu".into(), with(&[("region", "eu"), ("tier", "gold")])).unwrap();
    h.bus.publish("t", "us".into(), with(&[("region", "us")])).unwrap();
    h.bus.publish("t", "none".into(), with(&[])).unwrap();
    h.run();
    assert_eq!(data(&seen), ["eu"]);
    assert_eq!(h.bus.counters().unrouted, 2);
}

#[test]
fn deleting_a_topic_ends_its_plain_subscriptions_and_keeps_pattern_ones() {
    let h = Harness::new();
    h.bus.create_topic("a.b").unwrap();
    let (plain, _) = h.record("a.b", SubscribeOptions::default(), ack);
    let (pattern, seen) = h.record("a.*", SubscribeOptions::default(), ack);
    h.bus.pause(plain);
    h.publish("a.b", "1");
    assert_eq!(h.bus.delete_topic("a.b"), Ok(true));
    assert_eq!(h.bus.subscription_state(plain), SubscriptionState::Closed);
    assert_eq!(h.bus.subscription_state(pattern), SubscriptionState::Active);
    assert_eq!(h.bus.counters().discarded, 1);
    h.bus.create_topic("a.b").unwrap();
    h.publish("a.b", "2");
    h.run();
    assert_eq!(data(&seen), ["1", "2"]);
    h.assert_accounting();
}

#[test]
fn unsubscribing_discards_the_queue_and_frees_the_name() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, seen) = h.record("t", options(json!({ "name": "worker" })), ack);
    h.publish("t", "lost");
    assert!(h.bus.unsubscribe(sub));
    assert!(!h.bus.unsubscribe(sub));
    h.run();
    assert!(seen.borrow().is_empty());
    assert_eq!(h.bus.counters().discarded, 1);
    h.record("t", options(json!({ "name": "worker" })), ack);
    h.assert_accounting();
}

#[test]
fn names_and_counts_are_limited() {
    let h = Harness::with_json(json!({ "limits": { "maxTopics": 2, "maxSubscriptionsPerTopic": 1 } }));
    h.bus.create_topic("a").unwrap();
    h.bus.create_topic("b").unwrap();
    assert_eq!(h.bus.create_topic("c").unwrap_err().code(), "LIMIT_EXCEEDED");
    assert_eq!(h.bus.create_topic("a").unwrap_err().code(), "TOPIC_EXISTS");
    assert_eq!(h.bus.create_topic("a..b").unwrap_err().code(), "INVALID_TOPIC_NAME");
    h.record("a", options(json!({ "name": "one" })), ack);
    let err = h.bus.subscribe("a", SubscribeOptions::default(), ack).unwrap_err();
    assert_eq!(err.code(), "LIMIT_EXCEEDED");
    let err = h.bus.subscribe("b", options(json!({ "name": "one" })), ack).unwrap_err();
    assert_eq!(err.code(), "SUBSCRIPTION_EXISTS");
    let err = h.bus.subscribe("b", options(json!({ "name": "bad name" })), ack).unwrap_err();
    assert_eq!(err.code(), "INVALID_TOPIC_NAME");
}

#[test]
fn a_handler_may_publish_from_inside_itself() {
    let h = Harness::new();
    h.bus.create_topic("ping").unwrap();
    h.bus.create_topic("pong").unwrap();
    let bus = h.bus.clone();
    h.bus
        .subscribe("ping", SubscribeOptions::default(), move |d: &wasm_pubsub::Delivery<'_, String>| {
            bus.publish("pong", format!("re:{}", d.message.data), PublishOptions::default()).unwrap();
            Outcome::Ack
        })
        .unwrap();
    let (_, pongs) = h.record("pong", SubscribeOptions::default(), ack);
    h.publish("ping", "1");
    h.publish("ping", "2");
    h.run();
    assert_eq!(data(&pongs), ["re:1", "re:2"]);
    h.assert_accounting();
}

#[test]
fn a_handler_may_unsubscribe_itself_mid_queue() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let bus = h.bus.clone();
    let own = std::rc::Rc::new(std::cell::Cell::new(None));
    let id = own.clone();
    let sub = h
        .bus
        .subscribe("t", SubscribeOptions::default(), move |_: &wasm_pubsub::Delivery<'_, String>| {
            bus.unsubscribe(id.get().unwrap());
            Outcome::Ack
        })
        .unwrap();
    own.set(Some(sub));
    for n in 0..3 {
        h.publish("t", &n.to_string());
    }
    h.run();
    let c = h.bus.counters();
    assert_eq!((c.acked, c.discarded), (1, 2));
    h.assert_accounting();
}

#[test]
fn a_paused_subscription_queues_and_delivers_on_resume() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, seen) = h.record("t", SubscribeOptions::default(), ack);
    h.bus.pause(sub);
    h.publish("t", "held");
    h.run();
    assert!(seen.borrow().is_empty());
    h.bus.resume(sub);
    h.run();
    assert_eq!(data(&seen), ["held"]);
}

#[test]
fn a_throwing_handler_does_not_stop_other_subscriptions() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    h.record("t", SubscribeOptions::default(), |_| Outcome::Fail("boom".into()));
    let (_, seen) = h.record("t", SubscribeOptions::default(), ack);
    h.publish("t", "1");
    h.publish("t", "2");
    h.run();
    assert_eq!(data(&seen), ["1", "2"]);
}

#[test]
fn once_resolves_with_the_next_message_and_ends_its_subscription() {
    let h = Harness::new();
    h.bus.create_topic("t").unwrap();
    let (sub, next) = h.bus.once("t").unwrap();
    h.publish("t", "first");
    h.publish("t", "second");
    h.run();
    let message = futures::executor::block_on(next).unwrap();
    assert_eq!(message.data, "first");
    assert_eq!(h.bus.subscription_state(sub), SubscriptionState::Closed);
    h.assert_accounting();
}

/// Every message delivered, in order, with the `Rc` of its headers.
type Received = std::rc::Rc<std::cell::RefCell<Vec<std::rc::Rc<wasm_pubsub::Message<String>>>>>;

fn receive_all(h: &Harness, target: &str) -> Received {
    let received: Received = Default::default();
    let sink = received.clone();
    h.bus
        .subscribe(target, SubscribeOptions::default(), move |d: &wasm_pubsub::Delivery<'_, String>| {
            sink.borrow_mut().push(d.message.clone());
            Outcome::Ack
        })
        .unwrap();
    received
}

#[test]
fn plain_messages_of_a_topic_share_their_headers_and_keyed_ones_have_their_own() {
    use std::rc::Rc;
    let h = Harness::new();
    h.bus.create_topic("orders").unwrap();
    let received = receive_all(&h, "orders");
    h.publish("orders", "a");
    h.publish("orders", "b");
    h.publish_keyed("orders", "c", "customer-7");
    let tagged = PublishOptions { attributes: vec![("region".into(), "eu".into())], ..Default::default() };
    h.bus.publish("orders", "d".to_string(), tagged).unwrap();
    h.run();
    let m = received.borrow();
    assert!(Rc::ptr_eq(&m[0].headers, &m[1].headers), "two plain messages share one Headers");
    assert!(!Rc::ptr_eq(&m[1].headers, &m[2].headers) && !Rc::ptr_eq(&m[1].headers, &m[3].headers));
    assert_eq!((m[2].topic(), m[2].ordering_key()), ("orders", Some("customer-7")));
    assert_eq!(m[3].headers.attributes, [("region".to_string(), "eu".to_string())]);
    assert!(m[0].headers.is_plain() && m[3].ordering_key().is_none());
}

#[test]
fn headers_a_host_builds_are_checked_like_options_and_must_name_the_batch_topic() {
    use std::rc::Rc;
    use wasm_pubsub::Headers;
    let h = Harness::new();
    h.bus.create_topic("orders").unwrap();
    let received = receive_all(&h, "orders");
    let twice = vec![("k".to_string(), "1".to_string()), ("k".to_string(), "2".to_string())];
    let bad = Rc::new(Headers { attributes: twice, ..Headers::plain("orders") });
    let error = h.bus.publish_headed(bad, "x".into(), Some(1)).unwrap_err();
    assert_eq!(error.code(), "INVALID_ATTRIBUTES");
    let empty_key = Rc::new(Headers { ordering_key: Some("".into()), ..Headers::plain("orders") });
    assert_eq!(h.bus.publish_headed(empty_key, "x".into(), Some(1)).unwrap_err().code(), "INVALID_ARGUMENT");
    let elsewhere = Rc::new(Headers::plain("users"));
    let plain = Rc::new(Headers::plain("orders"));
    let batch = vec![("a".to_string(), plain.clone(), Some(1)), ("b".to_string(), elsewhere, Some(1))];
    assert_eq!(h.bus.publish_batch_headed("orders", batch).unwrap_err().code(), "INVALID_ARGUMENT");
    assert_eq!(h.bus.publish_headed(plain.clone(), "ok".into(), Some(2)).unwrap(), 1);
    h.run();
    let m = received.borrow();
    assert_eq!(m.len(), 1, "nothing of a refused publish or batch was queued");
    assert!(Rc::ptr_eq(&m[0].headers, &plain), "the host's headers are the ones delivered");
    assert_eq!(h.bus.counters().rejected, 4);
}

#[test]
fn health_calls_a_queue_saturated_from_90_percent_even_for_capacities_past_2_pow_32_over_9() {
    for (capacity, queued, saturated) in [(10, 8, false), (10, 9, true), (1, 1, true), (477_218_589, 1, false), (i32::MAX as u32, 1, false)] {
        let h = Harness::new();
        h.bus.create_topic("t").unwrap();
        let delivery = DeliveryOptions { queue_capacity: capacity, ..DeliveryOptions::default() };
        let options = SubscribeOptions { name: Some("s".into()), delivery: Some(delivery), ..SubscribeOptions::default() };
        let (sub, _) = h.record("t", options, |_| Outcome::Ack);
        h.bus.pause(sub);
        for i in 0..queued {
            h.publish("t", &i.to_string());
        }
        let health = h.bus.health();
        let names: Vec<&str> = health.saturated_subscriptions.iter().map(|n| &**n).collect();
        assert_eq!(names == ["s"], saturated, "{queued} queued of {capacity}: {health:?}");
        assert_eq!(health.status == HealthStatus::Degraded, saturated);
    }
}

#[test]
fn a_filter_pair_no_message_could_carry_is_refused_and_creates_no_topic() {
    let h = Harness::with_json(json!({ "autoCreateTopics": true, "limits": { "maxAttributeValueLength": 4 } }));
    let long_value = options(json!({ "filter": { "tier": "platinum" } }));
    let err = h.bus.subscribe("orders", long_value, ack).unwrap_err();
    assert_eq!(err.code(), "INVALID_ARGUMENT");
    assert!(err.to_string().contains("limits.maxAttributeValueLength (4)"), "{err}");
    assert!(h.bus.topics().is_empty(), "nothing was created for the refused subscription");
    let long_key = options(json!({ "filter": { "k".repeat(300): "v" } }));
    assert!(h.bus.subscribe("orders", long_key, ack).unwrap_err().to_string().contains("maxAttributeKeyLength"));
    assert!(h.bus.subscribe("orders", options(json!({ "filter": { "tier": "gold" } })), ack).is_ok());
}
