//! Subscription ids in ascending order: whom a topic routes to, which subscriptions are
//! patterns.
//!
//! Ids only grow, so adding the newest subscription is a push. Removing one marks it gone
//! in place (O(log n): a binary search) instead of shifting the rest; the marks are swept
//! out once they are as many as the live ids, so a removal costs O(1) amortised more and
//! the list never holds more than twice the live ids. Iterating skips the marked ids: a
//! publish walks one contiguous `u64` slice, as it did when the list was rebuilt on every
//! change.

/// The bit that marks a removed id (ids count from 1 and never reach it).
const GONE: u64 = 1 << 63;

/// Ids in ascending order, with O(1) append and O(log n) removal.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdList {
    ids: Vec<u64>,
    /// Ids marked gone and not swept out yet.
    gone: usize,
}

impl IdList {
    /// The list of `ids`, which must be ascending.
    pub fn from_ascending(ids: Vec<u64>) -> Self {
        IdList { ids, gone: 0 }
    }

    /// Adds `id`: a push when it is the largest (always so for a new subscription).
    pub fn add(&mut self, id: u64) {
        match self.find(id) {
            Ok(index) if self.ids[index] & GONE != 0 => {
                self.ids[index] = id;
                self.gone -= 1;
            }
            Ok(_) => {}
            Err(index) if index == self.ids.len() => self.ids.push(id),
            Err(index) => self.ids.insert(index, id),
        }
    }

    /// Removes `id`; returns whether it was there.
    pub fn remove(&mut self, id: u64) -> bool {
        let Ok(index) = self.find(id) else { return false };
        if self.ids[index] & GONE != 0 {
            return false;
        }
        self.ids[index] |= GONE;
        self.gone += 1;
        if self.gone * 2 > self.ids.len() {
            self.ids.retain(|&id| id & GONE == 0);
            self.gone = 0;
        }
        true
    }

    /// The live ids, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.ids.iter().copied().filter(|&id| id & GONE == 0)
    }

    fn find(&self, id: u64) -> Result<usize, usize> {
        match self.ids.last() {
            Some(&last) if last & !GONE < id => Err(self.ids.len()),
            _ => self.ids.binary_search_by(|&entry| (entry & !GONE).cmp(&id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IdList;

    fn ids(list: &IdList) -> Vec<u64> {
        list.iter().collect()
    }

    impl IdList {
        fn len(&self) -> usize {
            self.ids.len() - self.gone
        }
    }

    #[test]
    fn removed_ids_vanish_at_once_and_are_swept_out_when_they_are_half_the_list() {
        let mut list = IdList::from_ascending(vec![1, 2, 3, 4]);
        assert!(list.remove(2));
        assert!(!list.remove(2), "already gone");
        assert!(!list.remove(9), "never there");
        assert_eq!((ids(&list), list.len(), list.ids.len()), (vec![1, 3, 4], 3, 4));
        assert!(list.remove(4));
        assert!(list.remove(1));
        assert_eq!((ids(&list), list.ids.len(), list.gone), (vec![3], 1, 0), "swept");
    }

    #[test]
    fn adding_pushes_the_newest_and_keeps_any_other_in_order() {
        let mut list = IdList::default();
        for id in [1, 5, 7] {
            list.add(id);
        }
        list.add(3);
        list.add(5);
        assert_eq!(ids(&list), [1, 3, 5, 7]);
        list.remove(5);
        list.add(5);
        assert_eq!((ids(&list), list.len()), (vec![1, 3, 5, 7], 4));
    }

    proptest::proptest! {
        #[test]
        fn it_holds_what_a_set_would(ops in proptest::collection::vec((proptest::bool::ANY, 1u64..40), 0..300)) {
            let mut list = IdList::default();
            let mut set = std::collections::BTreeSet::new();
            for (add, id) in ops {
                match add {
                    true => { list.add(id); set.insert(id); }
                    false => proptest::prop_assert_eq!(list.remove(id), set.remove(&id)),
                }
                proptest::prop_assert!(list.ids.len() <= 2 * list.len() + 1);
            }
            proptest::prop_assert_eq!(ids(&list), set.into_iter().collect::<Vec<_>>());
        }
    }
}
