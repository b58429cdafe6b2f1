//! `AbortSignal` support: a listener that ends a subscription, removed when it ends.

use js_sys::Function;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::convert::get;
use super::handler::JsPayload;
use crate::{SubscriptionId, WeakBroker};

/// An `abort` listener registered on a signal; dropping it unregisters it.
pub struct AbortWatch {
    signal: JsValue,
    listener: Closure<dyn FnMut()>,
}

impl AbortWatch {
    /// Unsubscribes `id` when `signal` aborts — at once if it already has (then `None`).
    pub fn unsubscribe_on_abort(signal: &JsValue, broker: WeakBroker<JsPayload>, id: SubscriptionId) -> Option<Self> {
        let end = move || {
            if let Some(broker) = broker.upgrade() {
                broker.unsubscribe(id);
            }
        };
        Self::on_abort(signal, end)
    }

    /// Runs `action` once when `signal` aborts — at once if it already has (then `None`).
    pub fn on_abort(signal: &JsValue, action: impl FnOnce() + 'static) -> Option<Self> {
        if is_aborted(signal) {
            action();
            return None;
        }
        let mut action = Some(action);
        let listener = Closure::<dyn FnMut()>::new(move || {
            if let Some(action) = action.take() {
                action();
            }
        });
        call(signal, "addEventListener", &listener);
        Some(AbortWatch { signal: signal.clone(), listener })
    }
}

/// Whether `signal.aborted` is true (a throwing getter counts as not aborted).
pub fn is_aborted(signal: &JsValue) -> bool {
    get(signal, "aborted").is_ok_and(|aborted| aborted.is_truthy())
}

fn call(signal: &JsValue, method: &str, listener: &Closure<dyn FnMut()>) {
    let Ok(function) = get(signal, method).and_then(|f| f.dyn_into::<Function>()) else { return };
    let _ = function.call2(signal, &JsValue::from_str("abort"), listener.as_ref());
}

impl Drop for AbortWatch {
    fn drop(&mut self) {
        call(&self.signal, "removeEventListener", &self.listener);
    }
}
