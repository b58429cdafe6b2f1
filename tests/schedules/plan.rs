//! What a random schedule is made of, and the proptest strategies that generate one.
//!
//! Every choice is a small index into a fixed pool (topics, targets, names, attribute sets),
//! so a failing schedule shrinks to something short and its `Debug` output reads like a
//! scenario.

use proptest::collection::vec;
use proptest::prelude::*;
use wasm_pubsub::{Backoff, BreakerConfig, DeliveryOptions, Overflow, PublishOptions, SubscribeOptions};

/// Topic names a step may use: five valid names and one invalid one.
pub const TOPICS: [&str; 6] = ["a", "b", "a.x", "a.y", "b.x.z", "a..b"];

/// Subscription targets: the topics, patterns, and an invalid pattern.
pub const TARGETS: [&str; 11] = ["a", "b", "a.x", "b.x.z", "a.*", "a.>", ">", "*", "b.>", "a..b", "a.>.b"];

/// Subscription names: generated, two fixed ones (so duplicates happen), an invalid one.
pub const NAMES: [Option<&str>; 4] = [None, Some("s1"), Some("s2"), Some("bad name")];

/// The broker's limits in every schedule: small, so every limit is reached.
pub const MAX_TOPICS: u32 = 4;
pub const MAX_SUBSCRIPTIONS_PER_TOPIC: u32 = 2;
pub const MAX_BATCH_SIZE: u32 = 4;
pub const MAX_MESSAGE_BYTES: u32 = 64;

/// One thing the schedule does to the bus.
#[derive(Clone, Debug)]
pub enum Step {
    CreateTopic(usize),
    DeleteTopic(usize),
    Subscribe(SubSpec),
    /// `once` on `TARGETS[n]`.
    Once(usize),
    Publish(usize, MsgSpec),
    PublishBatch(usize, Vec<MsgSpec>),
    /// Settles the n-th deferred token (mod their count): possibly again, possibly late.
    Settle { token: usize, ok: bool },
    /// Completes, fails or drops the n-th pending future's sender.
    Resolve { future: usize, how: Resolution },
    Advance(u64),
    RunUntilIdle,
    Pause(usize),
    Resume(usize),
    Unsubscribe(usize),
    Replay(ReplayFilter),
    Purge,
    Close(u32),
    /// `update_subscription` of the i-th subscription with these delivery changes.
    Update(usize, UpdateSpec),
    /// `drain` with this deadline.
    Drain(u32),
    Evacuate,
    /// `hand_over` of the i-th subscription (what a shared subscription's member does when its page goes).
    HandOver(usize),
    /// `configure` with a new `maxDeadLetters` and delivery defaults with these attempts.
    Configure { max_dead_letters: u32, max_delivery_attempts: u32 },
}

/// How a pending handler future ends.
#[derive(Clone, Copy, Debug)]
pub enum Resolution {
    Ok,
    Err,
    Drop,
}

/// Which dead letters a replay picks.
#[derive(Clone, Copy, Debug)]
pub enum ReplayFilter {
    All,
    None,
    Reason(&'static str),
    Subscription(&'static str),
}

/// A subscription's target, name and delivery options.
#[derive(Clone, Debug)]
pub struct SubSpec {
    pub target: usize,
    pub name: usize,
    pub max_in_flight: u32,
    pub queue_capacity: u32,
    pub dead_letter_oldest: bool,
    pub max_delivery_attempts: u32,
    pub ack_timeout_ms: u32,
    pub backoff: (u32, u32, f64),
    pub breaker: (u32, u32, u32),
    pub filter: bool,
}

/// The changes of a `subscription.update`: a new queue capacity and overflow policy, attempts
/// and ack timeout (`maxInFlight` stays: the ordering checks depend on it).
#[derive(Clone, Debug)]
pub struct UpdateSpec {
    pub queue_capacity: u32,
    pub dead_letter_oldest: bool,
    pub max_delivery_attempts: u32,
    pub ack_timeout_ms: u32,
}

/// One published message: oversized data; no attributes, `k=1`, `k=2`, an empty key or a
/// key given twice; no ordering key, `a`, `b` or an empty one.
#[derive(Clone, Debug)]
pub struct MsgSpec {
    pub big: bool,
    pub attributes: usize,
    pub key: usize,
}

/// What a handler does with one delivery, taken in turn from the case's script.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    Ack,
    Fail,
    /// Returns `Deferred`; the token is settled by a later step, or never.
    Deferred,
    /// A future that is already complete (`true` acks).
    Ready(bool),
    /// A future that waits for a `Resolve` step, or forever.
    Later,
    /// Publishes on `TOPICS[n]` from inside the handler, then acks.
    Publish(usize),
    /// Unsubscribes its own subscription, then acks (`true`) or fails.
    UnsubscribeSelf(bool),
    /// Unsubscribes the n-th subscription of the schedule, then acks.
    Unsubscribe(usize),
    /// Pauses its own subscription, then acks.
    PauseSelf,
    /// Closes the bus from inside the handler with this drain timeout, then acks.
    Close(u32),
}

/// A whole case: broker settings, the handlers' script and the steps.
#[derive(Clone, Debug)]
pub struct Plan {
    pub auto_create_topics: bool,
    pub max_dead_letters: u32,
    pub script: Vec<Behaviour>,
    pub steps: Vec<Step>,
    pub final_drain_ms: u32,
}

impl SubSpec {
    /// The subscribe options this spec stands for.
    pub fn options(&self) -> SubscribeOptions {
        let (initial_ms, max_ms, multiplier) = self.backoff;
        let (failure_threshold, reset_timeout_ms, half_open_max_calls) = self.breaker;
        let delivery = DeliveryOptions {
            max_in_flight: self.max_in_flight,
            ack_timeout_ms: self.ack_timeout_ms,
            max_delivery_attempts: self.max_delivery_attempts,
            retry_backoff: Backoff { initial_ms, max_ms, multiplier },
            circuit_breaker: BreakerConfig { failure_threshold, reset_timeout_ms, half_open_max_calls },
            queue_capacity: self.queue_capacity,
            overflow: if self.dead_letter_oldest { Overflow::DeadLetterOldest } else { Overflow::Reject },
        };
        let filter = if self.filter { vec![("k".to_string(), "1".to_string())] } else { Vec::new() };
        SubscribeOptions { name: NAMES[self.name].map(str::to_owned), filter, delivery: Some(delivery) }
    }
}

impl MsgSpec {
    /// The data and publish options this spec stands for.
    pub fn message(&self) -> (String, PublishOptions) {
        let data = if self.big { "y".repeat(MAX_MESSAGE_BYTES as usize + 1) } else { "x".to_string() };
        let pairs: &[(&str, &str)] = match self.attributes {
            0 => &[],
            1 => &[("k", "1")],
            2 => &[("k", "2")],
            3 => &[("", "v")],
            _ => &[("k", "1"), ("k", "2")],
        };
        let attributes = pairs.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect();
        let ordering_key = match self.key {
            0 => None,
            1 => Some("a".to_string()),
            2 => Some("b".to_string()),
            _ => Some(String::new()),
        };
        (data, PublishOptions { attributes, ordering_key })
    }
}

/// Drain timeouts a close may use.
fn drain_ms() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0u32), Just(1), Just(50), Just(500), Just(5000)]
}

/// An index into [`TOPICS`], mostly valid names.
fn topic() -> impl Strategy<Value = usize> {
    prop_oneof![4 => Just(0usize), 3 => Just(1), 3 => Just(2), 2 => Just(3), 2 => Just(4), 1 => Just(5)]
}

/// An index into [`TARGETS`], mostly valid targets.
fn target() -> impl Strategy<Value = usize> {
    prop_oneof![12 => 0..9usize, 1 => 9..TARGETS.len()]
}

prop_compose! {
    fn sub_spec()(
        target in target(),
        name in prop_oneof![6 => Just(0usize), 2 => Just(1), 2 => Just(2), 1 => Just(3)],
        max_in_flight in 1u32..=4,
        queue_capacity in 1u32..=6,
        dead_letter_oldest in any::<bool>(),
        max_delivery_attempts in 1u32..=4,
        ack_timeout_ms in prop_oneof![Just(0u32), Just(10), Just(50), Just(200)],
        backoff in (prop_oneof![Just(0u32), Just(1), Just(10), Just(100)], 0u32..=300, prop_oneof![Just(1.0), Just(1.5), Just(2.0)]),
        breaker in (1u32..=4, prop_oneof![Just(0u32), Just(10), Just(100), Just(1000)], 1u32..=3),
        filter in prop::bool::weighted(0.2),
    ) -> SubSpec {
        SubSpec { target, name, max_in_flight, queue_capacity, dead_letter_oldest, max_delivery_attempts, ack_timeout_ms, backoff, breaker, filter }
    }
}

/// A message, mostly valid: 1 in ~20 is too big, 1 in ~7 has bad attributes or key.
fn msg_spec() -> impl Strategy<Value = MsgSpec> {
    let attributes = prop_oneof![16 => Just(0usize), 5 => Just(1), 4 => Just(2), 1 => Just(3), 1 => Just(4)];
    let key = prop_oneof![8 => Just(0usize), 4 => Just(1), 4 => Just(2), 1 => Just(3)];
    (prop::bool::weighted(0.05), attributes, key).prop_map(|(big, attributes, key)| MsgSpec { big, attributes, key })
}

/// A batch, mostly within `MAX_BATCH_SIZE`, sometimes empty or too large.
fn batch() -> impl Strategy<Value = Vec<MsgSpec>> {
    prop_oneof![
        12 => vec(msg_spec(), 1..=MAX_BATCH_SIZE as usize),
        1 => Just(Vec::new()),
        1 => vec(msg_spec(), MAX_BATCH_SIZE as usize + 1..=MAX_BATCH_SIZE as usize + 2),
    ]
}

fn replay_filter() -> impl Strategy<Value = ReplayFilter> {
    prop_oneof![
        Just(ReplayFilter::All),
        Just(ReplayFilter::None),
        prop_oneof![Just("MAX_ATTEMPTS"), Just("OVERFLOW"), Just("SHUTDOWN")].prop_map(ReplayFilter::Reason),
        prop_oneof![Just("s1"), Just("s2")].prop_map(ReplayFilter::Subscription),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let index = 0usize..8;
    prop_oneof![
        4 => topic().prop_map(Step::CreateTopic),
        2 => topic().prop_map(Step::DeleteTopic),
        10 => sub_spec().prop_map(Step::Subscribe),
        2 => target().prop_map(Step::Once),
        24 => (topic(), msg_spec()).prop_map(|(t, m)| Step::Publish(t, m)),
        6 => (topic(), batch()).prop_map(|(t, ms)| Step::PublishBatch(t, ms)),
        8 => (index.clone(), prop::bool::weighted(0.7)).prop_map(|(token, ok)| Step::Settle { token, ok }),
        5 => (index.clone(), prop_oneof![Just(Resolution::Ok), Just(Resolution::Err), Just(Resolution::Drop)])
            .prop_map(|(future, how)| Step::Resolve { future, how }),
        12 => prop_oneof![Just(0u64), Just(1), Just(5), Just(10), Just(50), Just(100), Just(1000), Just(30_000)].prop_map(Step::Advance),
        8 => Just(Step::RunUntilIdle),
        2 => index.clone().prop_map(Step::Pause),
        2 => index.clone().prop_map(Step::Resume),
        2 => index.clone().prop_map(Step::Unsubscribe),
        2 => replay_filter().prop_map(Step::Replay),
        1 => Just(Step::Purge),
        1 => drain_ms().prop_map(Step::Close),
        2 => (index.clone(), update_spec()).prop_map(|(i, spec)| Step::Update(i, spec)),
        1 => drain_ms().prop_map(Step::Drain),
        1 => Just(Step::Evacuate),
        1 => index.prop_map(Step::HandOver),
        1 => (prop_oneof![Just(0u32), Just(2), Just(1000)], 1u32..=4)
            .prop_map(|(max_dead_letters, max_delivery_attempts)| Step::Configure { max_dead_letters, max_delivery_attempts }),
    ]
}

fn update_spec() -> impl Strategy<Value = UpdateSpec> {
    (1u32..=4, any::<bool>(), 1u32..=4, prop_oneof![Just(0u32), Just(10), Just(200)]).prop_map(
        |(queue_capacity, dead_letter_oldest, max_delivery_attempts, ack_timeout_ms)| UpdateSpec {
            queue_capacity,
            dead_letter_oldest,
            max_delivery_attempts,
            ack_timeout_ms,
        },
    )
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
    prop_oneof![
        24 => Just(Behaviour::Ack),
        16 => Just(Behaviour::Fail),
        8 => Just(Behaviour::Deferred),
        6 => any::<bool>().prop_map(Behaviour::Ready),
        6 => Just(Behaviour::Later),
        4 => topic().prop_map(Behaviour::Publish),
        2 => any::<bool>().prop_map(Behaviour::UnsubscribeSelf),
        2 => (0usize..8).prop_map(Behaviour::Unsubscribe),
        2 => Just(Behaviour::PauseSelf),
        1 => drain_ms().prop_map(Behaviour::Close),
    ]
}

prop_compose! {
    /// A case: up to three subscriptions, then up to `max_steps` steps.
    pub fn plan(max_steps: usize)(
        auto_create_topics in any::<bool>(),
        max_dead_letters in prop_oneof![Just(0u32), Just(3), Just(1000)],
        script in vec(behaviour(), 1..24),
        prelude in vec(sub_spec(), 0..=3),
        steps in vec(step(), 1..=max_steps),
        final_drain_ms in drain_ms(),
    ) -> Plan {
        let steps = prelude.into_iter().map(Step::Subscribe).chain(steps).collect();
        Plan { auto_create_topics, max_dead_letters, script, steps, final_drain_ms }
    }
}
