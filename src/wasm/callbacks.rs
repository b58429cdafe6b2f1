//! One-shot callbacks that JavaScript fires by id: timers and abort listeners.
//!
//! A bus keeps one [`CallbackTable`] and gives JavaScript one [`Callbacks`] object for it.
//! A timer armed through the clock is `setTimeout(() => callbacks.fire(id), ms)`; an abort
//! listener is `() => callbacks.fire(id)`. No Rust `Closure` is made per timer or listener,
//! so nothing leaks when a timer is cleared or a listener never fires: removing the entry is
//! enough, and a late `fire` of a removed id does nothing. A timer's entry also keeps the
//! handle `setTimeout` returned, which clearing it needs. The JavaScript object refers to
//! the table weakly, so a timer firing after its bus is gone does nothing either.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;

use super::bus::{Bus, Halted};
use crate::sorted_map::SortedMap;

/// A callback waiting to be fired, and the handle its host returned for it (a timer's, to
/// clear it), if any.
struct Entry {
    callback: Box<dyn FnOnce()>,
    handle: Option<JsValue>,
}

/// Callbacks waiting to be fired, by id.
#[derive(Default)]
pub struct CallbackTable {
    entries: SortedMap<u64, Entry>,
    next_id: u64,
    /// The bus the callbacks are for, which `Callbacks.__halt` halts.
    bus: Weak<Bus>,
}

/// Takes entry `id` out of `table`; the borrow ends before the entry (and what its callback
/// holds) is dropped by the caller.
fn take(table: &RefCell<CallbackTable>, id: u64) -> Option<Entry> {
    table.borrow_mut().entries.remove(&id)
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

    /// Names the bus the callbacks are for (it is made after them).
    pub fn attach(&self, bus: Weak<Bus>) {
        self.table.borrow_mut().bus = bus;
    }

    /// The `Callbacks` object JavaScript calls `fire(id)` on.
    pub fn js(&self) -> &JsValue {
        &self.js
    }

    /// Stores `callback`; returns the id that fires it.
    pub fn add(&self, callback: Box<dyn FnOnce()>) -> u64 {
        let mut table = self.table.borrow_mut();
        table.next_id += 1;
        let id = table.next_id;
        table.entries.insert(id, Entry { callback, handle: None });
        id
    }

    /// Keeps the handle the host returned for callback `id`, unless it has fired already.
    pub fn set_handle(&self, id: u64, handle: JsValue) {
        if let Some(entry) = self.table.borrow_mut().entries.get_mut(&id) {
            entry.handle = Some(handle);
        }
    }

    /// The ids of the callbacks waiting (none when the table is held by a call cut short).
    pub fn ids(&self) -> Vec<u64> {
        self.table.try_borrow().map(|table| table.entries.keys().copied().collect()).unwrap_or_default()
    }

    /// Forgets a callback; returns the handle kept for it, `None` when it had fired or was
    /// removed already (or has no handle).
    pub fn remove(&self, id: u64) -> Option<JsValue> {
        take(&self.table, id).and_then(|entry| entry.handle)
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
        if let Some(table) = self.table.upgrade() {
            drop(take(&table, id));
        }
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
        let entry = take(&table, id as u64);
        drop(table);
        if let Some(entry) = entry {
            (entry.callback)();
        }
    }

    /// Halts the bus after a callback was cut short. Internal: the package's JavaScript
    /// front calls it.
    #[wasm_bindgen(js_name = "__halt")]
    pub fn halt(&self) {
        self.halted.set(true);
        let table = self.table.upgrade();
        let bus = table.as_ref().and_then(|table| table.try_borrow().ok()?.bus.upgrade());
        if let Some(bus) = bus {
            bus.halt();
        }
    }
}
