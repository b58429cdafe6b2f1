//! The JavaScript clock and spawner the core runs on.
//!
//! By default time is `Date.now()` and timers are the global `setTimeout`/`clearTimeout`;
//! `config.clock` replaces all three (a fake clock in tests). The clock's methods are called
//! as methods of the object given (the host's own `setTimeout`, `clearTimeout` and
//! `performance.now`, which throw "Illegal invocation" on any other `this`, are called on
//! their own global), with no broker state borrowed, so they may re-enter.
//!
//! A timer is `clock.setTimeout(() => callbacks.fire(id), ms)`: the bus's one [`OneShots`]
//! table holds the Rust callback and the handle to clear it by, so clearing a timer frees
//! everything it held. A clock that
//! throws is survived and counted ([`JsClock::errors`]): `now` repeats its last good reading,
//! and a timer that could not be set is reported to the broker, which retries it.

use std::cell::Cell;
use std::rc::Rc;

use futures::future::LocalBoxFuture;
use futures::FutureExt;
use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

use super::bus::Halted;
use super::callbacks::OneShots;
use super::convert::{get, invalid, to_js};
use super::js;
use crate::{Clock, Error, Spawner, TimerId};

/// A clock backed by three JavaScript functions and the object they are methods of.
pub struct JsClock {
    now: Now,
    set_timeout: Method,
    clear_timeout: Method,
    /// The timers' callbacks, with the handle `setTimeout` returned for each.
    callbacks: Rc<OneShots>,
    last_now: Cell<f64>,
    errors: Cell<u64>,
}

/// Where the time comes from: `Date.now()` directly, or a clock's own `now` method.
enum Now {
    Date,
    Method(Method),
}

/// A function and the `this` it is called with.
struct Method {
    this: JsValue,
    function: Function,
}

impl Method {
    /// Calls it; `None` when it threw.
    fn call(&self, args: &Array) -> Option<JsValue> {
        let outcome = js::call_method(&self.this, &self.function, args);
        let ok = get(&outcome, "ok").ok()?.is_truthy();
        ok.then(|| get(&outcome, "value").ok()).flatten()
    }
}

impl JsClock {
    /// `Date.now` and the global timers.
    pub fn global(callbacks: Rc<OneShots>) -> Result<JsClock, JsValue> {
        let global: JsValue = js_sys::global().into();
        let set_timeout = method(&global, "setTimeout", "the global setTimeout")?;
        let clear_timeout = method(&global, "clearTimeout", "the global clearTimeout")?;
        Ok(JsClock::new(Now::Date, set_timeout, clear_timeout, callbacks))
    }

    /// The clock of `config.clock`: any object with `now`, `setTimeout` and `clearTimeout`.
    pub fn from_config(clock: &JsValue, callbacks: Rc<OneShots>) -> Result<JsClock, JsValue> {
        if !clock.is_object() && !clock.is_function() {
            return Err(config_error("clock must be an object with now, setTimeout and clearTimeout"));
        }
        let now = Now::Method(method(clock, "now", "clock.now")?);
        let set_timeout = method(clock, "setTimeout", "clock.setTimeout")?;
        let clear_timeout = method(clock, "clearTimeout", "clock.clearTimeout")?;
        Ok(JsClock::new(now, set_timeout, clear_timeout, callbacks))
    }

    fn new(now: Now, set_timeout: Method, clear_timeout: Method, callbacks: Rc<OneShots>) -> Self {
        JsClock { now, set_timeout, clear_timeout, callbacks, last_now: Cell::new(0.0), errors: Cell::new(0) }
    }

    fn count_error(&self) {
        self.errors.set(self.errors.get() + 1);
    }
}

/// `this[key]` as a method: a throwing getter is `INVALID_ARGUMENT` (user code threw while
/// the bus read its argument), a non-function `INVALID_CONFIG`.
fn method(this: &JsValue, key: &str, name: &str) -> Result<Method, JsValue> {
    let value = get(this, key).map_err(|_| invalid(format!("reading {name} threw")))?;
    let function = value.dyn_into::<Function>().map_err(|_| config_error(&format!("{name} must be a function")))?;
    let this = js::method_this(this, &function);
    Ok(Method { this, function })
}

fn config_error(message: &str) -> JsValue {
    to_js(Error::InvalidConfig(message.into()))
}

impl Clock for JsClock {
    fn now_ms(&self) -> f64 {
        let reading = match &self.now {
            Now::Date => js_sys::Date::now(),
            Now::Method(method) => js::call_now(&method.this, &method.function),
        };
        match reading.is_finite() {
            true => self.last_now.set(reading),
            false => self.count_error(),
        }
        self.last_now.get()
    }

    fn set_timeout(&self, delay_ms: u32, callback: Box<dyn FnOnce()>) -> Option<TimerId> {
        let id = self.callbacks.add(callback);
        let (clock, set_timeout) = (&self.set_timeout.this, &self.set_timeout.function);
        match js::arm_timer(clock, set_timeout, self.callbacks.js(), id as f64, delay_ms) {
            Ok(handle) => {
                self.callbacks.set_handle(id, handle);
                Some(TimerId(id))
            }
            Err(_) => {
                self.callbacks.remove(id);
                self.count_error();
                None
            }
        }
    }

    fn errors(&self) -> u64 {
        self.errors.get()
    }

    fn clear_timeout(&self, timer: TimerId) {
        if let Some(handle) = self.callbacks.remove(timer.0) {
            if self.clear_timeout.call(&Array::of1(&handle)).is_none() {
                self.count_error();
            }
        }
    }
}

/// Runs futures on the JavaScript microtask queue; a task of a halted bus is never polled
/// again.
pub struct MicrotaskSpawner {
    pub halted: Halted,
}

impl Spawner for MicrotaskSpawner {
    fn spawn(&self, mut task: LocalBoxFuture<'static, ()>) {
        let halted = self.halted.clone();
        wasm_bindgen_futures::spawn_local(futures::future::poll_fn(move |cx| match halted.get() {
            true => std::task::Poll::Ready(()),
            false => task.poll_unpin(cx),
        }));
    }
}
