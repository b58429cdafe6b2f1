//! Time and scheduling, injected: the broker never reads a real clock.
//!
//! The broker needs three things from its host: the current time ([`Clock::now_ms`]),
//! one-shot timers ([`Clock::set_timeout`] / [`Clock::clear_timeout`]) for retry backoffs,
//! ack deadlines, breaker resets and the close deadline, and a way to run a `'static` local
//! future soon ([`Spawner::spawn`]) for deliveries, which must never run inside `publish`.
//! In the browser these are `Date.now`, `setTimeout` and the microtask queue; in tests they
//! are a [`ManualClock`], which makes every schedule deterministic.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use futures::executor::{LocalPool, LocalSpawner};
use futures::future::LocalBoxFuture;
use futures::task::LocalSpawnExt;

/// A timer's callback.
type TimerCallback = Box<dyn FnOnce()>;

/// Identifies a timer set with [`Clock::set_timeout`], so it can be cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(pub u64);

/// The time source and timer facility the broker runs on.
///
/// Implementations call timer callbacks from their own event loop, never from inside
/// `set_timeout` itself.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let fired = std::rc::Rc::new(std::cell::Cell::new(false));
/// let flag = fired.clone();
/// clock.set_timeout(50, Box::new(move || flag.set(true)));
/// clock.advance(49);
/// assert!(!fired.get());
/// clock.advance(1);
/// assert!(fired.get());
/// ```
pub trait Clock {
    /// Milliseconds on this clock's time line (`Date.now()` for the default JS clock).
    fn now_ms(&self) -> f64;
    /// Calls `callback` once, `delay_ms` milliseconds from now, unless cleared first.
    ///
    /// `None` when the timer could not be set (a host clock that threw): the callback is
    /// dropped, and the broker logs `clock.failed`, shows the bus `degraded` in its health
    /// until the timer is set, and tries again on its next publish, settlement, timer or
    /// `health()`/`metrics()` call. A close deadline that cannot be set ends the close at once.
    fn set_timeout(&self, delay_ms: u32, callback: Box<dyn FnOnce()>) -> Option<TimerId>;
    /// Cancels a timer; clearing a timer that fired or was cleared already does nothing.
    fn clear_timeout(&self, timer: TimerId);

    /// Calls to this clock that failed (threw, or answered something unusable) since it was
    /// made, for `metrics()` and `health()`. A clock that cannot fail keeps the default, 0.
    fn errors(&self) -> u64 {
        0
    }
}

/// Runs `'static` local futures soon, outside the current call stack.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{ManualClock, Spawner};
///
/// let clock = ManualClock::new();
/// let ran = std::rc::Rc::new(std::cell::Cell::new(false));
/// let flag = ran.clone();
/// clock.spawn(Box::pin(async move { flag.set(true) }));
/// assert!(!ran.get());
/// clock.run_until_idle();
/// assert!(ran.get());
/// ```
pub trait Spawner {
    /// Schedules `task`; it starts after the current call returns.
    fn spawn(&self, task: LocalBoxFuture<'static, ()>);
}

/// A deterministic [`Clock`] and [`Spawner`] for tests: time moves only when told.
///
/// Spawned tasks run in [`ManualClock::run_until_idle`]; [`ManualClock::advance`] moves
/// time forward, firing due timers in deadline order and running the tasks they spawn.
/// Clones share the same time line.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// clock.advance(1500);
/// assert_eq!(clock.now_ms(), 1500.0);
/// ```
#[derive(Clone)]
pub struct ManualClock {
    inner: Rc<ManualInner>,
}

struct ManualInner {
    now: RefCell<f64>,
    next_id: RefCell<u64>,
    timers: RefCell<BTreeMap<(u64, u64), TimerCallback>>,
    pool: RefCell<LocalPool>,
    spawner: LocalSpawner,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualClock {
    /// A clock at time 0 with no timers and no tasks.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Clock, ManualClock};
    /// assert_eq!(ManualClock::new().now_ms(), 0.0);
    /// ```
    pub fn new() -> Self {
        let pool = LocalPool::new();
        let spawner = pool.spawner();
        let inner = ManualInner {
            now: RefCell::new(0.0),
            next_id: RefCell::new(0),
            timers: RefCell::new(BTreeMap::new()),
            pool: RefCell::new(pool),
            spawner,
        };
        ManualClock { inner: Rc::new(inner) }
    }

    /// Runs spawned tasks until none can make progress. Time does not move.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{ManualClock, Spawner};
    /// let clock = ManualClock::new();
    /// clock.spawn(Box::pin(async {}));
    /// clock.run_until_idle();
    /// ```
    pub fn run_until_idle(&self) {
        self.inner.pool.borrow_mut().run_until_stalled();
    }

    /// Moves time forward by `ms`, firing every timer that falls due on the way (in order,
    /// each at its own deadline) and running the tasks they spawn.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Clock, ManualClock};
    /// let clock = ManualClock::new();
    /// clock.advance(10);
    /// clock.advance(5);
    /// assert_eq!(clock.now_ms(), 15.0);
    /// ```
    pub fn advance(&self, ms: u64) {
        let target = *self.inner.now.borrow() + ms as f64;
        self.run_until_idle();
        while let Some(callback) = self.pop_due(target) {
            callback();
            self.run_until_idle();
        }
        *self.inner.now.borrow_mut() = target;
    }

    /// Number of timers set and not yet fired or cleared.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Clock, ManualClock};
    /// let clock = ManualClock::new();
    /// let timer = clock.set_timeout(5, Box::new(|| {})).expect("a manual clock always sets its timers");
    /// assert_eq!(clock.pending_timers(), 1);
    /// clock.clear_timeout(timer);
    /// assert_eq!(clock.pending_timers(), 0);
    /// ```
    pub fn pending_timers(&self) -> usize {
        self.inner.timers.borrow().len()
    }

    fn pop_due(&self, target: f64) -> Option<Box<dyn FnOnce()>> {
        let mut timers = self.inner.timers.borrow_mut();
        let (&(due, id), _) = timers.iter().next()?;
        if due as f64 > target {
            return None;
        }
        *self.inner.now.borrow_mut() = due as f64;
        timers.remove(&(due, id))
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> f64 {
        *self.inner.now.borrow()
    }

    fn set_timeout(&self, delay_ms: u32, callback: Box<dyn FnOnce()>) -> Option<TimerId> {
        let id = {
            let mut next = self.inner.next_id.borrow_mut();
            *next += 1;
            *next
        };
        let due = self.now_ms() as u64 + u64::from(delay_ms);
        self.inner.timers.borrow_mut().insert((due, id), callback);
        Some(TimerId(id))
    }

    fn clear_timeout(&self, timer: TimerId) {
        self.inner.timers.borrow_mut().retain(|&(_, id), _| id != timer.0);
    }
}

impl Spawner for ManualClock {
    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        // Spawning only fails once the pool is dropped, and the pool lives as long as `self`.
        let _ = self.inner.spawner.spawn_local(task);
    }
}
