//! Argument and result translation between Python objects and core types.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes};
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

/// Accepts a `MsgType` member, or its value `b'S'`/`b'O'` (or `"S"`/`"O"`) as
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
        b.as_bytes().to_vec()
    } else if let Ok(s) = obj.extract::<String>() {
        s.into_bytes()
    } else {
        Vec::new()
    };
    match value.as_slice() {
        b"S" => Ok(MsgType::String),
        b"O" => Ok(MsgType::Object),
        _ => Err(PyTypeError::new_err(format!(
            "msg_type must be MsgType.STRING or MsgType.OBJECT, not {}",
            obj.repr().map(|r| r.to_string()).unwrap_or_default()
        ))),
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

pub fn mode_from(obj: &Bound<'_, PyAny>) -> PyResult<Mode> {
    let v: i32 = obj
        .extract()
        .map_err(|_| PyTypeError::new_err("mode must be a vqueue.Mode"))?;
    Mode::from_i32(v).ok_or_else(|| PyValueError::new_err(format!("{v} is not a valid Mode")))
}

pub fn mode_to(py: Python<'_>, m: Mode) -> PyResult<Py<PyAny>> {
    Ok(enums(py)?.mode.bind(py).call1((m as i32,))?.unbind())
}

pub fn format_from(s: &str) -> PyResult<Format> {
    s.parse::<Format>()
        .map_err(|_| PyValueError::new_err(format!("format must be \"v2\" or \"v3\", not {s:?}")))
}

pub fn durability_from(s: &str) -> PyResult<Durability> {
    s.parse::<Durability>().map_err(|_| {
        PyValueError::new_err(format!(
            "durability must be \"none\" or \"sync\", not {s:?}"
        ))
    })
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
        obj.get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    )))
}
