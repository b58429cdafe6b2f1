//! Effects: everything that calls out of the broker, run with no borrow held.
//!
//! State changes record effects while the state is borrowed; [`Broker::flush`] then runs
//! them one at a time after releasing the borrow, so a hook, a timer or a clock may call
//! back into the broker freely. A flush started inside another flush returns at once: the
//! outer loop picks up whatever the inner call recorded, so effects keep their order.

use std::rc::{Rc, Weak};

use futures::channel::oneshot;
use futures::FutureExt;

use super::close::CloseReport;
use super::{Broker, Shared};
use crate::clock::{Clock, Spawner, TimerId};
use crate::dead_letter::DeadLetter;
use crate::log::LogRecord;
use crate::message::{Message, Payload};
use crate::subscription::Outcome;

/// The dead-letter callback: its `Fail` or failed `Pending` outcome is counted and logged.
pub type DeadLetterHook<P> = Rc<dyn Fn(&Rc<DeadLetter<P>>) -> Outcome>;

/// Sees the letters that left the dead-letter store: evicted, purged or replayed.
pub type LettersRemoved<P> = Rc<dyn Fn(&[Rc<DeadLetter<P>>])>;

/// The structured logger.
pub type Logger = Rc<dyn Fn(&LogRecord)>;

/// Sees every accepted message once, right after it was queued (a bridge forwards it).
pub type PublishObserver<P> = Rc<dyn Fn(&Rc<Message<P>>)>;

/// Optional callbacks a broker calls: the dead-letter callback and the logger.
///
/// # Example
///
/// ```
/// use std::rc::Rc;
/// use wasm_pubsub::{Hooks, Outcome};
///
/// let hooks: Hooks<String> = Hooks {
///     on_dead_letter: Some(Rc::new(|letter| { println!("dead: {}", letter.message.id); Outcome::Ack })),
///     logger: Some(Rc::new(|record| println!("{}", record.event))),
///     on_publish: None,
///     on_letters_removed: None,
/// };
/// assert!(hooks.logger.is_some());
/// ```
pub struct Hooks<P> {
    /// Called once per dead letter.
    pub on_dead_letter: Option<DeadLetterHook<P>>,
    /// Called with every log record.
    pub logger: Option<Logger>,
    /// Called with every accepted message, before `publish` returns.
    pub on_publish: Option<PublishObserver<P>>,
    /// Called with the letters that left the store, so a durable copy can follow it.
    pub on_letters_removed: Option<LettersRemoved<P>>,
}

impl<P> Default for Hooks<P> {
    fn default() -> Self {
        Hooks { on_dead_letter: None, logger: None, on_publish: None, on_letters_removed: None }
    }
}

/// What the broker borrows from its host until it closes.
pub(crate) struct Runtime<P> {
    pub clock: Rc<dyn Clock>,
    pub spawner: Rc<dyn Spawner>,
    pub hooks: Hooks<P>,
}

/// One call out of the broker.
pub(crate) enum Effect<P> {
    /// Run a drain of this subscription soon.
    Drain(u64),
    /// Set the subscription's wake-up timer.
    ArmWake { sub: u64, due: f64, delay: u32 },
    /// Set the close deadline timer.
    ArmClose { delay: u32 },
    /// Clear a timer.
    Clear(TimerId),
    /// Call the logger.
    Log(LogRecord),
    /// Call the dead-letter callback.
    DeadLetter(Rc<DeadLetter<P>>),
    /// Report letters that left the dead-letter store.
    LettersRemoved(Vec<Rc<DeadLetter<P>>>),
    /// Call the publish observer.
    Published(Rc<Message<P>>),
    /// Resolve `close` and release every host callback.
    Finish(oneshot::Sender<CloseReport>, CloseReport),
    /// Resolve a `drain`.
    Drained(oneshot::Sender<CloseReport>, CloseReport),
    /// Resolve a `publish_and_wait`.
    Settled(oneshot::Sender<super::WaitReport>, super::WaitReport),
}

impl<P: Payload> Broker<P> {
    /// Runs recorded effects until none are left. Every call that changes the state ends
    /// here, so this is also where the broker decides whether its work keeps it alive.
    pub(crate) fn flush(&self) {
        self.run_effects(true);
    }

    /// Runs recorded effects until none are left, deciding on the keep-alive after them
    /// when `hold` is set. The drain loop runs its effects after each delivery without
    /// deciding (it ends with a [`Broker::flush`]), which keeps the check off the
    /// per-delivery path.
    pub(crate) fn run_effects(&self, hold: bool) {
        {
            let mut inner = self.shared.borrow_mut();
            if inner.flushing {
                return;
            }
            if inner.effects.is_empty() {
                if hold {
                    self.hold_while_busy(&mut inner);
                }
                return;
            }
            inner.flushing = true;
        }
        loop {
            // A callback that called this broker may have been cut short (see `cut_short`).
            let Ok(mut inner) = self.shared.try_borrow_mut() else { return };
            let next = inner.effects.pop_front();
            drop(inner);
            match next {
                Some(effect) => self.run(effect),
                None => break,
            }
        }
        let mut inner = self.shared.borrow_mut();
        inner.flushing = false;
        if hold {
            self.hold_while_busy(&mut inner);
        }
    }

    fn run(&self, effect: Effect<P>) {
        match effect {
            Effect::Drain(id) => self.spawn_drain(id),
            Effect::ArmWake { sub, due, delay } => self.arm_wake_timer(sub, due, delay),
            Effect::ArmClose { delay } => self.arm_close_timer(delay),
            Effect::Clear(timer) => {
                if let Some(clock) = self.clock() {
                    clock.clear_timeout(timer);
                }
            }
            Effect::Log(record) => self.call_logger(&record),
            Effect::DeadLetter(letter) => self.call_dead_letter_hook(&letter),
            Effect::Published(message) => self.call_publish_observer(&message),
            Effect::LettersRemoved(letters) => self.call_letters_removed(&letters),
            Effect::Finish(sender, report) => self.release(sender, report),
            Effect::Settled(sender, report) => drop(sender.send(report)),
            Effect::Drained(sender, report) => drop(sender.send(report)),
        }
    }

    /// The broker's clock; `None` once it closed.
    pub(crate) fn clock(&self) -> Option<Rc<dyn Clock>> {
        self.shared.borrow().runtime.as_ref().map(|r| r.clock.clone())
    }

    pub(crate) fn spawner(&self) -> Option<Rc<dyn Spawner>> {
        self.shared.borrow().runtime.as_ref().map(|r| r.spawner.clone())
    }

    /// Whether a call into this broker was cut short while it held its state, which is then
    /// never released: a host exception such as a stack overflow thrown through wasm unwinds
    /// past the code that would release it. Asked where no borrow of this broker's is held
    /// (after calling out to a handler, a clock or a callback), it can only be that; code that
    /// goes on from there stops instead, and leaves the broker to its host, which halts it.
    pub(crate) fn cut_short(&self) -> bool {
        self.shared.try_borrow_mut().is_err()
    }

    /// The clock and its reading, for code that goes on into the state: `None` when a call
    /// was cut short before the reading or during it (a host's clock may call back), or when
    /// the broker closed. Inlined: every awaited delivery's settlement reads the clock here.
    #[inline(always)]
    pub(crate) fn read_clock(&self) -> Option<(Rc<dyn Clock>, f64)> {
        if self.cut_short() {
            return None;
        }
        let clock = self.clock()?;
        let now = clock.now_ms();
        (!self.cut_short()).then_some((clock, now))
    }

    pub(crate) fn weak(&self) -> Weak<Shared<P>> {
        Rc::downgrade(&self.shared)
    }

    fn spawn_drain(&self, id: u64) {
        let Some(spawner) = self.spawner() else { return };
        let weak = self.weak();
        spawner.spawn(Box::pin(async move {
            if let Some(broker) = Broker::upgrade(&weak) {
                broker.run_drain(id);
            }
        }));
    }

    fn arm_wake_timer(&self, sub: u64, due: f64, delay: u32) {
        let Some(clock) = self.clock() else { return };
        let weak = self.weak();
        let timer = clock.set_timeout(
            delay,
            Box::new(move || {
                if let Some(broker) = Broker::upgrade(&weak) {
                    broker.on_wake(sub, due);
                }
            }),
        );
        if self.cut_short() {
            return;
        }
        let Some(timer) = timer else {
            self.shared.borrow_mut().wake_unarmed(sub);
            return;
        };
        let unwanted = self.shared.borrow_mut().wake_armed(sub, due, timer);
        if let Some(timer) = unwanted {
            clock.clear_timeout(timer);
        }
    }

    fn call_logger(&self, record: &LogRecord) {
        let logger = self.shared.borrow().runtime.as_ref().and_then(|r| r.hooks.logger.clone());
        if let Some(logger) = logger {
            logger(record);
        }
    }

    fn call_letters_removed(&self, letters: &[Rc<DeadLetter<P>>]) {
        let hook = self.shared.borrow().runtime.as_ref().and_then(|r| r.hooks.on_letters_removed.clone());
        if let Some(hook) = hook {
            hook(letters);
        }
    }

    fn call_publish_observer(&self, message: &Rc<Message<P>>) {
        let observer = self.shared.borrow().runtime.as_ref().and_then(|r| r.hooks.on_publish.clone());
        if let Some(observer) = observer {
            observer(message);
        }
    }

    fn call_dead_letter_hook(&self, letter: &Rc<DeadLetter<P>>) {
        let hook = self.shared.borrow().runtime.as_ref().and_then(|r| r.hooks.on_dead_letter.clone());
        let Some(hook) = hook else { return };
        match hook(letter) {
            Outcome::Ack | Outcome::Deferred => {}
            Outcome::Fail(_) => self.count_dead_letter_callback_error(),
            Outcome::Pending(future) => self.watch_dead_letter_callback(future),
        }
    }

    fn watch_dead_letter_callback(&self, future: futures::future::LocalBoxFuture<'static, Result<(), String>>) {
        let Some(spawner) = self.spawner() else { return };
        let weak = self.weak();
        spawner.spawn(Box::pin(future.map(move |result| {
            if let (Err(_), Some(broker)) = (result, Broker::upgrade(&weak)) {
                broker.count_dead_letter_callback_error();
                broker.flush();
            }
        })));
    }

    fn count_dead_letter_callback_error(&self) {
        let mut inner = self.shared.borrow_mut();
        inner.counters.dead_letter_callback_errors += 1;
        inner.log(|| LogRecord {
            code: Some("DEAD_LETTER_CALLBACK_FAILED"),
            ..LogRecord::new(crate::log::Level::Error, "deadLetter.callbackFailed")
        });
    }
}
