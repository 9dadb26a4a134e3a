//! Argument and result translation between Python objects and core types.
//!
//! One rule for every argument (python/README.md, "Arguments"): a value of a
//! type the parameter does not take raises `TypeError`; a value of a type it
//! takes that is out of range or names no member raises `ValueError`.

use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyFloat, PyInt, PyString};
use vqueue_core::{Durability, Format, Mode, MsgType};

/// `MsgType.STRING`, `MsgType.OBJECT` and the `Mode` class, fetched once so
/// the hot path compares identities instead of calling into the enum module.
struct Enums {
    string: Py<PyAny>,
    object: Py<PyAny>,
    mode: Py<PyAny>,
}

static ENUMS: PyOnceLock<Enums> = PyOnceLock::new();

fn enums(py: Python<'_>) -> PyResult<&Enums> {
    ENUMS.get_or_try_init(py, || -> PyResult<_> {
        let module = py.import("vqueue")?;
        let msg_type = module.getattr("MsgType")?;
        Ok(Enums {
            string: msg_type.getattr("STRING")?.unbind(),
            object: msg_type.getattr("OBJECT")?.unbind(),
            mode: module.getattr("Mode")?.unbind(),
        })
    })
}

/// Accepts a `MsgType` member, or its value `S`/`O` as bytes or str, as
/// code written against the original binding sometimes passes.
#[inline]
pub fn msg_type_from(obj: &Bound<'_, PyAny>) -> PyResult<MsgType> {
    let py = obj.py();
    let e = enums(py)?;
    if obj.is(&e.string) {
        return Ok(MsgType::String);
    }
    if obj.is(&e.object) {
        return Ok(MsgType::Object);
    }
    msg_type_slow(obj)
}

#[cold]
fn msg_type_slow(obj: &Bound<'_, PyAny>) -> PyResult<MsgType> {
    let value = if let Ok(b) = obj.cast::<PyBytes>() {
        Some(b.as_bytes().to_vec())
    } else if let Ok(s) = obj.cast::<PyString>() {
        Some(s.to_cow()?.as_bytes().to_vec())
    } else {
        None
    };
    let message = || {
        format!(
            "msg_type must be MsgType.STRING or MsgType.OBJECT (or its value b'S'/b'O'), not {}",
            obj.repr().map(|r| r.to_string()).unwrap_or_default()
        )
    };
    match value.as_deref() {
        Some(b"S") => Ok(MsgType::String),
        Some(b"O") => Ok(MsgType::Object),
        Some(_) => Err(PyValueError::new_err(message())),
        None => Err(PyTypeError::new_err(message())),
    }
}

#[inline]
pub fn msg_type_to(py: Python<'_>, t: MsgType) -> PyResult<Py<PyAny>> {
    let e = enums(py)?;
    Ok(match t {
        MsgType::String => e.string.clone_ref(py),
        MsgType::Object => e.object.clone_ref(py),
    })
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_default()
}

pub fn mode_from(obj: &Bound<'_, PyAny>) -> PyResult<Mode> {
    let int = obj
        .cast::<PyInt>()
        .map_err(|_| PyTypeError::new_err(format!("mode must be a vqueue.Mode, not {}", type_name(obj))))?;
    int.extract::<i32>()
        .ok()
        .and_then(Mode::from_i32)
        .ok_or_else(|| PyValueError::new_err(format!("{int} is not a valid Mode")))
}

/// A count such as `pop_batch`'s `max`: an int >= 0; one too large for
/// this machine means "no limit".
pub fn count_from(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<usize> {
    let int = obj
        .cast::<PyInt>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be an int, not {}", type_name(obj))))?;
    if int.lt(0)? {
        return Err(PyValueError::new_err(format!("{what} must be >= 0, not {int}")));
    }
    Ok(int.extract::<usize>().unwrap_or(usize::MAX))
}

/// A timeout in seconds (int or float, >= 0); `None` when it is too long for
/// the clock to count (including `inf`): wait until something happens.
pub fn timeout_from(obj: &Bound<'_, PyAny>) -> PyResult<Option<Duration>> {
    let secs: f64 = if obj.cast::<PyFloat>().is_ok() || obj.cast::<PyInt>().is_ok() {
        obj.extract().unwrap_or(f64::INFINITY)
    } else {
        return Err(PyTypeError::new_err(format!(
            "timeout must be a number of seconds, not {}",
            type_name(obj)
        )));
    };
    if secs.is_nan() || secs < 0.0 {
        return Err(PyValueError::new_err(format!(
            "timeout must be a number of seconds >= 0, not {secs}"
        )));
    }
    Ok(Duration::try_from_secs_f64(secs).ok())
}

pub fn mode_to(py: Python<'_>, m: Mode) -> PyResult<Py<PyAny>> {
    Ok(enums(py)?.mode.bind(py).call1((m as i32,))?.unbind())
}

pub fn format_from(s: &str) -> PyResult<Format> {
    s.parse::<Format>()
        .map_err(|_| PyValueError::new_err(format!("format must be \"v2\" or \"v3\", not {s:?}")))
}

pub fn durability_from(s: &str) -> PyResult<Durability> {
    s.parse::<Durability>()
        .map_err(|_| PyValueError::new_err(format!("durability must be \"none\" or \"sync\", not {s:?}")))
}

/// A message body borrowed from `bytes` (no copy) or copied from a
/// `bytearray`, whose buffer may move while the GIL is released.
pub enum Body<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

impl Body<'_> {
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Body::Borrowed(b) => b,
            Body::Owned(v) => v,
        }
    }
}

#[inline]
pub fn body_from<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Body<'a>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Body::Borrowed(b.as_bytes()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Body::Owned(b.to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "data must be bytes or bytearray, not {}",
        obj.get_type().name().map(|n| n.to_string()).unwrap_or_default()
    )))
}
