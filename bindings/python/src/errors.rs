//! The exception classes, made from the core's table of error kinds, and the
//! translation of core errors and Rust panics into them.

use std::any::Any;
use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyTuple, PyType};
use vqueue_core::{Error, ErrorKind};

/// `QueueError`, then one subclass per `ErrorKind::ALL`, in that order.
static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

const BASE_DOC: &str = "Base class of every vqueue error (also raised for internal errors). \
A ValueError, so code written for the original binding keeps working.";

fn new_class(py: Python<'_>, name: &str, doc: &str, base: &Bound<'_, PyType>) -> PyResult<Py<PyType>> {
    // Created as `vqueue.NAME`: that is where users find and pickle them.
    let qualified = CString::new(format!("vqueue.{name}")).expect("kind names have no NUL");
    let doc = CString::new(doc).expect("summaries have no NUL");
    PyErr::new_type(py, &qualified, Some(&doc), Some(base), None)
}

fn classes(py: Python<'_>) -> PyResult<&Vec<Py<PyType>>> {
    CLASSES.get_or_try_init(py, || {
        let base = new_class(py, "QueueError", BASE_DOC, &py.get_type::<PyValueError>())?;
        let mut all = vec![base.clone_ref(py)];
        for kind in ErrorKind::ALL {
            all.push(new_class(py, kind.name(), kind.summary(), base.bind(py))?);
        }
        Ok(all)
    })
}

/// Adds `QueueError`, its subclasses and `ERROR_KINDS` (their names, in the
/// core's order) to the module.
pub fn add_to(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let all = classes(py)?;
    m.add("QueueError", all[0].bind(py))?;
    for (kind, cls) in ErrorKind::ALL.iter().zip(&all[1..]) {
        m.add(kind.name(), cls.bind(py))?;
    }
    let names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
    m.add("ERROR_KINDS", PyTuple::new(py, names)?)?;
    Ok(())
}

fn class(py: Python<'_>, kind: Option<ErrorKind>) -> PyResult<Bound<'_, PyType>> {
    let index = kind.map_or(0, |k| {
        1 + ErrorKind::ALL
            .iter()
            .position(|&a| a == k)
            .expect("ALL holds every kind")
    });
    Ok(classes(py)?[index].bind(py).clone())
}

/// A `vqueue.QueueError` (the base class) with `message`.
pub fn queue_error(py: Python<'_>, message: String) -> PyErr {
    match class(py, None) {
        Ok(cls) => PyErr::from_type(cls, (message,)),
        Err(e) => e,
    }
}

/// Builds the exception for a core error; the error's fields become
/// attributes so callers need not parse the message.
pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    let cls = match class(py, Some(err.kind())) {
        Ok(cls) => cls,
        Err(e) => return e,
    };
    let exc = match cls.call1((err.to_string(),)) {
        Ok(exc) => exc,
        Err(e) => return e,
    };
    let attrs = || -> PyResult<()> {
        if let Some(path) = err.path() {
            exc.setattr("path", path.display().to_string())?;
        }
        if let Some(offset) = err.offset() {
            exc.setattr("offset", offset)?;
        }
        if let Some(name) = err.name() {
            exc.setattr("name", name)?;
        }
        if let Some(length) = err.length() {
            exc.setattr("length", length)?;
        }
        // `errno` is there on every `Io`, None when the OS gave no code.
        if err.kind() == ErrorKind::Io {
            exc.setattr("errno", err.errno())?;
        }
        Ok(())
    };
    if let Err(e) = attrs() {
        return e;
    }
    PyErr::from_value(exc)
}

/// Extension trait: `core_result.py(py)?`.
pub trait IntoPyResult<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    #[inline]
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// Runs a method body so that a Rust panic surfaces as `QueueError`, never as
/// pyo3's `PanicException` (a `BaseException` that `except Exception` misses),
/// then logs the warnings the body raised.
#[inline]
pub fn guard<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    let result = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => Err(queue_error(
            py,
            format!("internal error in vqueue: {}", panic_text(payload.as_ref())),
        )),
    };
    crate::warnings::emit(py);
    result
}
