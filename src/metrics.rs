//! Counters, gauges and the publish→ack latency window.

use std::cmp::Ordering;
use std::collections::VecDeque;

/// How many recent acks the latency percentiles cover.
pub const LATENCY_WINDOW: usize = 4096;

/// Totals since construction; `queued` and `in_flight` are gauges.
///
/// The accounting invariant holds at every moment:
/// `routed == acked + dead_lettered + discarded + queued + in_flight`.
///
/// # Example
///
/// ```
/// use wasm_pubsub::Counters;
/// let c = Counters::default();
/// assert_eq!(c.routed, c.acked + c.dead_lettered + c.discarded + c.queued + c.in_flight);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Messages accepted by publish.
    pub published: u64,
    /// Accepted messages no subscription matched.
    pub unrouted: u64,
    /// Copies queued on subscriptions.
    pub routed: u64,
    /// Messages refused by publish (each message of a refused batch).
    pub rejected: u64,
    /// Delivery attempts started.
    pub delivered: u64,
    /// Copies acked.
    pub acked: u64,
    /// Attempts failed (error or timeout).
    pub failed: u64,
    /// Attempts scheduled again after a failure.
    pub retried: u64,
    /// Copies dead-lettered, for any reason.
    pub dead_lettered: u64,
    /// Dead letters evicted from the full store.
    pub dead_letters_evicted: u64,
    /// Throws and rejections of the dead-letter callback.
    pub dead_letter_callback_errors: u64,
    /// Copies dropped by an explicit unsubscribe or topic deletion.
    pub discarded: u64,
    /// Copies waiting in queues now.
    pub queued: u64,
    /// Copies handed to a handler and not settled yet.
    pub in_flight: u64,
}

impl Counters {
    /// The running totals, which only grow (every counter but the gauges `queued` and
    /// `in_flight`), in the order of the fields (and of `metrics()` in JavaScript).
    ///
    /// ```
    /// use wasm_pubsub::Counters;
    /// let c = Counters { published: 3, in_flight: 1, ..Counters::default() };
    /// assert_eq!(c.totals()[0], 3);
    /// assert_eq!(c.totals().iter().sum::<u64>(), 3);
    /// ```
    pub fn totals(&self) -> [u64; 12] {
        [
            self.published,
            self.unrouted,
            self.routed,
            self.rejected,
            self.delivered,
            self.acked,
            self.failed,
            self.retried,
            self.dead_lettered,
            self.dead_letters_evicted,
            self.dead_letter_callback_errors,
            self.discarded,
        ]
    }
}

/// Latency percentiles in clock milliseconds over the last [`LATENCY_WINDOW`] acks.
///
/// # Example
///
/// ```
/// use wasm_pubsub::Latency;
/// assert_eq!(Latency::default().p99, 0.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest in the window.
    pub max: f64,
}

/// A bounded window of publish→ack latencies.
#[derive(Default)]
pub(crate) struct LatencyWindow {
    samples: VecDeque<f64>,
}

impl LatencyWindow {
    pub fn record(&mut self, ms: f64) {
        if self.samples.len() == LATENCY_WINDOW {
            self.samples.pop_front();
        }
        self.samples.push_back(if ms.is_finite() { ms.max(0.0) } else { 0.0 });
    }

    pub fn summary(&self) -> Latency {
        let mut keys: Vec<u64> = self.samples.iter().map(|&ms| order_key(ms)).collect();
        radix_sort(&mut keys);
        let at = |q: f64| match keys.len() {
            0 => 0.0,
            n => from_key(keys[((n as f64 * q).ceil() as usize).clamp(1, n) - 1]),
        };
        Latency { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1.0) }
    }
}

/// A key whose unsigned order is the order `f64::total_cmp` gives the numbers.
fn order_key(ms: f64) -> u64 {
    let bits = ms.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The number an [`order_key`] was made from.
fn from_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 { key & !(1 << 63) } else { !key })
}

/// Sorts keys one byte at a time, lowest byte first (an LSD radix sort): O(n) whatever the
/// input, a few times faster than a comparison sort on a full window, and small in wasm.
/// A byte that is the same in every key needs no pass, and one sweep finds those bytes (the
/// bits where the keys' AND and OR agree): latencies in whole milliseconds, as `Date.now()`
/// gives them, differ in two bytes of eight.
fn radix_sort(keys: &mut Vec<u64>) {
    let (all, any) = keys.iter().fold((u64::MAX, 0), |(all, any), &key| (all & key, any | key));
    let varying = all ^ any;
    let mut spare = vec![0; keys.len()];
    for shift in (0..64).step_by(8) {
        if (varying >> shift) as u8 == 0 {
            continue; // every key has the same byte here: this pass would move nothing
        }
        let digit = |key: u64| usize::from((key >> shift) as u8);
        let mut starts = [0usize; 256];
        for &key in keys.iter() {
            starts[digit(key)] += 1;
        }
        let mut next = 0;
        for start in &mut starts {
            (*start, next) = (next, next + *start);
        }
        for &key in keys.iter() {
            let slot = &mut starts[digit(key)];
            spare[*slot] = key;
            *slot += 1;
        }
        std::mem::swap(keys, &mut spare);
    }
}

/// The indices `0..len` in the order that `cmp` (comparing the items at two indices) sorts
/// their items; equal items come in no particular order.
///
/// A heapsort of indices with a `dyn` comparator, so one copy serves every caller: O(n log n)
/// at worst, O(n) when all items are equal, and a few hundred bytes of wasm, where each
/// element type given to the standard sort adds 3–4 KB.
pub(crate) fn sorted_indices(len: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    for root in (0..len / 2).rev() {
        sift_down(&mut order, root, len, cmp);
    }
    for end in (1..len).rev() {
        order.swap(0, end);
        sift_down(&mut order, 0, end, cmp);
    }
    order
}

/// Moves `heap[root]` down the max-heap `heap[..end]` to where it belongs.
fn sift_down(heap: &mut [usize], mut root: usize, end: usize, cmp: &dyn Fn(usize, usize) -> Ordering) {
    let less = |a: usize, b: usize| cmp(a, b) == Ordering::Less;
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(heap[child], heap[child + 1]) {
            child += 1;
        }
        if !less(heap[root], heap[child]) {
            return;
        }
        heap.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_the_nearest_rank_rule() {
        let mut window = LatencyWindow::default();
        for ms in 1..=100 {
            window.record(f64::from(ms));
        }
        let summary = window.summary();
        assert_eq!((summary.p50, summary.p90, summary.p99, summary.max), (50.0, 90.0, 99.0, 100.0));
    }

    #[test]
    fn the_window_keeps_only_the_last_4096_acks() {
        let mut window = LatencyWindow::default();
        window.record(1_000_000.0);
        for _ in 0..LATENCY_WINDOW {
            window.record(1.0);
        }
        assert_eq!(window.summary().max, 1.0);
    }

    proptest::proptest! {
        #[test]
        fn sorted_indices_sort_like_the_standard_sort(items in proptest::collection::vec(0u8..8, 0..200)) {
            let order = sorted_indices(items.len(), &|a, b| items[a].cmp(&items[b]));
            let mut seen: Vec<usize> = order.clone();
            seen.sort_unstable();
            proptest::prop_assert!(seen.into_iter().eq(0..items.len()), "a permutation");
            let mut expected = items.clone();
            expected.sort_unstable();
            let sorted: Vec<u8> = order.iter().map(|&i| items[i]).collect();
            proptest::prop_assert_eq!(sorted, expected);
        }
    }

    proptest::proptest! {
        #[test]
        fn the_radix_sort_orders_numbers_as_total_cmp_does(
            bits in proptest::collection::vec(proptest::num::u64::ANY, 0..300),
            small in proptest::collection::vec(0u8..4, 0..300),
        ) {
            let mut numbers: Vec<f64> = bits.into_iter().map(f64::from_bits).collect();
            numbers.extend(small.into_iter().map(f64::from));
            numbers.extend([0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY]);
            let mut keys: Vec<u64> = numbers.iter().map(|&n| order_key(n)).collect();
            radix_sort(&mut keys);
            numbers.sort_unstable_by(f64::total_cmp);
            let sorted: Vec<u64> = keys.into_iter().map(|k| from_key(k).to_bits()).collect();
            let expected: Vec<u64> = numbers.iter().map(|n| n.to_bits()).collect();
            proptest::prop_assert_eq!(sorted, expected);
        }
    }

    #[test]
    fn sorted_indices_order_the_items_they_stand_for() {
        let items = ["c", "a", "b", "a"];
        let order = sorted_indices(items.len(), &|a, b| items[a].cmp(items[b]));
        let sorted: Vec<&str> = order.iter().map(|&i| items[i]).collect();
        assert_eq!(sorted, ["a", "a", "b", "c"]);
        assert!(sorted_indices(0, &|_, _| Ordering::Equal).is_empty());
    }
}
