//! The broker's state behind its one `RefCell`: topics, subscriptions, counters, effects.
//!
//! Code in this module never calls out: it only changes state and records [`Effect`]s,
//! which the broker runs after the borrow is released.

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::effects::{Effect, Runtime};
use super::last_route::LastRoute;
use super::id_list::IdList;
use crate::attributes::matches_filter;
use crate::config::{Config, Overflow};
use crate::dead_letter::{DeadLetter, DeadLetterReason, DeadLetterStore};
use crate::error::{Error, Result};
use crate::sorted_map::SortedMap;
use crate::log::{Level, LogRecord};
use crate::message::{Headers, Message};
use crate::metrics::{Counters, LatencyWindow};
use crate::backlog::Queued;
use crate::subscription::{Failure, Subscription, SubscriptionState};
use crate::topic::{validate_name, Pattern};

/// Where the bus is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Open,
    Closing,
    Closed,
}

/// One topic: its sequence counter and the subscriptions (exact and pattern) it routes to.
#[derive(Clone, Default)]
pub(crate) struct TopicEntry {
    /// Its name, in the headers its messages without attributes or key share. They also
    /// tell this topic from an older one of the same name, deleted since.
    pub plain: Rc<Headers>,
    /// The last sequence number reserved; shared with the [`LastRoute`] while it is this one.
    pub sequence: Rc<Cell<u64>>,
    /// Shared with the publish routing through it. A subscription coming or going changes
    /// it in place (`Rc::make_mut` copies only if a publish still held it, which none does
    /// once it returned).
    pub subscribers: Rc<IdList>,
}

/// Where one publish goes: the topic, the sequence numbers it reserved, the subscribers.
pub(crate) struct Route {
    /// The topic's plain headers (and so its name).
    pub plain: Rc<Headers>,
    /// Sequence of the next message this publish queues.
    pub sequence: u64,
    pub subscribers: Rc<IdList>,
}

pub(crate) struct Inner<P> {
    pub config: Config,
    pub phase: Phase,
    pub topics: FxHashMap<Rc<str>, TopicEntry>,
    /// See [`LastRoute`].
    pub last_route: LastRoute,
    pub subs: SortedMap<u64, Subscription<P>>,
    pub names: FxHashMap<Rc<str>, u64>,
    /// Subscriptions per topic or pattern, for `limits.maxSubscriptionsPerTopic`.
    pub per_target: FxHashMap<Rc<str>, u64>,
    pub patterns: IdList,
    pub next_message_id: u64,
    pub next_sub_id: u64,
    pub counters: Counters,
    pub latency: LatencyWindow,
    pub dead_letters: DeadLetterStore<P>,
    pub effects: VecDeque<Effect<P>>,
    pub flushing: bool,
    /// Whether accepted messages go to the publish observer (see `Broker::observe_publishes`).
    pub observing_publishes: bool,
    pub runtime: Option<Runtime<P>>,
    pub close: Option<super::close::Settling>,
    pub bus_drain: Option<super::close::Settling>,
    /// A wake-up timer the clock failed to set is waiting to be armed again (see `rearm`).
    pub unarmed: bool,
    /// Publishes waiting for their copies to settle (see `waiters`).
    pub waiters: super::waiters::Waiters,
    /// The broker itself, while it has work (see `keep_alive`).
    pub keep_alive: super::keep_alive::KeepAlive<P>,
}

impl<P> Inner<P> {
    pub fn new(config: Config, runtime: Runtime<P>) -> Self {
        Inner {
            dead_letters: DeadLetterStore::new(config.limits.max_dead_letters),
            config,
            phase: Phase::Open,
            topics: FxHashMap::default(),
            last_route: LastRoute::default(),
            subs: SortedMap::default(),
            names: FxHashMap::default(),
            per_target: FxHashMap::default(),
            patterns: IdList::default(),
            next_message_id: 0,
            next_sub_id: 0,
            counters: Counters::default(),
            latency: LatencyWindow::default(),
            effects: VecDeque::new(),
            flushing: false,
            observing_publishes: true,
            runtime: Some(runtime),
            close: None,
            bus_drain: None,
            unarmed: false,
            waiters: Default::default(),
            keep_alive: None,
        }
    }

    pub fn ensure_open(&self) -> Result<()> {
        match self.phase {
            Phase::Open => Ok(()),
            _ => Err(Error::Closed),
        }
    }

    pub fn observes_publishes(&self) -> bool {
        self.observing_publishes && self.runtime.as_ref().is_some_and(|r| r.hooks.on_publish.is_some())
    }

    pub fn has_logger(&self) -> bool {
        self.runtime.as_ref().is_some_and(|r| r.hooks.logger.is_some())
    }

    /// Records a log effect; `build` runs only when a logger is set.
    pub fn log(&mut self, build: impl FnOnce() -> LogRecord) {
        if self.has_logger() {
            self.effect(Effect::Log(build()));
        }
    }

    /// Queues an effect for the effect loop. Kept out of line: its callers share
    /// one copy of the queue push instead of inlining it each (~1 KB of wasm).
    #[inline(never)]
    pub fn effect(&mut self, effect: Effect<P>) {
        self.effects.push_back(effect);
    }

    pub fn create_topic(&mut self, name: &str) -> Result<Rc<str>> {
        validate_name("topic name", name, self.config.limits.max_topic_name_length)?;
        if self.topics.contains_key(name) {
            return Err(Error::TopicExists(name.to_owned()));
        }
        self.insert_topic(name)
    }

    /// The topic `name`, created first when `autoCreateTopics` allows it.
    pub fn resolve_topic(&mut self, name: &str) -> Result<Rc<str>> {
        if let Some(entry) = self.topics.get(name) {
            return Ok(entry.plain.topic.clone());
        }
        validate_name("topic name", name, self.config.limits.max_topic_name_length)?;
        if !self.config.auto_create_topics {
            return Err(Error::TopicNotFound(name.to_owned()));
        }
        self.insert_topic(name)
    }

    fn insert_topic(&mut self, name: &str) -> Result<Rc<str>> {
        let max = self.config.limits.max_topics;
        if self.topics.len() >= max as usize {
            return Err(Error::LimitExceeded(format!("limits.maxTopics ({max}) reached")));
        }
        let name: Rc<str> = Rc::from(name);
        let plain = Rc::new(Headers::plain(name.clone()));
        let subscribers = Rc::new(self.attach_patterns(&plain));
        self.last_route.forget();
        self.topics.insert(name.clone(), TopicEntry { plain, sequence: Rc::default(), subscribers });
        self.log(|| LogRecord { topic: Some(name.clone()), ..LogRecord::new(Level::Debug, "topic.created") });
        Ok(name)
    }

    /// The pattern subscriptions matching a new topic, each told it is now attached to it.
    fn attach_patterns(&mut self, plain: &Rc<Headers>) -> IdList {
        let mut matching = Vec::new();
        for id in self.patterns.iter() {
            let Some(sub) = self.subs.get_mut(&id).filter(|s| s.pattern.matches(&plain.topic)) else { continue };
            sub.attach(plain.clone(), |p| is_current(&self.topics, p));
            matching.push(id);
        }
        IdList::from_ascending(matching)
    }

    /// Deletes a topic; the subscriptions on exactly this name end, pattern ones stay.
    pub fn delete_topic(&mut self, name: &str) -> bool {
        let Some(entry) = self.topics.remove(name) else { return false };
        self.last_route.forget();
        for id in entry.subscribers.iter() {
            if self.subs.get(&id).is_some_and(|s| s.pattern.is_exact()) {
                self.end_subscription(id);
            }
        }
        self.log(|| LogRecord { topic: Some(entry.plain.topic.clone()), ..LogRecord::new(Level::Debug, "topic.deleted") });
        true
    }

    /// Registers a subscription whose options, name and pattern were validated: O(1) for
    /// a topic (its id is the newest, so each list it joins grows by a push); a pattern
    /// also walks the topics to find those it matches.
    pub fn add_subscription(&mut self, mut sub: Subscription<P>) {
        let id = sub.id;
        self.last_route.forget();
        self.names.insert(sub.name.clone(), id);
        match self.per_target.get_mut(sub.pattern.as_str()) {
            Some(count) => *count += 1,
            None => drop(self.per_target.insert(Rc::from(sub.pattern.as_str()), 1)),
        }
        if sub.pattern.is_exact() {
            if let Some(topic) = self.topics.get_mut(sub.pattern.as_str()) {
                Rc::make_mut(&mut topic.subscribers).add(id);
            }
        } else {
            self.patterns.add(id);
            for topic in self.topics.values_mut().filter(|t| sub.pattern.matches(&t.plain.topic)) {
                Rc::make_mut(&mut topic.subscribers).add(id);
                sub.topics.push(topic.plain.clone());
            }
        }
        self.subs.insert(id, sub);
    }

    /// Ends a subscription: its queue is discarded; a delivery in flight may still settle.
    pub fn end_subscription(&mut self, id: u64) -> bool {
        let Some(sub) = self.subs.get_mut(&id) else { return false };
        if sub.state == SubscriptionState::Closed {
            return false;
        }
        sub.state = SubscriptionState::Closed;
        let (name, pattern) = (sub.name.clone(), Rc::<str>::from(sub.pattern.as_str()));
        let attached = std::mem::take(&mut sub.topics);
        self.discard_queue(id);
        self.forget_subscription(id, &name, &pattern, attached);
        self.log(|| LogRecord { subscription: Some(name), ..LogRecord::new(Level::Debug, "subscription.closed") });
        self.remove_if_settled(id);
        self.check_drained();
        true
    }

    /// Empties subscription `id`'s queue: each message counts as discarded (and settled, for
    /// `publishAndWait`). Returns them, oldest first.
    pub fn discard_queue(&mut self, id: u64) -> Vec<Rc<Message<P>>> {
        let Some(sub) = self.subs.get_mut(&id) else { return Vec::new() };
        let messages = sub.queue.take_messages();
        self.counters.queued -= messages.len() as u64;
        self.settle_discarded(&messages);
        messages
    }

    /// Empties what subscription `id` has in flight (its handlers' later results are
    /// ignored): each message counts as discarded. Returns them.
    pub fn discard_in_flight(&mut self, id: u64) -> Vec<Rc<Message<P>>> {
        let Some(sub) = self.subs.get_mut(&id) else { return Vec::new() };
        let messages: Vec<Rc<Message<P>>> = std::mem::take(&mut sub.in_flight).into_iter().map(|f| f.message).collect();
        self.counters.in_flight -= messages.len() as u64;
        self.settle_discarded(&messages);
        messages
    }

    fn settle_discarded(&mut self, messages: &[Rc<Message<P>>]) {
        self.counters.discarded += messages.len() as u64;
        for message in messages {
            self.copy_settled(message.id, super::waiters::Settled::Discarded);
        }
    }

    /// Takes an ended subscription out of the name index, the per-target counts and the
    /// lists of the topics it was on (its own topic, or the `attached` ones of a pattern):
    /// O(log n) per list, whatever the number of other subscriptions and topics.
    fn forget_subscription(&mut self, id: u64, name: &Rc<str>, pattern: &Rc<str>, attached: Vec<Rc<Headers>>) {
        self.names.remove(name);
        if let Some(count) = self.per_target.get_mut(pattern) {
            *count -= 1;
            if *count == 0 {
                self.per_target.remove(pattern);
            }
        }
        if self.patterns.remove(id) {
            for plain in attached {
                self.leave_topic(&plain, id);
            }
        } else {
            let topic = self.topics.get(pattern).map(|t| t.plain.clone());
            if let Some(plain) = topic {
                self.leave_topic(&plain, id);
            }
        }
    }

    /// Takes subscription `id` off the topic whose plain headers are `plain`, if that topic
    /// still exists (and is not a newer one of the same name).
    fn leave_topic(&mut self, plain: &Rc<Headers>, id: u64) {
        self.last_route.forget();
        if let Some(topic) = self.topics.get_mut(&*plain.topic).filter(|t| Rc::ptr_eq(&t.plain, plain)) {
            Rc::make_mut(&mut topic.subscribers).remove(id);
        }
    }

    /// Drops a closed subscription once nothing of it is in flight.
    pub fn remove_if_settled(&mut self, id: u64) {
        let done = self.subs.get(&id).is_some_and(|s| s.state == SubscriptionState::Closed && s.in_flight.is_empty());
        if done {
            if let Some(timer) = self.subs.remove(&id).and_then(|s| s.wake_timer) {
                self.effect(Effect::Clear(timer));
            }
        }
    }

    /// Queues a message on a subscription when its filter wants it (capacity was checked
    /// by the caller); returns whether it did.
    pub fn enqueue(&mut self, id: u64, message: &Rc<Message<P>>, now: f64) -> bool {
        let Some(sub) = self.subs.get_mut(&id) else { return false };
        if !matches_filter(&message.headers.attributes, &sub.filter) {
            return false;
        }
        let overflowing = sub.is_full().then(|| sub.queue.pop_front()).flatten();
        sub.queue.push_back(message.clone());
        let drain = sub.state == SubscriptionState::Active && !std::mem::replace(&mut sub.drain_scheduled, true);
        self.counters.routed += 1;
        self.counters.queued += 1;
        if drain {
            self.effect(Effect::Drain(id));
        }
        if let Some(oldest) = overflowing {
            self.counters.queued -= 1;
            self.dead_letter_queued(id, oldest, DeadLetterReason::Overflow, now);
        }
        true
    }

    /// Asks for a drain run of an active subscription, once until it runs.
    pub fn schedule_drain(&mut self, id: u64) {
        let Some(sub) = self.subs.get_mut(&id) else { return };
        if sub.state == SubscriptionState::Active && !sub.drain_scheduled {
            sub.drain_scheduled = true;
            self.effect(Effect::Drain(id));
        }
    }

    /// Dead-letters a message that was waiting in a queue (not in flight).
    pub fn dead_letter_queued(&mut self, id: u64, queued: Queued<P>, reason: DeadLetterReason, now: f64) {
        let (message, attempts, last_error) = queued.into_parts();
        self.dead_letter(id, message, reason, last_error, attempts, now);
    }

    /// Records a dead letter: counted, stored, logged and handed to the callback.
    pub fn dead_letter(
        &mut self,
        id: u64,
        message: Rc<Message<P>>,
        reason: DeadLetterReason,
        error: Option<Failure>,
        attempts: u32,
        now: f64,
    ) {
        let Some(sub) = self.subs.get_mut(&id) else { return };
        sub.stats.dead_lettered += 1;
        let subscription = sub.name.clone();
        self.counters.dead_lettered += 1;
        self.copy_settled(message.id, super::waiters::Settled::DeadLettered);
        let subscription_id = super::SubscriptionId(id);
        let letter = Rc::new(DeadLetter {
            message,
            subscription,
            subscription_id,
            reason,
            error,
            attempts,
            dead_lettered_at: now,
        });
        self.log(|| dead_letter_record(&letter));
        self.effect(Effect::DeadLetter(letter.clone()));
        self.keep_letter(letter);
    }

    /// Stores a letter; the one it evicts is counted and reported as removed.
    pub fn keep_letter(&mut self, letter: Rc<DeadLetter<P>>) {
        let evicted = self.dead_letters.push(letter);
        self.counters.dead_letters_evicted += evicted.is_some() as u64;
        self.letters_removed(evicted.into_iter().collect());
    }

    /// Reports letters that left the store (evicted, purged, replayed) to the hook that
    /// mirrors the store, if there is one.
    pub fn letters_removed(&mut self, letters: Vec<Rc<DeadLetter<P>>>) {
        let observed = self.runtime.as_ref().is_some_and(|r| r.hooks.on_letters_removed.is_some());
        if observed && !letters.is_empty() {
            self.effect(Effect::LettersRemoved(letters));
        }
    }

    /// Whether topic `name` exists: at once when the last publish went there with this very
    /// string (a `Topic` handle checks its topic before each publish), else looked up.
    pub fn has_topic(&self, name: &str) -> bool {
        self.last_route.is(name) || self.topics.contains_key(name)
    }

    /// The route of `count` messages on topic `name` (created first when
    /// `autoCreateTopics` allows it), once every rejecting subscription it reaches has room
    /// for the `wanted(sub)` messages meant for it. Reserves their sequence numbers.
    ///
    /// `held` is `name` as its publisher holds it, if it does: the second publish in a row
    /// with that very string keeps the route as the [`LastRoute`], which the next ones take
    /// without a lookup.
    ///
    /// # Errors
    ///
    /// `INVALID_TOPIC_NAME`, `TOPIC_NOT_FOUND`, `LIMIT_EXCEEDED`, `QUEUE_FULL`.
    pub fn reserve_route(&mut self, name: &str, held: Option<&Rc<str>>, count: u64, wanted: &dyn Fn(&Subscription<P>) -> usize) -> Result<Route> {
        if let Some(route) = self.reserve_existing(name, held, count, wanted) {
            return route;
        }
        self.resolve_topic(name)?;
        self.reserve_existing(name, held, count, wanted).unwrap_or_else(|| Err(Error::TopicNotFound(name.to_owned())))
    }

    fn reserve_existing(&mut self, name: &str, held: Option<&Rc<str>>, count: u64, wanted: &dyn Fn(&Subscription<P>) -> usize) -> Option<Result<Route>> {
        let entry = self.last_route.entry(&self.topics, name, held)?;
        Some(reserve(&self.subs, entry, count, wanted))
    }

    /// Whether nothing is queued or in flight anywhere (read from the gauges: O(1)).
    pub fn is_idle(&self) -> bool {
        self.counters.queued == 0 && self.counters.in_flight == 0
    }
}

/// The route of `count` messages on the topic of `entry`, reserving their sequence numbers,
/// once [`check_room`] allows them.
fn reserve<P>(subs: &SortedMap<u64, Subscription<P>>, entry: &TopicEntry, count: u64, wanted: &dyn Fn(&Subscription<P>) -> usize) -> Result<Route> {
    check_room(subs, &entry.subscribers, wanted)?;
    let sequence = entry.sequence.get() + 1;
    entry.sequence.set(entry.sequence.get() + count);
    Ok(Route { plain: entry.plain.clone(), sequence, subscribers: entry.subscribers.clone() })
}

/// `QUEUE_FULL` when a rejecting subscription has no room for the `wanted(sub)` messages
/// routed to it.
fn check_room<P>(subs: &SortedMap<u64, Subscription<P>>, subscribers: &IdList, wanted: &dyn Fn(&Subscription<P>) -> usize) -> Result<()> {
    for sub in subscribers.iter().filter_map(|id| subs.get(&id)) {
        let capacity = sub.options.queue_capacity;
        let after = sub.queue.len() as u64 + wanted(sub) as u64;
        if sub.options.overflow == Overflow::Reject && after > u64::from(capacity) {
            return Err(Error::QueueFull { subscription: sub.name.to_string(), capacity });
        }
    }
    Ok(())
}

/// Whether `plain` are the headers of a topic that still exists (not deleted, nor deleted
/// and created again).
fn is_current(topics: &FxHashMap<Rc<str>, TopicEntry>, plain: &Rc<Headers>) -> bool {
    topics.get(&*plain.topic).is_some_and(|t| Rc::ptr_eq(&t.plain, plain))
}

fn dead_letter_record<P>(letter: &DeadLetter<P>) -> LogRecord {
    LogRecord {
        topic: Some(letter.message.headers.topic.clone()),
        subscription: Some(letter.subscription.clone()),
        message_id: Some(letter.message.id),
        code: Some(letter.reason.as_str()),
        ..LogRecord::new(Level::Warn, "deadLetter")
    }
}

/// The pattern of a subscription target, parsed with the configured name limit.
pub(crate) fn parse_target(config: &Config, target: &str) -> Result<Pattern> {
    Pattern::parse(target, config.limits.max_topic_name_length)
}
