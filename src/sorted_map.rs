//! A small map kept as a vector sorted by key.
//!
//! It serves maps whose keys only grow: subscriptions and the binding's timers by id, so
//! an insert is a push and the newest entry is found without a search. A removal leaves
//! its slot empty instead of shifting the entries after it (a binary search, O(log n)), and
//! the empty slots are swept out once they are as many as the live ones (O(1) amortised),
//! so a map never holds more than twice its entries. A binary search over contiguous entries
//! beats hashing a `u64` with SipHash on every delivery, and costs much less code in the
//! `.wasm` than another `HashMap` instantiation.

use std::borrow::Borrow;

/// Values by key, iterated in key order.
#[derive(Debug)]
pub(crate) struct SortedMap<K, V> {
    /// Sorted by key; a removed entry keeps its key with no value until swept out.
    entries: Vec<(K, Option<V>)>,
    /// Entries with no value.
    vacant: usize,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap { entries: Vec::new(), vacant: 0 }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn index<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        match self.entries.last() {
            Some((last, _)) if last.borrow() == key => Ok(self.entries.len() - 1),
            _ => self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key)),
        }
    }

    /// The value of `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let index = self.index(key).ok()?;
        self.entries.get(index).and_then(|(_, value)| value.as_ref())
    }

    /// The value of `key`, mutably.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let index = self.index(key).ok()?;
        self.entries.get_mut(index).and_then(|(_, value)| value.as_mut())
    }

    /// Stores `value` under `key`, replacing any value it had: a push when `key` is the
    /// largest yet, a shift of the larger entries otherwise.
    pub fn insert(&mut self, key: K, value: V) {
        match self.index(&key) {
            Ok(index) => {
                if self.entries[index].1.replace(value).is_none() {
                    self.vacant -= 1;
                }
            }
            Err(index) => self.entries.insert(index, (key, Some(value))),
        }
    }

    /// Removes and returns the value of `key`.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let index = self.index(key).ok()?;
        let value = self.entries.get_mut(index)?.1.take()?;
        self.vacant += 1;
        if self.vacant * 2 > self.entries.len() {
            self.entries.retain(|(_, value)| value.is_some());
            self.vacant = 0;
        }
        Some(value)
    }

    /// Every value, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().filter_map(|(_, value)| value.as_ref())
    }

    /// Every value, mutably, in key order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().filter_map(|(_, value)| value.as_mut())
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::SortedMap;

    #[test]
    fn keeps_values_by_id_whatever_the_insert_order() {
        let mut map = SortedMap::default();
        for id in [5u64, 1, 9, 3] {
            map.insert(id, id * 10);
        }
        assert_eq!(map.values().copied().collect::<Vec<_>>(), [10, 30, 50, 90]);
        assert_eq!(map.get(&9), Some(&90));
        assert_eq!(map.remove(&3), Some(30));
        assert_eq!(map.get(&3), None);
        map.insert(5, 7);
        assert_eq!(map.values().copied().collect::<Vec<_>>(), [10, 7, 90]);
        map.insert(3, 1);
        assert_eq!(map.values().copied().collect::<Vec<_>>(), [10, 1, 7, 90]);
    }

    #[test]
    fn removed_slots_are_swept_out_once_they_are_half_the_entries() {
        let mut map = SortedMap::default();
        for id in 1..=8u64 {
            map.insert(id, id);
        }
        for id in 1..=4 {
            assert_eq!(map.remove(&id), Some(id));
            assert_eq!(map.remove(&id), None, "gone once");
        }
        assert_eq!((map.entries.len(), map.vacant), (8, 4), "half vacant: kept");
        map.remove(&8);
        assert_eq!((map.entries.len(), map.vacant), (3, 0), "more than half: swept");
        assert_eq!(map.values().copied().collect::<Vec<_>>(), [5, 6, 7]);
        *map.values_mut().next().unwrap() = 50;
        assert_eq!((map.get(&5), map.get(&4), map.get(&6)), (Some(&50), None, Some(&6)));
    }

    #[test]
    fn looks_names_up_by_str() {
        let mut map: SortedMap<Rc<str>, u64> = SortedMap::default();
        for (name, value) in [("orders", 1), ("audit", 2), ("users", 3)] {
            map.insert(name.into(), value);
        }
        assert_eq!(map.get("audit"), Some(&2));
        map.insert("audit".into(), 5);
        *map.get_mut("users").unwrap() += 1;
        map.remove("orders");
        assert!(map.get("orders").is_none());
        assert_eq!((map.get("audit"), map.get("users")), (Some(&5), Some(&4)));
    }
}
