//! `vqueue.Consumer` and `vqueue.Message`.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use vqueue_core::{Consumer, Mode, Start};

use crate::convert::{self, mode_from, mode_to, msg_type_to};
use crate::errors::{guard, IntoPyResult};
use crate::lock::{attached, detached};

/// Bodies at least this long are read with the GIL released; shorter ones are
/// a memcpy, for which releasing and retaking the GIL would cost more than
/// it frees.
const DETACH_BODY_LEN: u32 = 64 * 1024;

/// Upper bound of one uninterruptible slice of `wait`, so Ctrl-C is seen.
const WAIT_SLICE: Duration = Duration::from_millis(100);

/// One message read by ``Consumer.pop``, ``pop_batch`` or iteration.
///
/// ``body`` (bytes), ``msg_type`` (``MsgType``), ``part`` (id of the part it
/// was read from) and ``offset`` (byte offset of its record in that part).
#[pyclass(module = "vqueue", name = "Message", frozen, eq)]
pub struct PyMessage {
    #[pyo3(get)]
    body: Py<PyBytes>,
    #[pyo3(get)]
    msg_type: Py<PyAny>,
    #[pyo3(get)]
    part: u32,
    #[pyo3(get)]
    offset: u64,
}

impl PartialEq for PyMessage {
    fn eq(&self, other: &Self) -> bool {
        Python::attach(|py| {
            self.part == other.part
                && self.offset == other.offset
                && self.msg_type.bind(py).is(&other.msg_type)
                && self.body.bind(py).as_bytes() == other.body.bind(py).as_bytes()
        })
    }
}

#[pymethods]
impl PyMessage {
    #[new]
    fn new(body: Py<PyBytes>, msg_type: Py<PyAny>, part: u32, offset: u64) -> Self {
        PyMessage {
            body,
            msg_type,
            part,
            offset,
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Message(body={}, msg_type={}, part={}, offset={})",
            self.body.bind(py).repr()?,
            self.msg_type.bind(py).repr()?,
            self.part,
            self.offset
        ))
    }
}

/// The body of the record whose header is pending, copied once, straight
/// from the core's buffer into a new `bytes`.
fn take_body(py: Python<'_>, c: &mut Consumer) -> PyResult<Option<Py<PyBytes>>> {
    let large = c.record_len().is_some_and(|n| n >= DETACH_BODY_LEN);
    let r = if large {
        py.detach(|| c.pop_body_with(|b| Python::attach(|py| PyBytes::new(py, b).unbind())))
    } else {
        c.pop_body_with(|b| PyBytes::new(py, b).unbind())
    };
    r.py(py)
}

/// The pending record as a `Message`; its part and offset are read before
/// the body is taken, while they still describe this record.
fn take_message(py: Python<'_>, c: &mut Consumer) -> PyResult<Option<PyMessage>> {
    let (part, offset) = (c.part_id(), Consumer::position(c));
    let Some(t) = c.msg_type() else {
        return Ok(None);
    };
    let Some(body) = take_body(py, c)? else {
        return Ok(None);
    };
    Ok(Some(PyMessage {
        body,
        msg_type: msg_type_to(py, t)?,
        part,
        offset,
    }))
}

/// A named cursor over a queue; each consumer receives every message, in
/// push order, independently of the others.
///
/// ``Consumer(base_path, consumer_name, queue_name)`` opens a read-write
/// consumer whose position is saved by ``commit()``; a consumer without a
/// saved position starts at the writer's current part. It crosses parts on
/// its own. Without ``commit()``, a reopened consumer re-reads from its last
/// commit (at-least-once).
///
/// The original protocol is ``pop_header()`` then ``pop_body()`` then
/// ``commit()``; ``pop()``, ``pop_batch()`` and ``for msg in consumer`` return
/// ``Message`` objects (iteration does not commit). ``wait(timeout)`` blocks
/// without spinning until a message is available. Usable as a context manager;
/// safe to share between threads.
#[pyclass(module = "vqueue", name = "Consumer", frozen)]
pub struct PyConsumer {
    inner: Mutex<Consumer>,
    name: String,
    queue_name: String,
}

impl PyConsumer {
    fn wrap(c: Consumer) -> Self {
        PyConsumer {
            name: c.name().to_owned(),
            queue_name: c.queue_name().to_owned(),
            inner: Mutex::new(c),
        }
    }

    fn open(py: Python<'_>, base: PathBuf, consumer: &str, queue: &str, mode: Mode) -> PyResult<Self> {
        let c = py
            .detach(|| Consumer::open_with_mode(&base, consumer, queue, mode))
            .py(py)?;
        Ok(Self::wrap(c))
    }
}

#[pymethods]
impl PyConsumer {
    #[new]
    fn new(py: Python<'_>, base_path: PathBuf, consumer_name: &str, queue_name: &str) -> PyResult<Self> {
        guard(py, || {
            Self::open(py, base_path, consumer_name, queue_name, Mode::ReadWrite)
        })
    }

    /// Opens a consumer with an explicit ``Mode``: ``Mode.READ`` (and
    /// ``Mode.DEFAULT``) consumers never write a file and cannot commit.
    #[staticmethod]
    fn new_with_mode(
        py: Python<'_>,
        base_path: PathBuf,
        consumer_name: &str,
        queue_name: &str,
        mode: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        guard(py, || {
            let mode = mode_from(mode)?;
            Self::open(py, base_path, consumer_name, queue_name, mode)
        })
    }

    /// Opens a read-only cursor that writes no file.
    ///
    /// ``start="first"`` reads from the first existing part, ``"current"``
    /// from the writer's current part; ``consumer=NAME`` starts at that saved
    /// consumer's position instead.
    #[staticmethod]
    #[pyo3(signature = (base_path, queue_name, *, start = "first", consumer = None))]
    fn reader(
        py: Python<'_>,
        base_path: PathBuf,
        queue_name: &str,
        start: &str,
        consumer: Option<String>,
    ) -> PyResult<Self> {
        guard(py, || {
            let start = match (consumer, start) {
                (Some(name), _) => Start::Consumer(name),
                (None, "first") => Start::FirstPart,
                (None, "current") => Start::CurrentPart,
                (None, other) => {
                    return Err(PyValueError::new_err(format!(
                        "start must be \"first\" or \"current\", not {other:?}"
                    )))
                }
            };
            let c = py
                .detach(|| Consumer::open_reader(&base_path, queue_name, start))
                .py(py)?;
            Ok(Self::wrap(c))
        })
    }

    /// Reads the next record's header; True when a record is ready for
    /// ``pop_body()``, False when there is nothing (yet) to read.
    fn pop_header(&self, py: Python<'_>) -> PyResult<bool> {
        guard(py, || detached(py, &self.inner, |c| c.pop_header())?.py(py))
    }

    /// Returns the body of the record whose header was popped and advances
    /// past it; None when no header was popped.
    fn pop_body(&self, py: Python<'_>) -> PyResult<Option<Py<PyBytes>>> {
        guard(py, || attached(py, &self.inner, take_body))
    }

    /// Saves the position after the last popped record; True on success.
    /// Raises ``ReadOnly`` on a read-only consumer.
    fn commit(&self, py: Python<'_>) -> PyResult<bool> {
        guard(py, || {
            detached(py, &self.inner, |c| c.commit())?.py(py)?;
            Ok(true)
        })
    }

    /// Unread records in the consumer's current part.
    fn get_batch_size(&self, py: Python<'_>) -> PyResult<u32> {
        guard(py, || detached(py, &self.inner, |c| c.get_batch_size())?.py(py))
    }

    /// The next ``Message``, or None when there is nothing to read.
    fn pop(&self, py: Python<'_>) -> PyResult<Option<PyMessage>> {
        // Header and body under one lock, so a thread sharing this consumer
        // cannot take the record in between; attached for the reason given
        // at pop_batch.
        guard(py, || {
            attached(py, &self.inner, |py, c| {
                if !c.pop_header().py(py)? {
                    return Ok(None);
                }
                take_message(py, c)
            })
        })
    }

    /// Up to ``max`` messages (fewer when fewer are available) as a list.
    fn pop_batch<'py>(&self, py: Python<'py>, max: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let max = convert::count_from(max, "max")?;
        // Attached throughout: records come from the core's read buffer, and
        // the only system calls are an occasional buffer refill and the final
        // look at the part's info file; large bodies still release the GIL.
        guard(py, || {
            let items = attached(py, &self.inner, |py, c| {
                if max == 0 {
                    // The loop below would not touch the handle: let the core
                    // answer, so a closed or taken-over consumer says so.
                    c.pop_batch(0).py(py)?;
                }
                let mut items = Vec::with_capacity(max.min(4096));
                while items.len() < max && c.pop_header().py(py)? {
                    match take_message(py, c)? {
                        Some(m) => items.push(m),
                        None => break,
                    }
                }
                Ok(items)
            })?;
            PyList::new(py, items)
        })
    }

    /// Blocks without spinning until a record is available (True) or
    /// ``timeout`` seconds pass (False). Ctrl-C interrupts it.
    fn wait(&self, py: Python<'_>, timeout: &Bound<'_, PyAny>) -> PyResult<bool> {
        guard(py, || {
            let limit = convert::timeout_from(timeout)?;
            let deadline = limit.and_then(|d| Instant::now().checked_add(d));
            loop {
                let left = deadline.map_or(WAIT_SLICE, |d| d.saturating_duration_since(Instant::now()));
                let slice = left.min(WAIT_SLICE);
                if detached(py, &self.inner, |c| c.wait(slice))?.py(py)? {
                    return Ok(true);
                }
                if deadline.is_some() && left <= WAIT_SLICE {
                    return Ok(false);
                }
                py.check_signals()?;
            }
        })
    }

    /// Awaitable ``wait``: suspends the coroutine until a record is available
    /// (True) or ``timeout`` seconds pass (False), probing between
    /// ``asyncio.sleep``s so the event loop keeps running. Cancellable.
    fn wait_async(slf: Py<Self>, py: Python<'_>, timeout: f64) -> PyResult<Py<PyAny>> {
        Ok(py.import("vqueue._aio")?.call_method1("wait", (slf, timeout))?.unbind())
    }

    /// Unread records across all parts.
    #[getter]
    fn backlog(&self, py: Python<'_>) -> PyResult<u64> {
        guard(py, || detached(py, &self.inner, |c| c.backlog())?.py(py))
    }

    /// Resynchronises past a damaged record; returns how many records were lost.
    fn skip_corrupt(&self, py: Python<'_>) -> PyResult<u64> {
        guard(py, || detached(py, &self.inner, |c| c.skip_corrupt())?.py(py))
    }

    /// Forces the saved position to stable storage now.
    fn sync(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || detached(py, &self.inner, |c| c.sync())?.py(py))
    }

    /// Closes the consumer (idempotent). Does not commit.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || detached(py, &self.inner, |c| c.close())?.py(py))
    }

    /// The consumer's name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The name of the queue it reads.
    #[getter]
    fn queue_name(&self) -> &str {
        &self.queue_name
    }

    /// Records popped in the current part.
    #[getter]
    fn count_popped(&self, py: Python<'_>) -> PyResult<u32> {
        guard(py, || attached(py, &self.inner, |_, c| Ok(c.count_popped())))
    }

    /// Id of the part being read.
    #[getter]
    fn part_id(&self, py: Python<'_>) -> PyResult<u32> {
        guard(py, || attached(py, &self.inner, |_, c| Ok(c.part_id())))
    }

    /// Byte offset after the last popped record in the current part.
    #[getter]
    fn position(&self, py: Python<'_>) -> PyResult<u64> {
        guard(py, || attached(py, &self.inner, |_, c| Ok(Consumer::position(c))))
    }

    /// ``MsgType`` of the popped header, or None.
    #[getter]
    fn msg_type(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        guard(py, || {
            let t = attached(py, &self.inner, |_, c| Ok(c.msg_type()))?;
            t.map(|t| msg_type_to(py, t)).transpose()
        })
    }

    /// Decoded body length of the popped header, or None.
    #[getter]
    fn record_len(&self, py: Python<'_>) -> PyResult<Option<u32>> {
        guard(py, || attached(py, &self.inner, |_, c| Ok(c.record_len())))
    }

    /// False once closed or taken over by a newer handle of the same name.
    #[getter]
    fn is_ready(&self, py: Python<'_>) -> PyResult<bool> {
        guard(py, || attached(py, &self.inner, |_, c| Ok(c.is_ready())))
    }

    /// The ``Mode`` this consumer was opened with.
    #[getter]
    fn mode(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        guard(py, || {
            let m = attached(py, &self.inner, |_, c| Ok(c.mode()))?;
            mode_to(py, m)
        })
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyMessage>> {
        self.pop(py)
    }

    /// ``async for``: every message from the position on, waiting for new
    /// ones without blocking the event loop; it never ends by itself (break
    /// out, or cancel the task). Does not commit.
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__(slf: Py<Self>, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(py.import("vqueue._aio")?.call_method1("next_message", (slf,))?.unbind())
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
            attached(py, &self.inner, |_, c| {
                Ok(format!(
                    "<vqueue.Consumer name={:?} queue={:?} part_id={} position={} is_ready={}>",
                    c.name(),
                    c.queue_name(),
                    c.part_id(),
                    Consumer::position(c),
                    if c.is_ready() { "True" } else { "False" }
                ))
            })
        })
    }
}
