//! A small map kept as a vector sorted by key.
//!
//! It serves the maps that stay small or change rarely: subscriptions and the binding's
//! timers by id (ids only grow, so an insert is a push and the newest entry is found
//! without a search), subscription names and per-target counts. A binary search over
//! contiguous entries beats hashing a `u64` with SipHash on every delivery, and costs much
//! less code in the `.wasm` than another `HashMap` instantiation.

use std::borrow::Borrow;

/// Values by key, iterated in key order.
#[derive(Debug)]
pub(crate) struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap { entries: Vec::new() }
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

    /// Whether `key` has a value.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.index(key).is_ok()
    }

    /// The value of `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let index = self.index(key).ok()?;
        self.entries.get(index).map(|(_, value)| value)
    }

    /// The value of `key`, mutably.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let index = self.index(key).ok()?;
        self.entries.get_mut(index).map(|(_, value)| value)
    }

    /// Stores `value` under `key`, replacing any value it had.
    pub fn insert(&mut self, key: K, value: V) {
        match self.index(&key) {
            Ok(index) => self.entries[index].1 = value,
            Err(index) => self.entries.insert(index, (key, value)),
        }
    }

    /// Removes and returns the value of `key`.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let index = self.index(key).ok()?;
        Some(self.entries.remove(index).1)
    }

    /// Every value, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, value)| value)
    }

    /// Every value, mutably, in key order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, value)| value)
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
        assert!(!map.contains_key("orders"));
        assert_eq!((map.get("audit"), map.get("users")), (Some(&5), Some(&4)));
    }
}
