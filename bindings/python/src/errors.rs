//! Translation of core errors and Rust panics into the Python exception
//! hierarchy of `vqueue.errors`.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use vqueue_core::{Error, ErrorKind};

/// The classes live in Python so they carry docstrings and pickle by name;
/// they are looked up once and cached.
static CLASSES: PyOnceLock<[Py<PyType>; 10]> = PyOnceLock::new();

const NAMES: [&str; 10] = [
    "QueueError",
    "AlreadyOpen",
    "NotFound",
    "InvalidName",
    "InvalidChecksum",
    "Corrupt",
    "ReadOnly",
    "Closed",
    "TooLarge",
    "Io",
];

fn class_index(kind: ErrorKind) -> usize {
    match kind {
        ErrorKind::AlreadyOpen => 1,
        ErrorKind::NotFound => 2,
        ErrorKind::InvalidName => 3,
        ErrorKind::InvalidChecksum => 4,
        ErrorKind::Corrupt => 5,
        ErrorKind::ReadOnly => 6,
        ErrorKind::Closed => 7,
        ErrorKind::TooLarge => 8,
        ErrorKind::Io => 9,
    }
}

fn class(py: Python<'_>, index: usize) -> PyResult<Bound<'_, PyType>> {
    let classes = CLASSES.get_or_try_init(py, || -> PyResult<_> {
        let module = py.import("vqueue.errors")?;
        let mut found: Vec<Py<PyType>> = Vec::with_capacity(NAMES.len());
        for name in NAMES {
            found.push(module.getattr(name)?.cast_into::<PyType>()?.unbind());
        }
        Ok(found.try_into().expect("ten names give ten classes"))
    })?;
    Ok(classes[index].bind(py).clone())
}

/// A `vqueue.QueueError` (the base class) with `message`.
pub fn queue_error(py: Python<'_>, message: String) -> PyErr {
    match class(py, 0) {
        Ok(cls) => PyErr::from_type(cls, (message,)),
        Err(e) => e,
    }
}

/// Builds the exception for a core error; structured fields become
/// attributes so callers need not parse the message.
pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    let cls = match class(py, class_index(err.kind())) {
        Ok(cls) => cls,
        Err(e) => return e,
    };
    let message = err.to_string();
    let exc = match cls.call1((message,)) {
        Ok(exc) => exc,
        Err(e) => return e,
    };
    let attrs = || -> PyResult<()> {
        match &err {
            Error::InvalidChecksum { path, offset, .. } | Error::Corrupt { path, offset, .. } => {
                exc.setattr("path", path.display().to_string())?;
                exc.setattr("offset", *offset)?;
            }
            Error::InvalidName { name, .. } => exc.setattr("name", name.as_str())?,
            Error::TooLarge { len } => exc.setattr("length", *len)?,
            Error::Io { source, .. } => exc.setattr("errno", source.raw_os_error())?,
            _ => {}
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
/// pyo3's `PanicException` (a `BaseException` that `except Exception` misses).
#[inline]
pub fn guard<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => Err(queue_error(
            py,
            format!("internal error in vqueue: {}", panic_text(payload.as_ref())),
        )),
    }
}
