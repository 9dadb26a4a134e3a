//! `vqueue.Queue`: the writer of a queue.

use std::path::PathBuf;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyTuple};
use vqueue_core::{Queue, WriterOptions};

use crate::convert::{body_from, durability_from, format_from, mode_from, mode_to, msg_type_from, Body};
use crate::errors::{guard, IntoPyResult};
use crate::lock::{attached, detached};

/// A queue opened for writing (``Mode.READ_WRITE``) or as a read-only view of
/// its current part (``Mode.READ``/``Mode.DEFAULT``).
///
/// Opening with ``Mode.READ_WRITE`` starts a new part (or reuses an empty
/// current one). A second read-write ``Queue`` for the same queue in this
/// process takes over and this one raises ``Closed``; in another process the
/// open raises ``AlreadyOpen`` while this writer lives.
///
/// ``format`` is ``"v2"`` (default) or ``"v3"`` (zstd dictionary compression);
/// ``durability`` is ``"none"`` (default: visible to other processes at once,
/// survives a process crash) or ``"sync"`` (fsync before ``push`` returns,
/// survives power loss). Usable as a context manager; safe to share between
/// threads.
#[pyclass(module = "vqueue", name = "Queue", frozen)]
pub struct PyQueue {
    inner: Mutex<Queue>,
    name: String,
}

#[pymethods]
impl PyQueue {
    #[new]
    #[pyo3(signature = (base_path, queue_name, mode, *, format = "v2", durability = "none"))]
    fn new(
        py: Python<'_>,
        base_path: PathBuf,
        queue_name: &str,
        mode: &Bound<'_, PyAny>,
        format: &str,
        durability: &str,
    ) -> PyResult<Self> {
        guard(py, || {
            let mode = mode_from(mode)?;
            let opts = WriterOptions {
                format: format_from(format)?,
                durability: durability_from(durability)?,
            };
            let queue = py
                .detach(|| Queue::open_with(&base_path, queue_name, mode, opts))
                .py(py)?;
            Ok(PyQueue {
                name: queue.name().to_owned(),
                inner: Mutex::new(queue),
            })
        })
    }

    /// Appends one message; returns the byte offset after its record (the
    /// part's right edge).
    fn push(&self, py: Python<'_>, data: &Bound<'_, PyAny>, msg_type: &Bound<'_, PyAny>) -> PyResult<u64> {
        guard(py, || {
            let t = msg_type_from(msg_type)?;
            let body = body_from(data)?;
            let body = body.as_slice();
            detached(py, &self.inner, |q| q.push(body, t))?.py(py)
        })
    }

    /// Appends every item of ``items`` (bytes) as one write; returns the right
    /// edge after the last record.
    fn push_batch(&self, py: Python<'_>, items: &Bound<'_, PyAny>, msg_type: &Bound<'_, PyAny>) -> PyResult<u64> {
        guard(py, || {
            let t = msg_type_from(msg_type)?;
            let objs: Vec<Bound<'_, PyAny>> = if let Ok(tuple) = items.cast::<PyTuple>() {
                tuple.iter().collect()
            } else {
                PyIterator::from_object(items)?.collect::<PyResult<_>>()?
            };
            let bodies: Vec<Body<'_>> = objs.iter().map(body_from).collect::<PyResult<_>>()?;
            let slices: Vec<&[u8]> = bodies.iter().map(Body::as_slice).collect();
            detached(py, &self.inner, |q| q.push_batch(&slices, t))?.py(py)
        })
    }

    /// Forces written records and metadata to stable storage now.
    fn sync(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || detached(py, &self.inner, |q| q.sync())?.py(py))
    }

    /// Closes the writer (idempotent). Records already pushed stay readable.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || detached(py, &self.inner, |q| q.close())?.py(py))
    }

    /// Records in the current part.
    #[getter]
    fn count_pushed(&self, py: Python<'_>) -> PyResult<u32> {
        guard(py, || attached(py, &self.inner, |_, q| Ok(q.count_pushed())))
    }

    /// The queue's name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// False once closed or taken over by a newer writer.
    #[getter]
    fn is_ready(&self, py: Python<'_>) -> PyResult<bool> {
        guard(py, || attached(py, &self.inner, |_, q| Ok(q.is_ready())))
    }

    /// Id of the part this handle writes to (or views).
    #[getter]
    fn part_id(&self, py: Python<'_>) -> PyResult<u32> {
        guard(py, || attached(py, &self.inner, |_, q| Ok(q.part_id())))
    }

    /// Byte offset after the last record of the current part.
    #[getter]
    fn right_edge(&self, py: Python<'_>) -> PyResult<u64> {
        guard(py, || attached(py, &self.inner, |_, q| Ok(q.right_edge())))
    }

    /// On-disk format of the current part: ``"v2"`` or ``"v3"``.
    #[getter]
    fn format(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || attached(py, &self.inner, |_, q| Ok(q.format().to_string())))
    }

    /// The ``Mode`` this handle was opened with.
    #[getter]
    fn mode(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        guard(py, || {
            let m = attached(py, &self.inner, |_, q| Ok(q.mode()))?;
            mode_to(py, m)
        })
    }

    /// Returns this handle; ``close()`` runs when the ``with`` block ends.
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the handle; exceptions propagate.
    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            attached(py, &self.inner, |_, q| {
                Ok(format!(
                    "<vqueue.Queue name={:?} part_id={} count_pushed={} is_ready={}>",
                    q.name(),
                    q.part_id(),
                    q.count_pushed(),
                    if q.is_ready() { "True" } else { "False" }
                ))
            })
        })
    }
}
