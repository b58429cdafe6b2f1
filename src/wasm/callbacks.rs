//! One-shot callbacks that JavaScript fires by id: timers and abort listeners.
//!
//! A bus keeps one [`CallbackTable`] and gives JavaScript one [`Callbacks`] object for it.
//! A timer armed through the clock is `setTimeout(() => callbacks.fire(id), ms)`; an abort
//! listener is `() => callbacks.fire(id)`. No Rust `Closure` is made per timer or listener,
//! so nothing leaks when a timer is cleared or a listener never fires: removing the entry is
//! enough, and a late `fire` of a removed id does nothing. The JavaScript object refers to
//! the table weakly, so a timer firing after its bus is gone does nothing either.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;

use super::bus::Halted;
use crate::sorted_map::SortedMap;

/// Callbacks waiting to be fired, by id.
#[derive(Default)]
pub struct CallbackTable {
    entries: SortedMap<u64, Box<dyn FnOnce()>>,
    next_id: u64,
}

/// The Rust side of a bus's callbacks: add and remove entries, and the JavaScript object
/// that fires them.
pub struct OneShots {
    table: Rc<RefCell<CallbackTable>>,
    js: JsValue,
}

impl OneShots {
    /// An empty table and its JavaScript `Callbacks` object, which fires nothing once the
    /// bus has `halted`.
    pub fn new(halted: Halted) -> OneShots {
        let table = Rc::new(RefCell::new(CallbackTable::default()));
        let js = Callbacks { table: Rc::downgrade(&table), halted }.into();
        OneShots { table, js }
    }

    /// The `Callbacks` object JavaScript calls `fire(id)` on.
    pub fn js(&self) -> &JsValue {
        &self.js
    }

    /// Stores the callback `make(id)` builds; returns the id that fires it.
    pub fn add(&self, make: impl FnOnce(u64) -> Box<dyn FnOnce()>) -> u64 {
        let id = self.table.borrow().next_id + 1;
        let callback = make(id);
        let mut table = self.table.borrow_mut();
        table.next_id = id;
        table.entries.insert(id, callback);
        id
    }

    /// Forgets a callback; false when it had fired or was removed already. The callback is
    /// dropped after the table is released.
    pub fn remove(&self, id: u64) -> bool {
        let removed = self.table.borrow_mut().entries.remove(&id);
        removed.is_some()
    }

    /// Whether `id` is still waiting.
    pub fn contains(&self, id: u64) -> bool {
        self.table.borrow().entries.get(&id).is_some()
    }

    /// A weak handle for code that outlives the bus (abort watches).
    pub fn downgrade(&self) -> WeakOneShots {
        WeakOneShots { table: Rc::downgrade(&self.table) }
    }
}

/// A [`OneShots`] that does not keep its table alive.
pub struct WeakOneShots {
    table: Weak<RefCell<CallbackTable>>,
}

impl WeakOneShots {
    /// Forgets a callback, if the table still exists.
    pub fn remove(&self, id: u64) {
        let Some(table) = self.table.upgrade() else { return };
        let removed = table.borrow_mut().entries.remove(&id);
        drop(removed);
    }
}

/// Fires the callbacks of one bus's table. Internal: not part of the package's API.
#[wasm_bindgen(skip_typescript)]
pub struct Callbacks {
    table: Weak<RefCell<CallbackTable>>,
    halted: Halted,
}

#[wasm_bindgen]
impl Callbacks {
    /// Runs and forgets callback `id`; does nothing when it was removed, already fired, or
    /// its bus is gone or halted.
    pub fn fire(&self, id: f64) {
        if self.halted.get() {
            return;
        }
        let Some(table) = self.table.upgrade() else { return };
        let callback = table.borrow_mut().entries.remove(&(id as u64));
        drop(table);
        if let Some(callback) = callback {
            callback();
        }
    }
}
