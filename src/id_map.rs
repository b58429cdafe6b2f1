//! A small map from increasing `u64` ids to values, kept as a sorted vector.
//!
//! Subscriptions and the binding's timers get ids in increasing order, so an insert is a
//! push and a lookup is a binary search over contiguous entries: faster than hashing a `u64`
//! with SipHash on every delivery, and much less code in the `.wasm` than another `HashMap`
//! instantiation.

/// Values by `u64` id, iterated in id order.
#[derive(Debug)]
pub(crate) struct IdMap<V> {
    entries: Vec<(u64, V)>,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap { entries: Vec::new() }
    }
}

impl<V> IdMap<V> {
    fn index(&self, id: u64) -> Result<usize, usize> {
        match self.entries.last() {
            Some(&(last, _)) if last == id => Ok(self.entries.len() - 1),
            _ => self.entries.binary_search_by_key(&id, |(key, _)| *key),
        }
    }

    /// The value of `id`.
    pub fn get(&self, id: &u64) -> Option<&V> {
        let index = self.index(*id).ok()?;
        self.entries.get(index).map(|(_, value)| value)
    }

    /// The value of `id`, mutably.
    pub fn get_mut(&mut self, id: &u64) -> Option<&mut V> {
        let index = self.index(*id).ok()?;
        self.entries.get_mut(index).map(|(_, value)| value)
    }

    /// Stores `value` under `id`, replacing any value it had.
    pub fn insert(&mut self, id: u64, value: V) {
        match self.index(id) {
            Ok(index) => self.entries[index].1 = value,
            Err(index) => self.entries.insert(index, (id, value)),
        }
    }

    /// Removes and returns the value of `id`.
    pub fn remove(&mut self, id: &u64) -> Option<V> {
        let index = self.index(*id).ok()?;
        Some(self.entries.remove(index).1)
    }

    /// Every value, in id order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, value)| value)
    }

    /// Every value, mutably, in id order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::IdMap;

    #[test]
    fn keeps_values_by_id_whatever_the_insert_order() {
        let mut map = IdMap::default();
        for id in [5, 1, 9, 3] {
            map.insert(id, id * 10);
        }
        assert_eq!(map.values().copied().collect::<Vec<_>>(), [10, 30, 50, 90]);
        assert_eq!(map.get(&9), Some(&90));
        assert_eq!(map.remove(&3), Some(30));
        assert_eq!(map.get(&3), None);
        map.insert(5, 7);
        assert_eq!(map.values().copied().collect::<Vec<_>>(), [10, 7, 90]);
    }
}
