//! Which `(origin, id)` pairs a bus has already seen: the bridge's duplicate memory.
//!
//! Every bridged message carries the id of the bus that first published it (its origin) and
//! that bus's message id, which only grows. So a bus remembers, per origin, the highest id it
//! accepted (the high-water mark) and which of the `window` ids just below it it accepted too
//! (a bitset). A message is then [`Sighting::New`], a [`Sighting::Repeat`], or
//! [`Sighting::TooOld`] to tell: more than `window` ids below the mark. Memory is bounded:
//! `window / 8` bytes per origin and at most `origins` origins; a new origin beyond that
//! evicts the one used least recently.
//!
//! Checking and remembering are separate steps: a host checks a message, validates and
//! accepts it, and only then [`marks`](SeenIds::mark) it, so a rejected forgery never hides
//! a genuine message with the same pair.
//!
//! ```
//! use wasm_pubsub::{SeenIds, Sighting};
//!
//! let mut seen = SeenIds::new(64, 2);
//! assert_eq!(seen.check("tab-a", 7), Sighting::New);
//! seen.mark("tab-a", 7);
//! assert_eq!(seen.check("tab-a", 7), Sighting::Repeat);
//! assert_eq!(seen.check("tab-a", 5), Sighting::New, "below the mark, inside the window");
//! seen.mark("tab-a", 1_000);
//! assert_eq!(seen.check("tab-a", 7), Sighting::TooOld);
//! ```

use rustc_hash::FxHashMap;

/// Ids remembered below each origin's highest accepted id by [`SeenIds::default`] (1 KiB
/// per origin).
pub const SEEN_WINDOW: u64 = 8192;

/// Origins remembered at once by [`SeenIds::default`].
pub const SEEN_ORIGINS: usize = 128;

/// What a bus knows of an `(origin, id)` pair.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{SeenIds, Sighting};
/// assert_eq!(SeenIds::default().check("anyone", 1), Sighting::New);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sighting {
    /// Not seen: above the origin's mark, inside its window and not marked, or a new origin.
    New,
    /// Marked before.
    Repeat,
    /// More than the window below the origin's highest id: it cannot be told from a repeat.
    TooOld,
}

/// The duplicate memory: per origin, a high-water mark and a window of ids below it.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{SeenIds, Sighting};
///
/// let mut seen = SeenIds::new(64, 1);
/// seen.mark("a", 3);
/// assert_eq!(seen.mark("b", 1).as_deref(), Some("a"), "one origin: b evicts a");
/// assert_eq!(seen.check("a", 3), Sighting::New, "a is forgotten");
/// ```
#[derive(Debug)]
pub struct SeenIds {
    window: u64,
    capacity: usize,
    origins: FxHashMap<Box<str>, Track>,
    clock: u64,
}

/// One origin: its highest id, the window below it, and when it was last marked.
#[derive(Debug)]
struct Track {
    high: u64,
    /// Bit `id % window` is set when `id`, within the window, was marked.
    bits: Box<[u64]>,
    used: u64,
}

impl Default for SeenIds {
    /// A memory of [`SEEN_WINDOW`] ids for each of up to [`SEEN_ORIGINS`] origins.
    fn default() -> Self {
        SeenIds::new(SEEN_WINDOW, SEEN_ORIGINS)
    }
}

impl SeenIds {
    /// A memory of `window` ids (rounded up to a multiple of 64) below the highest of each of
    /// up to `origins` origins (at least one).
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::SeenIds;
    /// assert_eq!(SeenIds::new(100, 4).window(), 128);
    /// ```
    pub fn new(window: u64, origins: usize) -> Self {
        let window = window.max(1).div_ceil(64) * 64;
        SeenIds { window, capacity: origins.max(1), origins: FxHashMap::default(), clock: 0 }
    }

    /// How many ids below an origin's highest are remembered.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{SeenIds, SEEN_WINDOW};
    /// assert_eq!(SeenIds::default().window(), SEEN_WINDOW);
    /// ```
    pub fn window(&self) -> u64 {
        self.window
    }

    /// How many origins are remembered now.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::SeenIds;
    /// let mut seen = SeenIds::default();
    /// seen.mark("a", 1);
    /// assert_eq!(seen.origins(), 1);
    /// ```
    pub fn origins(&self) -> usize {
        self.origins.len()
    }

    /// Whether `(origin, id)` is new, a repeat, or too old to tell. Remembers nothing.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{SeenIds, Sighting};
    /// let seen = SeenIds::default();
    /// assert_eq!(seen.check("a", 1), Sighting::New);
    /// assert_eq!(seen.check("a", 1), Sighting::New, "check does not mark");
    /// ```
    pub fn check(&self, origin: &str, id: u64) -> Sighting {
        match self.origins.get(origin) {
            None => Sighting::New,
            Some(track) => track.check(id, self.window),
        }
    }

    /// Remembers `(origin, id)`; returns the origin it evicted to make room, if any. An id
    /// too old to tell is left as it is.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{SeenIds, Sighting};
    /// let mut seen = SeenIds::default();
    /// assert_eq!(seen.mark("a", 9), None);
    /// assert_eq!(seen.check("a", 9), Sighting::Repeat);
    /// ```
    pub fn mark(&mut self, origin: &str, id: u64) -> Option<Box<str>> {
        self.clock += 1;
        let (window, used) = (self.window, self.clock);
        if let Some(track) = self.origins.get_mut(origin) {
            track.used = used;
            track.mark(id, window);
            return None;
        }
        let evicted = self.make_room();
        let mut track = Track { high: id, bits: vec![0; (window / 64) as usize].into_boxed_slice(), used };
        track.set(id, window);
        self.origins.insert(origin.into(), track);
        evicted
    }

    /// Forgets the origin marked least recently when the memory is full.
    fn make_room(&mut self) -> Option<Box<str>> {
        if self.origins.len() < self.capacity {
            return None;
        }
        let oldest = self.origins.iter().min_by_key(|(_, track)| track.used).map(|(origin, _)| origin.clone())?;
        self.origins.remove(&oldest);
        Some(oldest)
    }
}

impl Track {
    fn check(&self, id: u64, window: u64) -> Sighting {
        if id > self.high {
            return Sighting::New;
        }
        if self.high - id >= window {
            return Sighting::TooOld;
        }
        match self.is_set(id, window) {
            true => Sighting::Repeat,
            false => Sighting::New,
        }
    }

    fn mark(&mut self, id: u64, window: u64) {
        if id > self.high {
            self.advance(id, window);
        }
        if self.high - id < window {
            self.set(id, window);
        }
    }

    /// Moves the mark up to `high`, clearing the bits of the ids the window now covers.
    fn advance(&mut self, high: u64, window: u64) {
        if high - self.high >= window {
            self.bits.fill(0);
        } else {
            for id in self.high + 1..=high {
                let (word, bit) = position(id, window);
                self.bits[word] &= !bit;
            }
        }
        self.high = high;
    }

    fn set(&mut self, id: u64, window: u64) {
        let (word, bit) = position(id, window);
        self.bits[word] |= bit;
    }

    fn is_set(&self, id: u64, window: u64) -> bool {
        let (word, bit) = position(id, window);
        self.bits[word] & bit != 0
    }
}

/// The word and bit of `id` in a window of `window` bits.
fn position(id: u64, window: u64) -> (usize, u64) {
    let index = id % window;
    ((index / 64) as usize, 1 << (index % 64))
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn ids_arriving_in_order_are_new_once_then_repeats() {
        let mut seen = SeenIds::new(64, 4);
        for id in 1..=1_000 {
            assert_eq!(seen.check("a", id), Sighting::New);
            seen.mark("a", id);
            assert_eq!(seen.check("a", id), Sighting::Repeat);
        }
    }

    #[test]
    fn ids_arriving_out_of_order_within_the_window_are_each_new_once() {
        let mut seen = SeenIds::new(64, 4);
        let order = [10, 3, 7, 1, 64, 9, 2, 70, 8];
        for id in order {
            assert_eq!(seen.check("a", id), Sighting::New, "{id}");
            seen.mark("a", id);
        }
        for id in order.into_iter().filter(|&id| 70 - id < 64) {
            assert_eq!(seen.check("a", id), Sighting::Repeat, "{id}");
        }
        assert_eq!(seen.check("a", 20), Sighting::New, "never marked, inside the window");
        assert_eq!(seen.check("a", 69), Sighting::New);
    }

    #[test]
    fn ids_more_than_the_window_below_the_mark_are_too_old_and_stay_so() {
        let mut seen = SeenIds::new(64, 4);
        seen.mark("a", 100);
        assert_eq!(seen.check("a", 37), Sighting::New, "the window's lowest id");
        assert_eq!(seen.check("a", 36), Sighting::TooOld);
        assert_eq!(seen.check("a", 1), Sighting::TooOld);
        seen.mark("a", 1);
        assert_eq!(seen.check("a", 1), Sighting::TooOld, "marking a too-old id changes nothing");
        assert_eq!(seen.check("a", 37), Sighting::New, "nor the bit its position shares");
    }

    #[test]
    fn a_huge_jump_forgets_the_whole_window() {
        let mut seen = SeenIds::new(64, 4);
        for id in 1..=64 {
            seen.mark("a", id);
        }
        let far = (1 << 53) - 1;
        seen.mark("a", far);
        assert_eq!(seen.check("a", 64), Sighting::TooOld);
        assert_eq!(seen.check("a", far - 63), Sighting::New, "no bit of the old window survives");
        assert_eq!(seen.check("a", far), Sighting::Repeat);
    }

    #[test]
    fn a_step_up_clears_the_bits_the_new_ids_reuse() {
        let mut seen = SeenIds::new(64, 4);
        seen.mark("a", 10);
        seen.mark("a", 73);
        assert_eq!(seen.check("a", 10), Sighting::Repeat, "the window's lowest id");
        seen.mark("a", 75);
        assert_eq!(seen.check("a", 74), Sighting::New, "74 shares 10's bit, which was cleared");
        assert_eq!(seen.check("a", 10), Sighting::TooOld);
        assert_eq!(seen.check("a", 73), Sighting::Repeat);
    }

    #[test]
    fn origins_are_independent() {
        let mut seen = SeenIds::new(64, 4);
        seen.mark("a", 5);
        assert_eq!(seen.check("b", 5), Sighting::New);
        seen.mark("b", 500);
        assert_eq!(seen.check("a", 5), Sighting::Repeat);
        assert_eq!(seen.check("a", 6), Sighting::New);
    }

    #[test]
    fn a_full_memory_evicts_the_origin_marked_least_recently() {
        let mut seen = SeenIds::new(64, 3);
        assert_eq!(seen.mark("a", 1), None);
        assert_eq!(seen.mark("b", 1), None);
        assert_eq!(seen.mark("c", 1), None);
        seen.mark("a", 2);
        assert_eq!(seen.mark("d", 1).as_deref(), Some("b"));
        assert_eq!(seen.origins(), 3);
        assert_eq!(seen.check("b", 1), Sighting::New, "b starts afresh");
        assert_eq!(seen.check("a", 2), Sighting::Repeat);
        assert_eq!(seen.mark("e", 1).as_deref(), Some("c"));
        assert_eq!(seen.mark("f", 1).as_deref(), Some("a"));
    }

    #[test]
    fn checking_does_not_count_as_use() {
        let mut seen = SeenIds::new(64, 2);
        seen.mark("a", 1);
        seen.mark("b", 1);
        assert_eq!(seen.check("a", 2), Sighting::New);
        assert_eq!(seen.mark("c", 1).as_deref(), Some("a"));
    }

    #[test]
    fn the_window_is_rounded_up_to_whole_words() {
        assert_eq!(SeenIds::new(0, 0).window(), 64);
        assert_eq!(SeenIds::new(65, 1).window(), 128);
        assert_eq!(SeenIds::default().window(), SEEN_WINDOW);
    }

    /// What `SeenIds` must answer: every id marked, per origin, and its highest.
    #[derive(Default)]
    struct Model {
        marked: HashMap<String, (u64, HashSet<u64>)>,
    }

    impl Model {
        fn check(&self, origin: &str, id: u64, window: u64) -> Sighting {
            match self.marked.get(origin) {
                None => Sighting::New,
                Some((high, _)) if id <= *high && high - id >= window => Sighting::TooOld,
                Some((_, ids)) if ids.contains(&id) => Sighting::Repeat,
                Some(_) => Sighting::New,
            }
        }

        fn mark(&mut self, origin: &str, id: u64, window: u64) {
            let (high, ids) = self.marked.entry(origin.to_owned()).or_insert((id, HashSet::new()));
            if id <= *high && *high - id >= window {
                return;
            }
            *high = (*high).max(id);
            ids.insert(id);
        }
    }

    proptest! {
        /// Any sequence of checks and marks over a few origins, ids clustered so that
        /// repeats, reordering, window edges and jumps all occur, agrees with the model (no
        /// eviction: as many slots as origins).
        #[test]
        fn agrees_with_a_model_that_remembers_everything(
            steps in prop::collection::vec((0..3usize, prop_oneof![0..200u64, 0..5_000u64], any::<bool>()), 1..400)
        ) {
            let origins = ["a", "b", "c"];
            let mut seen = SeenIds::new(128, 3);
            let mut model = Model::default();
            for (origin, id, mark) in steps {
                let (origin, id) = (origins[origin], id + 1);
                prop_assert_eq!(seen.check(origin, id), model.check(origin, id, 128), "{} {}", origin, id);
                if mark {
                    seen.mark(origin, id);
                    model.mark(origin, id, 128);
                }
            }
        }

        /// Whatever the order of arrival, each id of a shuffled run shorter than the window
        /// is new exactly once.
        #[test]
        fn a_shuffled_run_within_the_window_is_new_exactly_once(order in Just((1..=256u64).collect::<Vec<_>>()).prop_shuffle()) {
            let mut seen = SeenIds::new(256, 1);
            let mut news = 0;
            for id in order.iter().chain(order.iter()) {
                if seen.check("a", *id) == Sighting::New {
                    news += 1;
                    seen.mark("a", *id);
                }
            }
            prop_assert_eq!(news, 256);
        }
    }
}
