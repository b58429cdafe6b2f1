//! One bridge: its port, its topics, the link its port's listener holds, its counters, and
//! the `Bridge` handle JavaScript reads and closes.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::{js, Bridges};
use crate::wasm::bus::Halted;
use crate::wasm::convert::to_js;
use crate::wasm::objects::set_counts;
use crate::{Error, Pattern};

/// A bridge's counter.
#[derive(Clone, Copy)]
pub enum Stat {
    /// Messages posted to the port.
    Sent,
    /// Messages from the port published on the bus.
    Received,
    /// Frames from the port refused as invalid.
    Rejected,
    /// Messages the port could not take (not cloneable).
    SendErrors,
    /// Frames from the port dropped as repeats, or too old to tell.
    Duplicates,
}

/// What the bus keeps of one open bridge.
pub struct BridgeState {
    pub id: u32,
    pub port: JsValue,
    pub post: Function,
    patterns: Vec<Pattern>,
    /// The link the port's listener holds (`js/bridge.js`), until the bridge closes.
    link: RefCell<Option<JsValue>>,
    stats: Cell<[u64; 5]>,
}

impl BridgeState {
    pub fn new(id: u32, port: JsValue, post: Function, patterns: Vec<Pattern>) -> Self {
        BridgeState { id, port, post, patterns, link: RefCell::new(None), stats: Cell::new([0; 5]) }
    }

    pub fn count(&self, stat: Stat) {
        let mut stats = self.stats.get();
        stats[stat as usize] += 1;
        self.stats.set(stats);
    }

    /// Whether the bridge carries `topic` (no topics given: every one).
    pub fn wants(&self, topic: &str) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(topic))
    }

    pub fn set_link(&self, link: JsValue) {
        self.link.replace(Some(link));
    }

    /// Gives the port's listener new bounds for the frames it reads.
    pub fn rebound(&self, bounds: &[u32]) {
        let link = self.link.borrow().clone();
        if let Some(link) = link {
            js::rebound(&link, bounds);
        }
    }

    /// Makes the port's listener inert and removes it where the port can. Dropping the link
    /// lets the listener's inbox, and with it this bridge's hold on the bus, be collected.
    pub fn detach(&self) {
        if let Some(link) = self.link.take() {
            js::unlisten(&self.port, &link);
        }
    }
}

/// A bridge between this bus and a port: `close()` it, read its `stats()`. An open bridge
/// keeps its bus alive, as a listener keeps its function, until `close()` or `bus.close()`.
#[wasm_bindgen]
pub struct Bridge {
    state: Rc<BridgeState>,
    bridges: Weak<Bridges>,
    /// Its bus's halt flag, which `__halt` sets.
    halted: Halted,
    /// Set by `dispose()`: every later call but `close()` throws `CLOSED`.
    disposed: Cell<bool>,
}

impl Bridge {
    pub(crate) fn new(state: Rc<BridgeState>, bridges: Weak<Bridges>, halted: Halted) -> Self {
        Bridge { state, bridges, halted, disposed: Cell::new(false) }
    }
}

#[wasm_bindgen]
impl Bridge {
    /// Stops forwarding and removes the port listener; the bus no longer depends on the
    /// port to stay alive. Idempotent.
    ///
    /// ```js
    /// const bridge = bus.bridge(new BroadcastChannel("app"));
    /// bridge.close();
    /// ```
    pub fn close(&self) {
        let bridges = self.bridges.upgrade().filter(|_| !self.halted.get());
        if let Some(bridges) = bridges {
            bridges.remove(self.state.id);
        }
        self.state.detach();
    }

    /// `{ sent, received, rejected, sendErrors, duplicates }` since the bridge was made.
    ///
    /// ```js
    /// const { sent, received, rejected, duplicates } = bridge.stats();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "BridgeStats")]
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        if self.disposed.get() {
            return Err(to_js(Error::Disposed("Bridge")));
        }
        let [sent, received, rejected, send_errors, duplicates] = self.state.stats.get();
        let object = js_sys::Object::new();
        let counts = [
            ("sent", sent),
            ("received", received),
            ("rejected", rejected),
            ("sendErrors", send_errors),
            ("duplicates", duplicates),
        ];
        set_counts(&object, &counts);
        Ok(object.into())
    }

    /// Disposes of the bridge: closes it (as `close()`); `stats()` then throws `CLOSED`.
    /// `free()` and `using` (`Symbol.dispose`) call it.
    ///
    /// ```js
    /// using bridge = bus.bridge(new BroadcastChannel("app"));
    /// ```
    pub fn dispose(&self) {
        self.disposed.set(true);
        self.close();
    }

    /// Halts the bus after a call into it was cut short. Internal: the package's JavaScript
    /// front calls it.
    #[wasm_bindgen(js_name = "__halt", skip_typescript)]
    pub fn halt(&self) {
        self.halted.set(true);
    }
}
