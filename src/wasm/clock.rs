//! The JavaScript clock and spawner the core runs on.
//!
//! By default time is `Date.now()` and timers are the global `setTimeout`/`clearTimeout`;
//! `config.clock` replaces all three (a fake clock in tests). The clock's methods are called
//! as methods of the object given, with no broker state borrowed, so they may re-enter.
//! A clock that throws is survived: `now` repeats its last good reading, a timer that could
//! not be set is simply not armed.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::future::LocalBoxFuture;
use js_sys::{Array, Function};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::convert::{get, to_js};
use super::js;
use crate::sorted_map::SortedMap;
use crate::{Clock, Error, Spawner, TimerId};

/// Timer handles JavaScript returned, by timer id, until they fire or are cleared.
type Handles = Rc<RefCell<SortedMap<u64, JsValue>>>;

/// A clock backed by three JavaScript functions and the object they are methods of.
pub struct JsClock {
    now: Now,
    set_timeout: Method,
    clear_timeout: Method,
    handles: Handles,
    next_id: Cell<u64>,
    last_now: Cell<f64>,
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
    pub fn global() -> Result<JsClock, JsValue> {
        let global: JsValue = js_sys::global().into();
        let set_timeout = method(&global, "setTimeout", "the global setTimeout")?;
        let clear_timeout = method(&global, "clearTimeout", "the global clearTimeout")?;
        Ok(JsClock::new(Now::Date, set_timeout, clear_timeout))
    }

    /// The clock of `config.clock`: any object with `now`, `setTimeout` and `clearTimeout`.
    pub fn from_config(clock: &JsValue) -> Result<JsClock, JsValue> {
        if !clock.is_object() && !clock.is_function() {
            return Err(config_error("clock must be an object with now, setTimeout and clearTimeout"));
        }
        let now = Now::Method(method(clock, "now", "clock.now")?);
        let set_timeout = method(clock, "setTimeout", "clock.setTimeout")?;
        let clear_timeout = method(clock, "clearTimeout", "clock.clearTimeout")?;
        Ok(JsClock::new(now, set_timeout, clear_timeout))
    }

    fn new(now: Now, set_timeout: Method, clear_timeout: Method) -> Self {
        let handles = Rc::new(RefCell::new(SortedMap::default()));
        JsClock { now, set_timeout, clear_timeout, handles, next_id: Cell::new(0), last_now: Cell::new(0.0) }
    }
}

fn method(this: &JsValue, key: &str, name: &str) -> Result<Method, JsValue> {
    let value = get(this, key).map_err(|_| config_error(&format!("reading {name} threw")))?;
    let function = value.dyn_into::<Function>().map_err(|_| config_error(&format!("{name} must be a function")))?;
    Ok(Method { this: this.clone(), function })
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
        if reading.is_finite() {
            self.last_now.set(reading);
        }
        self.last_now.get()
    }

    fn set_timeout(&self, delay_ms: u32, callback: Box<dyn FnOnce()>) -> TimerId {
        let id = self.next_id.get() + 1;
        self.next_id.set(id);
        let fired = Rc::new(Cell::new(false));
        let (handles, flag) = (self.handles.clone(), fired.clone());
        let closure = Closure::once_into_js(move || {
            flag.set(true);
            handles.borrow_mut().remove(&id);
            callback();
        });
        let handle = self.set_timeout.call(&Array::of2(&closure, &JsValue::from(delay_ms)));
        if let (Some(handle), false) = (handle, fired.get()) {
            self.handles.borrow_mut().insert(id, handle);
        }
        TimerId(id)
    }

    fn clear_timeout(&self, timer: TimerId) {
        let handle = self.handles.borrow_mut().remove(&timer.0);
        if let Some(handle) = handle {
            self.clear_timeout.call(&Array::of1(&handle));
        }
    }
}

/// Runs futures on the JavaScript microtask queue.
pub struct MicrotaskSpawner;

impl Spawner for MicrotaskSpawner {
    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        wasm_bindgen_futures::spawn_local(task);
    }
}
