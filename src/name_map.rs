//! A small map from names to counts or ids, kept as a vector sorted by name.
//!
//! Subscription names and per-target subscription counts are read and written only when a
//! subscription comes or goes, never per message: a binary search over a sorted vector does
//! that job with a fraction of the code another `HashMap` instantiation adds to the `.wasm`.

use std::rc::Rc;

/// `u64` values by name, in name order.
#[derive(Debug, Default)]
pub(crate) struct NameMap {
    entries: Vec<(Rc<str>, u64)>,
}

impl NameMap {
    fn index(&self, name: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(key, _)| key.as_ref().cmp(name))
    }

    /// Whether `name` has a value.
    pub fn contains_key(&self, name: &str) -> bool {
        self.index(name).is_ok()
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&u64> {
        let index = self.index(name).ok()?;
        self.entries.get(index).map(|(_, value)| value)
    }

    /// The value of `name`, mutably.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut u64> {
        let index = self.index(name).ok()?;
        self.entries.get_mut(index).map(|(_, value)| value)
    }

    /// Stores `value` under `name`, replacing any value it had.
    pub fn insert(&mut self, name: Rc<str>, value: u64) {
        match self.index(&name) {
            Ok(index) => self.entries[index].1 = value,
            Err(index) => self.entries.insert(index, (name, value)),
        }
    }

    /// Removes the value of `name`.
    pub fn remove(&mut self, name: &str) {
        if let Ok(index) = self.index(name) {
            self.entries.remove(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::NameMap;

    #[test]
    fn keeps_values_by_name_whatever_the_insert_order() {
        let mut map = NameMap::default();
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
