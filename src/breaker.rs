//! The circuit breaker of one subscription, as a small state machine.
//!
//! It never reads a clock: callers pass `now` and receive the [`Transition`] that happened,
//! if any, so they can log and schedule after releasing their own borrows. Results of calls
//! that started in an earlier *epoch* (before the last transition) settle without changing
//! the state, as API.md requires for calls in flight when the breaker opened.

use crate::config::BreakerConfig;

/// Where a breaker stands.
///
/// # Example
///
/// ```
/// use wasm_pubsub::BreakerState;
/// assert_eq!(BreakerState::HalfOpen.as_str(), "halfOpen");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Deliveries flow.
    Closed,
    /// No deliveries until the reset timeout has passed.
    Open,
    /// A few trial deliveries decide whether to close or open again.
    HalfOpen,
}

impl BreakerState {
    /// The name JavaScript sees: `"closed"`, `"open"` or `"halfOpen"`.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::BreakerState;
    /// assert_eq!(BreakerState::Open.as_str(), "open");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "halfOpen",
        }
    }
}

/// A state change, reported so the caller can log it.
pub(crate) type Transition = BreakerState;

/// Permission to start one delivery, tagged with the epoch it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Permit {
    pub epoch: u64,
}

/// One subscription's breaker.
#[derive(Debug, Clone)]
pub(crate) struct Breaker {
    config: BreakerConfig,
    state: BreakerState,
    epoch: u64,
    consecutive_failures: u32,
    reopen_at: f64,
    trials_started: u32,
}

impl Breaker {
    pub fn new(config: BreakerConfig) -> Self {
        Breaker {
            config,
            state: BreakerState::Closed,
            epoch: 0,
            consecutive_failures: 0,
            reopen_at: 0.0,
            trials_started: 0,
        }
    }

    /// Takes new thresholds; they apply from the next event, the state stays as it is.
    pub fn reconfigure(&mut self, config: BreakerConfig) {
        self.config = config;
    }

    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// When an open breaker lets trials through; `None` unless open.
    pub fn reopens_at(&self) -> Option<f64> {
        (self.state == BreakerState::Open).then_some(self.reopen_at)
    }

    /// Moves an open breaker whose reset timeout has passed to half-open.
    pub fn poll(&mut self, now: f64) -> Option<Transition> {
        if self.state == BreakerState::Open && now >= self.reopen_at {
            return Some(self.enter(BreakerState::HalfOpen));
        }
        None
    }

    /// Whether [`Breaker::try_start`] would give a permit now.
    pub fn would_permit(&self) -> bool {
        match self.state {
            BreakerState::Closed => true,
            BreakerState::Open => false,
            BreakerState::HalfOpen => self.trials_started < self.config.half_open_max_calls,
        }
    }

    /// Asks to start a delivery; `None` while open or while the half-open trials are taken.
    pub fn try_start(&mut self) -> Option<Permit> {
        if !self.would_permit() {
            return None;
        }
        if self.state == BreakerState::HalfOpen {
            self.trials_started += 1;
        }
        Some(Permit { epoch: self.epoch })
    }

    /// Records an ack of a delivery started under `permit`.
    pub fn on_success(&mut self, permit: Permit) -> Option<Transition> {
        if permit.epoch != self.epoch {
            return None;
        }
        self.consecutive_failures = 0;
        (self.state == BreakerState::HalfOpen).then(|| self.enter(BreakerState::Closed))
    }

    /// Records a failed delivery started under `permit`.
    pub fn on_failure(&mut self, permit: Permit, now: f64) -> Option<Transition> {
        if permit.epoch != self.epoch {
            return None;
        }
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let trips = self.state == BreakerState::HalfOpen
            || self.consecutive_failures >= self.config.failure_threshold;
        trips.then(|| self.open(now))
    }

    fn open(&mut self, now: f64) -> Transition {
        self.reopen_at = now + f64::from(self.config.reset_timeout_ms);
        self.enter(BreakerState::Open)
    }

    fn enter(&mut self, state: BreakerState) -> Transition {
        self.state = state;
        self.epoch += 1;
        self.consecutive_failures = 0;
        self.trials_started = 0;
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(threshold: u32, reset: u32, trials: u32) -> Breaker {
        Breaker::new(BreakerConfig {
            failure_threshold: threshold,
            reset_timeout_ms: reset,
            half_open_max_calls: trials,
        })
    }

    fn fail(b: &mut Breaker, now: f64) -> Option<Transition> {
        let permit = b.try_start().expect("permit");
        b.on_failure(permit, now)
    }

    #[test]
    fn given_threshold_3_three_consecutive_failures_open_it() {
        let mut b = breaker(3, 1000, 1);
        assert_eq!(fail(&mut b, 0.0), None);
        assert_eq!(fail(&mut b, 0.0), None);
        assert_eq!(fail(&mut b, 5.0), Some(BreakerState::Open));
        assert_eq!(b.try_start(), None);
        assert_eq!(b.reopens_at(), Some(1005.0));
    }

    #[test]
    fn a_success_resets_the_consecutive_count() {
        let mut b = breaker(2, 1000, 1);
        fail(&mut b, 0.0);
        let permit = b.try_start().unwrap();
        assert_eq!(b.on_success(permit), None);
        assert_eq!(fail(&mut b, 0.0), None);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn after_the_reset_timeout_one_trial_is_allowed_and_its_success_closes() {
        let mut b = breaker(1, 100, 1);
        fail(&mut b, 0.0);
        assert_eq!(b.poll(99.0), None);
        assert_eq!(b.poll(100.0), Some(BreakerState::HalfOpen));
        let trial = b.try_start().expect("one trial");
        assert_eq!(b.try_start(), None, "only halfOpenMaxCalls trials");
        assert_eq!(b.on_success(trial), Some(BreakerState::Closed));
        assert!(b.try_start().is_some());
    }

    #[test]
    fn a_failed_trial_opens_it_again() {
        let mut b = breaker(1, 100, 2);
        fail(&mut b, 0.0);
        b.poll(100.0);
        assert_eq!(fail(&mut b, 150.0), Some(BreakerState::Open));
        assert_eq!(b.reopens_at(), Some(250.0));
    }

    #[test]
    fn calls_in_flight_when_it_opened_do_not_change_it() {
        let mut b = breaker(1, 100, 1);
        let old = b.try_start().unwrap();
        let tripping = b.try_start().unwrap();
        assert_eq!(b.on_failure(tripping, 0.0), Some(BreakerState::Open));
        assert_eq!(b.on_success(old), None);
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.on_failure(old, 1.0), None);
        assert_eq!(b.reopens_at(), Some(100.0));
    }
}
