//! Access to a core object shared between Python threads.
//!
//! Rule that keeps this deadlock-free: no thread ever blocks on a handle's
//! mutex while attached to the interpreter. An uncontended lock is taken
//! directly; otherwise the thread detaches first and waits without the GIL.

use std::sync::{Mutex, MutexGuard, TryLockError};

use pyo3::prelude::*;

use crate::errors::queue_error;

fn poisoned(py: Python<'_>) -> PyErr {
    queue_error(
        py,
        "this handle is unusable after an internal error; open a new one".to_owned(),
    )
}

/// Runs `f` with the GIL released (file I/O, waits).
#[inline]
pub fn detached<T: Send, R: Send>(py: Python<'_>, m: &Mutex<T>, f: impl FnOnce(&mut T) -> R + Send) -> PyResult<R> {
    let r = py.detach(|| m.lock().map(|mut g| f(&mut g)).map_err(|_| ()));
    r.map_err(|_| poisoned(py))
}

/// Runs `f` attached to the interpreter (cheap calls, building Python objects).
#[inline]
pub fn attached<T: Send, R: Send>(
    py: Python<'_>,
    m: &Mutex<T>,
    f: impl for<'py> FnOnce(Python<'py>, &mut T) -> PyResult<R> + Send,
) -> PyResult<R> {
    match m.try_lock() {
        Ok(mut g) => f(py, &mut g),
        Err(TryLockError::Poisoned(_)) => Err(poisoned(py)),
        Err(TryLockError::WouldBlock) => {
            let r: Result<PyResult<R>, ()> = py.detach(|| {
                let mut g: MutexGuard<'_, T> = m.lock().map_err(|_| ())?;
                Ok(Python::attach(|py| f(py, &mut g)))
            });
            r.map_err(|_| poisoned(py))?
        }
    }
}
