//! `AbortSignal` support: an `abort` listener that runs an action once, removed when the
//! watch is dropped.
//!
//! The listener is `() => callbacks.fire(id)` on the bus's one callback table, so no Rust
//! `Closure` is made per signal. Dropping the watch forgets the action at once (a late
//! `abort` then does nothing) and removes the listener in a microtask: the watch is dropped
//! while the broker updates its state, and the signal's `removeEventListener` may be user
//! code that calls the bus.

use wasm_bindgen::JsValue;

use super::callbacks::{OneShots, WeakOneShots};
use super::convert::get;
use super::handler::JsPayload;
use super::js;
use crate::{SubscriptionId, WeakBroker};

/// An `abort` listener registered on a signal; dropping it unregisters it.
pub struct AbortWatch {
    signal: JsValue,
    listener: JsValue,
    id: u64,
    callbacks: WeakOneShots,
}

impl AbortWatch {
    /// Unsubscribes `id` when `signal` aborts — at once if it already has (then `None`).
    pub fn unsubscribe_on_abort(signal: &JsValue, callbacks: &OneShots, broker: WeakBroker<JsPayload>, id: SubscriptionId) -> Option<Self> {
        let end = move || {
            if let Some(broker) = broker.upgrade() {
                broker.unsubscribe(id);
            }
        };
        Self::on_abort(signal, callbacks, end)
    }

    /// Runs `action` once when `signal` aborts — at once if it already has (then `None`).
    pub fn on_abort(signal: &JsValue, callbacks: &OneShots, action: impl FnOnce() + 'static) -> Option<Self> {
        if is_aborted(signal) {
            action();
            return None;
        }
        let id = callbacks.add(Box::new(action));
        let listener = js::watch_abort(signal, callbacks.js(), id as f64);
        Some(AbortWatch { signal: signal.clone(), listener, id, callbacks: callbacks.downgrade() })
    }
}

/// Whether `signal.aborted` is true (a throwing getter counts as not aborted).
pub fn is_aborted(signal: &JsValue) -> bool {
    get(signal, "aborted").is_ok_and(|aborted| aborted.is_truthy())
}

impl Drop for AbortWatch {
    fn drop(&mut self) {
        self.callbacks.remove(self.id);
        js::unwatch_abort(&self.signal, &self.listener);
    }
}
