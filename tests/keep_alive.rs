//! A broker whose every handle is dropped: idle, it is freed; with work left — messages
//! queued or in flight, or a close in progress — it lives on until that work is settled,
//! as a JavaScript `PubSub` collected by the garbage collector must.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::channel::oneshot;
use futures::FutureExt;
use wasm_pubsub::{
    Broker, Clock, CloseReport, Config, Delivery, DeliveryToken, ManualClock, Outcome, PublishOptions,
    SubscribeOptions, WeakBroker,
};

/// A broker on `clock` with topic `t`.
fn broker(clock: &ManualClock) -> Broker<u64> {
    let bus = Broker::new(Config::default(), clock.clone(), clock.clone());
    bus.create_topic("t").unwrap();
    bus
}

/// A handler that counts its calls and answers `outcome`.
fn counting(count: &Rc<Cell<u64>>, outcome: fn() -> Outcome) -> impl Fn(&Delivery<'_, u64>) -> Outcome {
    let count = count.clone();
    move |_| {
        count.set(count.get() + 1);
        outcome()
    }
}

fn publish(bus: &Broker<u64>, messages: u32) {
    for i in 0..messages {
        bus.publish("t", u64::from(i), PublishOptions::default()).unwrap();
    }
}

/// A handler whose every delivery settles `delay` ms later, on a timer of `clock`.
fn settling_after(clock: &ManualClock, delay: u32, handled: &Rc<Cell<u64>>) -> impl Fn(&Delivery<'_, u64>) -> Outcome {
    let (clock, handled) = (clock.clone(), handled.clone());
    move |_| {
        let (sender, receiver) = oneshot::channel::<()>();
        clock.set_timeout(delay, Box::new(move || { let _ = sender.send(()); }));
        let handled = handled.clone();
        Outcome::Pending(Box::pin(async move {
            receiver.await.map_err(|_| "timer dropped".to_string())?;
            handled.set(handled.get() + 1);
            Ok(())
        }))
    }
}

#[test]
fn an_idle_broker_is_freed_with_its_last_handle() {
    let clock = ManualClock::new();
    let bus = broker(&clock);
    let handled = Rc::new(Cell::new(0));
    bus.subscribe("t", SubscribeOptions::default(), counting(&handled, || Outcome::Ack)).unwrap();
    publish(&bus, 3);
    clock.run_until_idle();
    let weak = bus.downgrade();
    drop(bus);
    assert!(weak.upgrade().is_none());
    assert_eq!(handled.get(), 3);
}

#[test]
fn queued_messages_keep_a_dropped_broker_alive_until_they_are_handled() {
    let clock = ManualClock::new();
    let bus = broker(&clock);
    let handled = Rc::new(Cell::new(0));
    bus.subscribe("t", SubscribeOptions::default(), counting(&handled, || Outcome::Ack)).unwrap();
    publish(&bus, 50);
    let weak = bus.downgrade();
    drop(bus);
    assert!(weak.upgrade().is_some(), "50 messages are queued");
    clock.run_until_idle();
    assert_eq!(handled.get(), 50);
    assert!(weak.upgrade().is_none(), "idle again: freed, nothing leaks");
}

#[test]
fn deliveries_in_flight_keep_a_dropped_broker_alive_through_retries_until_settled() {
    let clock = ManualClock::new();
    let bus = broker(&clock);
    let attempts = Rc::new(Cell::new(0));
    let count = attempts.clone();
    bus.subscribe("t", SubscribeOptions::default(), move |d: &Delivery<'_, u64>| {
        count.set(count.get() + 1);
        if d.attempt < 3 { Outcome::Fail("not yet".into()) } else { Outcome::Ack }
    })
    .unwrap();
    publish(&bus, 1);
    let weak = bus.downgrade();
    drop(bus);
    clock.advance(10_000);
    assert_eq!(attempts.get(), 3, "retried on the broker's timers after the handle was dropped");
    assert!(weak.upgrade().is_none());
}

#[test]
fn a_host_settling_through_a_weak_handle_reaches_a_dropped_broker_with_work_in_flight() {
    let clock = ManualClock::new();
    let bus = broker(&clock);
    let tokens: Rc<RefCell<Vec<DeliveryToken>>> = Rc::default();
    let sink = tokens.clone();
    bus.subscribe("t", SubscribeOptions::default(), move |d: &Delivery<'_, u64>| {
        sink.borrow_mut().push(d.token);
        Outcome::Deferred
    })
    .unwrap();
    publish(&bus, 2);
    clock.run_until_idle();
    let weak: WeakBroker<u64> = bus.downgrade();
    drop(bus);
    for round in 0..2 {
        let token = tokens.borrow()[round];
        weak.upgrade().expect("a delivery is in flight").settle_and_continue(token, Ok(()));
        clock.run_until_idle();
    }
    assert_eq!(tokens.borrow().len(), 2);
    assert!(weak.upgrade().is_none(), "both settled: freed");
}

#[test]
fn a_close_in_progress_keeps_a_dropped_broker_alive_and_resolves_with_every_message_drained() {
    let clock = ManualClock::new();
    let bus = broker(&clock);
    let handled = Rc::new(Cell::new(0));
    bus.subscribe("t", SubscribeOptions::default(), settling_after(&clock, 10, &handled)).unwrap();
    publish(&bus, 50);
    let closing = bus.close(5000);
    let weak = bus.downgrade();
    drop(bus);
    clock.run_until_idle();
    assert_eq!(handled.get(), 0, "the first delivery is in flight");
    clock.advance(500);
    assert_eq!(handled.get(), 50);
    assert_eq!(closing.now_or_never(), Some(CloseReport { drained: 50, dead_lettered: 0 }));
    assert!(weak.upgrade().is_none());
    assert_eq!(clock.pending_timers(), 0);
}

#[test]
fn a_close_past_its_deadline_still_resolves_for_a_dropped_broker() {
    let clock = ManualClock::new();
    let bus = broker(&clock);
    let handled = Rc::new(Cell::new(0));
    bus.subscribe("t", SubscribeOptions::default(), counting(&handled, || Outcome::Deferred)).unwrap();
    publish(&bus, 3);
    clock.run_until_idle();
    let closing = bus.close(100);
    let weak = bus.downgrade();
    drop(bus);
    clock.advance(100);
    assert_eq!(closing.now_or_never(), Some(CloseReport { drained: 0, dead_lettered: 3 }));
    assert!(weak.upgrade().is_none());
}

#[test]
fn a_close_of_an_idle_broker_frees_it_once_resolved() {
    let clock = ManualClock::new();
    let bus = broker(&clock);
    let closing = bus.close(5000);
    let weak = bus.downgrade();
    drop(bus);
    assert!(weak.upgrade().is_none());
    assert_eq!(closing.now_or_never(), Some(CloseReport::default()));
    assert_eq!(clock.now_ms(), 0.0);
}

#[test]
fn a_paused_subscriptions_queue_keeps_a_dropped_broker_alive_so_its_messages_are_not_lost() {
    let clock = ManualClock::new();
    let bus = broker(&clock);
    let handled = Rc::new(Cell::new(0));
    let sub = bus.subscribe("t", SubscribeOptions::default(), counting(&handled, || Outcome::Ack)).unwrap();
    bus.pause(sub);
    publish(&bus, 2);
    let weak = bus.downgrade();
    drop(bus);
    clock.advance(60_000);
    weak.upgrade().expect("two messages wait on a paused subscription").resume(sub);
    clock.run_until_idle();
    assert_eq!(handled.get(), 2);
    assert!(weak.upgrade().is_none());
}
