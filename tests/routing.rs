//! Routing stays exact under churn: after any interleaving of subscribes and unsubscribes
//! (topics and patterns), topic deletions and re-creations, a publish reaches exactly the
//! live subscriptions whose target matches its topic — no more, no fewer, once each.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use proptest::prelude::*;
use wasm_pubsub::{
    Broker, Config, Delivery, Limits, ManualClock, Outcome, Pattern, PublishOptions, SubscribeOptions, SubscriptionId,
};

const TOPICS: [&str; 5] = ["a", "a.b", "a.c", "b", "b.x.y"];
const TARGETS: [&str; 10] = ["a", "a.b", "a.c", "b", "b.x.y", "a.*", "a.>", ">", "*.x.>", "b.*"];

/// Who received which message: (subscription id, message id).
type Received = Rc<RefCell<Vec<(u64, u64)>>>;

/// A broker with room for thousands of subscriptions per target, whose handlers record
/// every delivery, and the model of what should be subscribed to what.
struct Routing {
    clock: ManualClock,
    bus: Broker<u64>,
    received: Received,
    /// Live subscriptions: id → target.
    live: BTreeMap<u64, &'static str>,
    topics: BTreeSet<&'static str>,
}

impl Routing {
    fn new() -> Self {
        let clock = ManualClock::new();
        let limits = Limits { max_subscriptions_per_topic: 100_000, ..Limits::default() };
        let bus = Broker::new(Config { limits, ..Config::default() }, clock.clone(), clock.clone());
        Routing { clock, bus, received: Rc::default(), live: BTreeMap::new(), topics: BTreeSet::new() }
    }

    fn create(&mut self, topic: &'static str) {
        if self.topics.insert(topic) {
            self.bus.create_topic(topic).unwrap();
        }
    }

    fn delete(&mut self, topic: &'static str) {
        assert_eq!(self.bus.delete_topic(topic), Ok(self.topics.remove(topic)));
        self.live.retain(|_, target| *target != topic);
    }

    fn subscribe(&mut self, target: &'static str) {
        let exact = Pattern::parse(target, 255).unwrap().is_exact();
        if exact && !self.topics.contains(target) {
            return;
        }
        let sink = self.received.clone();
        let handler = move |d: &Delivery<'_, u64>| {
            sink.borrow_mut().push((d.token.subscription, d.message.id));
            Outcome::Ack
        };
        let SubscriptionId(id) = self.bus.subscribe(target, SubscribeOptions::default(), handler).unwrap();
        self.live.insert(id, target);
    }

    /// Unsubscribes the `nth` live subscription (modulo their number).
    fn unsubscribe(&mut self, nth: usize) {
        let Some(&id) = self.live.keys().nth(nth % self.live.len().max(1)) else { return };
        assert!(self.bus.unsubscribe(SubscriptionId(id)));
        self.live.remove(&id);
    }

    /// Publishes on `topic` and checks who received the message.
    fn publish(&mut self, topic: &'static str) {
        if !self.topics.contains(topic) {
            return;
        }
        let message = self.bus.publish(topic, 0, PublishOptions::default()).unwrap();
        self.clock.run_until_idle();
        let mut got: Vec<u64> = self.received.borrow().iter().filter(|r| r.1 == message).map(|r| r.0).collect();
        got.sort_unstable();
        let matches = |target: &&str| Pattern::parse(target, 255).unwrap().matches(topic);
        let expected: Vec<u64> = self.live.iter().filter(|(_, t)| matches(t)).map(|(&id, _)| id).collect();
        assert_eq!(got, expected, "receivers of a publish on {topic}");
        self.received.borrow_mut().clear();
    }
}

#[derive(Clone, Debug)]
enum Op {
    Create(usize),
    Delete(usize),
    Subscribe(usize, u8),
    Unsubscribe(usize, u8),
    Publish(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0..TOPICS.len()).prop_map(Op::Create),
        1 => (0..TOPICS.len()).prop_map(Op::Delete),
        4 => (0..TARGETS.len(), 1u8..40).prop_map(|(t, n)| Op::Subscribe(t, n)),
        4 => (0..usize::MAX, 1u8..40).prop_map(|(i, n)| Op::Unsubscribe(i, n)),
        3 => (0..TOPICS.len()).prop_map(Op::Publish),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn publishes_reach_exactly_the_live_matching_subscriptions_after_any_churn(ops in proptest::collection::vec(op(), 1..120)) {
        let mut routing = Routing::new();
        for topic in TOPICS {
            routing.create(topic);
        }
        for op in ops {
            match op {
                Op::Create(t) => routing.create(TOPICS[t]),
                Op::Delete(t) => routing.delete(TOPICS[t]),
                Op::Subscribe(t, n) => (0..n).for_each(|_| routing.subscribe(TARGETS[t])),
                Op::Unsubscribe(i, n) => (0..n).for_each(|k| routing.unsubscribe(i.wrapping_add(k as usize * 7))),
                Op::Publish(t) => routing.publish(TOPICS[t]),
            }
        }
        for topic in TOPICS {
            routing.publish(topic);
        }
    }
}

#[test]
fn thousands_of_subscriptions_on_one_topic_and_patterns_come_and_go_with_exact_routing() {
    let mut routing = Routing::new();
    routing.create("a.b");
    routing.create("b");
    for round in 0..3 {
        for i in 0..3000 {
            routing.subscribe(if i % 3 == 0 { "a.>" } else { "a.b" });
        }
        routing.publish("a.b");
        for nth in (0..routing.live.len()).rev().filter(|n| n % 4 != round) {
            routing.unsubscribe(nth);
        }
        routing.publish("a.b");
        routing.delete("a.b");
        routing.create("a.b");
        routing.publish("a.b");
        routing.subscribe(">");
        routing.publish("b");
    }
    assert_eq!(routing.bus.metrics().subscriptions, routing.live.len() as u64);
}
