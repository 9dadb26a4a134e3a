//! The UniFFI surface of v-queue: the core's handles, records and errors as
//! the Kotlin, Swift and Python (`vqueue_uniffi`) bindings see them.
//!
//! Thin by design: every call locks the handle, calls the core and
//! translates types and errors. Names per language live in `uniffi.toml`.

uniffi::setup_scaffolding!("vqueue_uniffi");

mod consumer;
mod error;
mod fast;
mod logger;
mod maintenance;
mod queue;
mod types;

pub use consumer::Consumer;
pub use error::QueueError;
pub use fast::take_error;
pub use logger::{set_logger, Logger, Warning};
pub use maintenance::{cleanup, inspect, repair, verify, ProgressListener};
pub use queue::Queue;
pub use types::*;

/// A handle's mutex, recovered after a panic in another thread: the core
/// handle stays usable (or reports `Closed`), so poisoning carries no
/// information worth failing every later call for.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
