//! The engine's warnings, logged on the Python logger `vqueue`.
//!
//! The engine may warn on any thread and while it holds a handle's lock, so
//! the sink only queues the warning; it is logged, with the GIL held, when
//! the call that raised it returns to Python (see `errors::guard`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use vqueue_core::{set_warning_sink, Warning, WarningSink};

static PENDING: Mutex<Vec<Warning>> = Mutex::new(Vec::new());
static ANY: AtomicBool = AtomicBool::new(false);

struct Deferred;

impl WarningSink for Deferred {
    fn warning(&self, warning: &Warning) {
        PENDING.lock().unwrap_or_else(|p| p.into_inner()).push(warning.clone());
        ANY.store(true, Ordering::Release);
    }
}

/// Makes this module the receiver of the engine's warnings.
pub fn install() {
    set_warning_sink(Some(Arc::new(Deferred)));
}

/// Logs the queued warnings, if any: `logging.getLogger("vqueue").warning`,
/// with the record attributes `kind` (the warning kind's name) and `path`
/// (the file concerned, or None).
#[inline]
pub fn emit(py: Python<'_>) {
    if ANY.load(Ordering::Acquire) {
        emit_queued(py);
    }
}

fn emit_queued(py: Python<'_>) {
    let queued = {
        let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
        ANY.store(false, Ordering::Release);
        std::mem::take(&mut *pending)
    };
    let log = || -> PyResult<()> {
        let logger = py.import("logging")?.call_method1("getLogger", ("vqueue",))?;
        for w in &queued {
            let extra = PyDict::new(py);
            extra.set_item("kind", w.kind.name())?;
            extra.set_item("path", w.path.as_ref().map(|p| p.display().to_string()))?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("extra", extra)?;
            logger.call_method("warning", ("%s", w.message.as_str()), Some(&kwargs))?;
        }
        Ok(())
    };
    // A failing log handler must not turn the call that warned into an error.
    if let Err(e) = log() {
        e.write_unraisable(py, None);
    }
}
