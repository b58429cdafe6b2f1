//! A small map kept as a vector sorted by key.
//!
//! It serves maps whose keys only grow: subscriptions and the binding's timers by id, so
//! an insert is a push and the newest entry is found without a search. A removal leaves
//! its slot empty instead of shifting the entries after it (a binary search, O(log n)), and
//! the empty slots are swept out once they are as many as the live ones (O(1) amortised),
//! so a map never holds more than twice its entries. The keys sit apart from the values,
//! so a search reads one dense array however large the values. A binary search over them
//! beats hashing a `u64` with SipHash on every delivery, and costs much less code in the
//! `.wasm` than another `HashMap` instantiation.

use std::borrow::Borrow;

/// Values by key, iterated in key order.
#[derive(Debug)]
pub(crate) struct SortedMap<K, V> {
    /// Sorted; a binary search reads only these, not the (larger) values beside them.
    keys: Vec<K>,
    /// The value of each key; `None` for a removed entry not swept out yet.
    values: Vec<Option<V>>,
    /// Entries with no value.
    vacant: usize,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap { keys: Vec::new(), values: Vec::new(), vacant: 0 }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn index<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        match self.keys.last() {
            Some(last) if last.borrow() == key => Ok(self.keys.len() - 1),
            _ => self.keys.binary_search_by(|k| k.borrow().cmp(key)),
        }
    }

    /// The value of `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let index = self.index(key).ok()?;
        self.values.get(index)?.as_ref()
    }

    /// The value of `key`, mutably.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let index = self.index(key).ok()?;
        self.values.get_mut(index)?.as_mut()
    }

    /// Stores `value` under `key`, replacing any value it had: a push when `key` is the
    /// largest yet, a shift of the larger entries otherwise.
    pub fn insert(&mut self, key: K, value: V) {
        match self.index(&key) {
            Ok(index) => {
                if self.values[index].replace(value).is_none() {
                    self.vacant -= 1;
                }
            }
            Err(index) => {
                self.keys.insert(index, key);
                self.values.insert(index, Some(value));
            }
        }
    }

    /// Removes and returns the value of `key`.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let index = self.index(key).ok()?;
        let value = self.values.get_mut(index)?.take()?;
        self.vacant += 1;
        if self.vacant * 2 > self.keys.len() {
            self.sweep();
        }
        Some(value)
    }

    /// Drops the entries with no value, keeping the others in order.
    fn sweep(&mut self) {
        let mut kept = 0;
        for index in 0..self.values.len() {
            if self.values[index].is_some() {
                self.keys.swap(kept, index);
                self.values.swap(kept, index);
                kept += 1;
            }
        }
        self.keys.truncate(kept);
        self.values.truncate(kept);
        self.vacant = 0;
    }

    /// How many entries hold a value (the binding's pending requests are bounded by it).
    #[cfg(target_arch = "wasm32")]
    pub fn len(&self) -> usize {
        self.keys.len() - self.vacant
    }

    /// Every key with a value, in order.
    #[cfg(target_arch = "wasm32")]
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.keys.iter().zip(&self.values).filter(|(_, value)| value.is_some()).map(|(key, _)| key)
    }

    /// Every value, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.values.iter().filter_map(Option::as_ref)
    }

    /// Every value, mutably, in key order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.values.iter_mut().filter_map(Option::as_mut)
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
        assert_eq!((map.keys.len(), map.vacant), (8, 4), "half vacant: kept");
        map.remove(&8);
        assert_eq!((map.keys.len(), map.values.len(), map.vacant), (3, 3, 0), "more than half: swept");
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
