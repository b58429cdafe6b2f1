//! Native benchmarks of the core's publish and delivery path (no WebAssembly, no JavaScript):
//! what the broker itself costs per message, to compare with the Node numbers of
//! `pkg-scripts/bench`, whose gap is the binding and the boundary.
//!
//! `cargo bench --bench core` takes about 20 s once built (the first build about a minute);
//! under `cargo test --all-targets` each benchmark runs once as a smoke test. The `bench`
//! profile inherits `[profile.release]`, so this measures the shipped opt-level (3, LTO);
//! `CARGO_PROFILE_BENCH_OPT_LEVEL=z cargo bench --bench core` measures the size-tuned one.
//!
//! Every iteration publishes a batch of messages and then runs the [`ManualClock`]'s executor
//! until every delivery is settled, so the figures are end-to-end deliveries per second,
//! like the JS workloads: publish (validate, stamp, route, queue), the drain task, the handler
//! call, settlement and the counters.
//!
//! The `churn` group measures one subscribe plus one unsubscribe (of the oldest live
//! subscription, so the number live stays put) at 1 000 and 100 000 live subscriptions, all
//! on one topic or spread over 1 000 topics: the cost must not grow with the number live.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::hint::black_box;
use std::rc::Rc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use wasm_pubsub::{
    Broker, Config, Delivery, DeliveryOptions, DeliveryToken, Limits, ManualClock, Outcome, PublishOptions,
    SubscribeOptions, SubscriptionId,
};

/// Messages per iteration: enough to amortise the drain task, under the default queue capacity.
const MESSAGES: u64 = 1000;
const TOPIC: &str = "orders.eu";

fn options(max_in_flight: u32) -> SubscribeOptions {
    let delivery = DeliveryOptions {
        max_in_flight,
        ..DeliveryOptions::default()
    };
    SubscribeOptions {
        delivery: Some(delivery),
        ..SubscribeOptions::default()
    }
}

/// A broker with `subscribers` subscriptions on `TOPIC` whose handlers ack at once.
fn acking(subscribers: usize) -> (Broker<u64>, ManualClock) {
    let clock = ManualClock::new();
    let bus = Broker::new(Config::default(), clock.clone(), clock.clone());
    bus.create_topic(TOPIC).expect("topic");
    for _ in 0..subscribers {
        bus.subscribe(TOPIC, options(1), |d: &Delivery<'_, u64>| {
            black_box(d.message.data);
            Outcome::Ack
        })
        .expect("subscribe");
    }
    (bus, clock)
}

fn publish_each(bus: &Broker<u64>, count: u64) {
    for i in 0..count {
        black_box(bus.publish(TOPIC, i, PublishOptions::default()).expect("publish"));
    }
}

fn deliver(c: &mut Criterion) {
    let mut group = c.benchmark_group("deliver");
    group.throughput(Throughput::Elements(MESSAGES));
    let (bus, clock) = acking(1);
    group.bench_function("1 subscriber, publish ×1000", |b| {
        b.iter(|| {
            publish_each(&bus, MESSAGES);
            clock.run_until_idle();
        })
    });
    let batch = || {
        (0..MESSAGES)
            .map(|i| (i, PublishOptions::default()))
            .collect::<Vec<_>>()
    };
    group.bench_function("1 subscriber, publish_batch of 1000", |b| {
        b.iter_batched(
            batch,
            |messages| {
                black_box(bus.publish_batch(TOPIC, messages).expect("batch"));
                clock.run_until_idle();
            },
            BatchSize::SmallInput,
        )
    });
    let (unrouted, _) = acking(0);
    group.bench_function("no subscriber, publish ×1000 (publish only)", |b| {
        b.iter(|| publish_each(&unrouted, MESSAGES))
    });
    group.finish();

    let mut fan_out = c.benchmark_group("fan-out");
    let messages = MESSAGES / 10;
    fan_out.throughput(Throughput::Elements(messages * 100));
    let (bus, clock) = acking(100);
    fan_out.bench_function("100 subscribers, publish ×100 (deliveries)", |b| {
        b.iter(|| {
            publish_each(&bus, messages);
            clock.run_until_idle();
        })
    });
    fan_out.finish();
}

/// The async path: handlers answer `Deferred` and are settled later through
/// `Broker::settle_and_continue`, as the JS binding does for a handler that returned a promise.
fn deferred(c: &mut Criterion) {
    let mut group = c.benchmark_group("deferred settle");
    group.throughput(Throughput::Elements(MESSAGES));
    for max_in_flight in [1, 16] {
        let clock = ManualClock::new();
        let bus: Broker<u64> = Broker::new(Config::default(), clock.clone(), clock.clone());
        bus.create_topic(TOPIC).expect("topic");
        let pending: Rc<RefCell<Vec<DeliveryToken>>> = Rc::default();
        let sink = pending.clone();
        bus.subscribe(TOPIC, options(max_in_flight), move |d: &Delivery<'_, u64>| {
            sink.borrow_mut().push(d.token);
            Outcome::Deferred
        })
        .expect("subscribe");
        group.bench_function(format!("maxInFlight {max_in_flight}"), |b| {
            b.iter(|| {
                publish_each(&bus, MESSAGES);
                clock.run_until_idle();
                loop {
                    let settled = std::mem::take(&mut *pending.borrow_mut());
                    if settled.is_empty() {
                        break;
                    }
                    for token in settled {
                        bus.settle_and_continue(token, Ok(()));
                    }
                    clock.run_until_idle();
                }
            })
        });
    }
    group.finish();
}

/// A broker with `live` subscriptions spread round-robin over `topics` topics, and their
/// ids, oldest first.
fn subscribed(live: usize, topics: usize) -> (Broker<u64>, VecDeque<SubscriptionId>, Vec<String>) {
    let clock = ManualClock::new();
    let limits = Limits { max_subscriptions_per_topic: 1_000_000, max_topics: 10_000, ..Limits::default() };
    let bus = Broker::new(Config { limits, ..Config::default() }, clock.clone(), clock);
    let names: Vec<String> = (0..topics).map(|t| format!("churn.t{t}")).collect();
    for name in &names {
        bus.create_topic(name).expect("topic");
    }
    let ids = (0..live).map(|i| bus.subscribe(&names[i % topics], SubscribeOptions::default(), |_: &Delivery<'_, u64>| Outcome::Ack));
    let ids = ids.collect::<Result<VecDeque<_>, _>>().expect("subscribe");
    (bus, ids, names)
}

/// Subscribe + unsubscribe at a steady number of live subscriptions.
fn churn(c: &mut Criterion) {
    let mut group = c.benchmark_group("churn");
    group.throughput(Throughput::Elements(1));
    for (live, topics) in [(1_000, 1), (100_000, 1), (1_000, 1_000), (100_000, 1_000)] {
        let (bus, ids, names) = subscribed(live, topics);
        let ids = RefCell::new(ids);
        let mut next = live;
        group.bench_function(format!("subscribe + unsubscribe, {live} live on {topics} topic(s)"), |b| {
            b.iter(|| {
                let topic = &names[next % topics];
                next += 1;
                let id = bus.subscribe(topic, SubscribeOptions::default(), |_: &Delivery<'_, u64>| Outcome::Ack);
                let mut ids = ids.borrow_mut();
                ids.push_back(id.expect("subscribe"));
                let oldest = ids.pop_front().expect("a live subscription");
                black_box(bus.unsubscribe(oldest));
            })
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! { name = core; config = config(); targets = deliver, deferred, churn }
criterion_main!(core);
