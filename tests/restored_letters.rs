//! Scenarios for a durable dead-letter store: the broker reports every letter that leaves
//! its store, and takes back letters from an earlier run, replaying them by name.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_pubsub::{
    Broker, Config, DeadLetter, DeadLetterReason, Delivery, Headers, Hooks, ManualClock, Message, Outcome,
    PublishOptions, SubscribeOptions, SubscriptionId,
};

type Removed = Rc<RefCell<Vec<(u64, String)>>>;

fn bus(max_dead_letters: u32) -> (Broker<String>, ManualClock, Removed) {
    let clock = ManualClock::new();
    let removed: Removed = Rc::default();
    let sink = removed.clone();
    let hooks = Hooks {
        on_letters_removed: Some(Rc::new(move |letters: &[Rc<DeadLetter<String>>]| {
            sink.borrow_mut().extend(letters.iter().map(|l| (l.message.id, l.subscription.to_string())));
        })),
        ..Hooks::default()
    };
    let mut config = Config::default();
    config.limits.max_dead_letters = max_dead_letters;
    (Broker::with_hooks(config, clock.clone(), clock.clone(), hooks), clock, removed)
}

fn letter(id: u64, subscription: &str, attempts: u32) -> DeadLetter<String> {
    let message = Rc::new(Message { id, sequence: id, published_at: 5.0, headers: Rc::new(Headers::plain("jobs")), data: format!("job {id}") });
    DeadLetter {
        message,
        subscription: Rc::from(subscription),
        subscription_id: SubscriptionId(3),
        reason: DeadLetterReason::MaxAttempts,
        error: Some("boom".into()),
        attempts,
        dead_lettered_at: 9.0,
    }
}

fn named(name: &str) -> SubscribeOptions {
    SubscribeOptions { name: Some(name.into()), ..Default::default() }
}

#[test]
fn restored_letters_keep_id_attempts_reason_and_error_and_replay_onto_a_new_subscription_of_their_name() {
    let (bus, clock, removed) = bus(10);
    bus.restore_dead_letter(letter(7, "saver", 5)).unwrap();
    bus.restore_dead_letter(letter(8, "other", 2)).unwrap();
    let kept = bus.dead_letters();
    assert_eq!((kept[0].message.id, kept[0].attempts, kept[0].reason), (7, 5, DeadLetterReason::MaxAttempts));
    assert_eq!(kept[0].error.as_ref().map(|e| e.message.as_str()), Some("boom"));
    assert_eq!(bus.replay_dead_letters(|_| true), Ok(0), "no subscription named saver yet: the letters stay");
    bus.create_topic("jobs").unwrap();
    let seen: Rc<RefCell<Vec<(u64, u32)>>> = Rc::default();
    let sink = seen.clone();
    bus.subscribe("jobs", named("saver"), move |d: &Delivery<'_, String>| {
        sink.borrow_mut().push((d.message.id, d.attempt));
        Outcome::Ack
    })
    .unwrap();
    assert_eq!(bus.replay_dead_letters(|_| true), Ok(1), "only saver's letter has a live namesake");
    clock.run_until_idle();
    assert_eq!(*seen.borrow(), vec![(7, 1)]);
    assert_eq!(*removed.borrow(), vec![(7, "saver".to_string())], "the replayed letter left the store");
    assert_eq!(bus.dead_letters().len(), 1);
    assert_eq!(bus.publish("jobs", "new".into(), PublishOptions::default()), Ok(9), "ids stay above restored ones");
}

#[test]
fn every_letter_leaving_the_store_is_reported_evicted_purged_or_replayed() {
    let (bus, clock, removed) = bus(2);
    for id in [1, 2, 3] {
        bus.restore_dead_letter(letter(id, "saver", 1)).unwrap();
    }
    assert_eq!(*removed.borrow(), vec![(1, "saver".to_string())], "the oldest was evicted");
    bus.create_topic("jobs").unwrap();
    bus.subscribe("jobs", named("failing"), |_: &Delivery<'_, String>| Outcome::Fail("no".into())).unwrap();
    bus.publish("jobs", "x".into(), PublishOptions::default()).unwrap();
    clock.run_until_idle();
    clock.advance(60_000);
    clock.run_until_idle();
    assert_eq!(removed.borrow().len(), 2, "the new dead letter evicted letter 2");
    assert_eq!(bus.purge_dead_letters(), Ok(2));
    let ids: Vec<u64> = removed.borrow().iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![1, 2, 3, 4], "every letter accounted for");
}

#[test]
fn a_letter_with_an_invalid_topic_or_name_is_refused() {
    let (bus, _clock, _) = bus(10);
    let mut bad = letter(1, "saver", 1);
    bad.subscription = Rc::from("a..b");
    assert_eq!(bus.restore_dead_letter(bad).map_err(|e| e.code()), Err("INVALID_TOPIC_NAME"));
    assert!(bus.dead_letters().is_empty());
}
