//! The topic a run of publishes goes to, kept so that the run does not hash its name.
//!
//! The second publish in a row with one name its publisher holds (the binding publishes with
//! the name in its own headers) keeps the topic's entry here, and the next ones find it
//! without hashing the name. Publishes that alternate between topics leave it as it is, so
//! they pay one lookup each. The broker forgets it whenever a topic or a topic's subscribers
//! change, before they change, so `Rc::make_mut` never has to copy a subscriber list this
//! holds.

use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::state::TopicEntry;

/// The kept route, and the name the last publish was given (see the module's text).
#[derive(Default)]
pub(crate) struct LastRoute {
    kept: Option<Box<Kept>>,
    /// Address and length of the name the last publish was given, only ever compared: a
    /// repeat of it is what makes a route kept.
    seen: (usize, usize),
}

struct Kept {
    /// The name as the publisher holds it: a name at the same address, of the same length,
    /// is this very string, since this keeps it alive.
    name: Rc<str>,
    entry: TopicEntry,
}

impl LastRoute {
    /// Whether the kept route is topic `name`, given as this very string.
    pub fn is(&self, name: &str) -> bool {
        self.kept.as_ref().is_some_and(|kept| std::ptr::eq(kept.name.as_ptr(), name.as_ptr()) && kept.name.len() == name.len())
    }

    /// The entry of topic `name` in `topics`, kept when this is the second publish in a row
    /// with `held`, `name` as its publisher holds it. None when there is no such topic.
    pub fn entry<'a>(&'a mut self, topics: &'a FxHashMap<Rc<str>, TopicEntry>, name: &str, held: Option<&Rc<str>>) -> Option<&'a TopicEntry> {
        let seen = std::mem::replace(&mut self.seen, (name.as_ptr() as usize, name.len()));
        if !self.is(name) {
            let entry = topics.get(name)?;
            let Some(held) = held.filter(|_| seen == self.seen) else { return Some(entry) };
            self.kept = Some(Box::new(Kept { name: held.clone(), entry: entry.clone() }));
        }
        self.kept.as_deref().map(|kept| &kept.entry)
    }

    /// Drops the kept route, before a topic or its subscribers change. Out of line: its
    /// callers share one copy of the drop.
    #[inline(never)]
    pub fn forget(&mut self) {
        self.kept = None;
    }
}
