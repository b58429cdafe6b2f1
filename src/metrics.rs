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
        let samples = &self.samples;
        let order = sorted_indices(samples.len(), &|a, b| samples[a].total_cmp(&samples[b]));
        let at = |q: f64| match order.len() {
            0 => 0.0,
            n => samples[order[((n as f64 * q).ceil() as usize).clamp(1, n) - 1]],
        };
        Latency { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1.0) }
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
    let less = |a: usize, b: usize| cmp(a, b) == Ordering::Less;
    for root in (0..len / 2).rev() {
        sift_down(&mut order, root, len, &less);
    }
    for end in (1..len).rev() {
        order.swap(0, end);
        sift_down(&mut order, 0, end, &less);
    }
    order
}

/// Moves `heap[root]` down the max-heap `heap[..end]` to where it belongs.
fn sift_down(heap: &mut [usize], mut root: usize, end: usize, less: &dyn Fn(usize, usize) -> bool) {
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

    #[test]
    fn sorted_indices_order_the_items_they_stand_for() {
        let items = ["c", "a", "b", "a"];
        let order = sorted_indices(items.len(), &|a, b| items[a].cmp(items[b]));
        let sorted: Vec<&str> = order.iter().map(|&i| items[i]).collect();
        assert_eq!(sorted, ["a", "a", "b", "c"]);
        assert!(sorted_indices(0, &|_, _| Ordering::Equal).is_empty());
    }
}
