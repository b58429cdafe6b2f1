//! Binding tests under wasm-bindgen-test in headless Chromium.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "wasm/support.rs"]
mod support;

#[path = "wasm/binding.rs"]
mod binding;

#[path = "wasm/hostile.rs"]
mod hostile;

#[path = "wasm/delivery.rs"]
mod delivery;
