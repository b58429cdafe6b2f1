//! The WebAssembly binding: a thin layer that converts arguments, calls the core, and
//! converts results and errors. Compiled only for `wasm32`.
//!
//! JavaScript sees the classes `PubSub`, `Topic` and `Subscription` and the error class
//! `PubSubError` (from `js/bus.js`). No `RefCell` borrow of broker state is held while
//! JavaScript runs: the core calls out only from its effect loop.

mod abort;
mod bridge;
mod bus;
mod callbacks;
mod clock;
mod configure;
mod convert;
mod drain;
mod handler;
mod hooks;
mod js;
mod letter_store;
mod lifecycle;
mod listeners;
mod objects;
mod pubsub;
mod request;
mod subscription;
mod topic;
mod types;

/// The heap: Talc, growing wasm memory on demand and extending its last heap, in ~2 KB of
/// code where the default dlmalloc takes ~7 KB; freed blocks are coalesced and reused.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use bridge::Bridge;
pub use pubsub::PubSub;
pub use subscription::Subscription;
pub use topic::Topic;
