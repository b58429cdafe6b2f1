//! Binding tests under wasm-bindgen-test in Node.
#![cfg(target_arch = "wasm32")]

#[path = "wasm/support.rs"]
mod support;

#[path = "wasm/binding.rs"]
mod binding;

#[path = "wasm/hostile.rs"]
mod hostile;

#[path = "wasm/delivery.rs"]
mod delivery;
