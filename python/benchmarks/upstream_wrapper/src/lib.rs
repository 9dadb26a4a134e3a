//! The original binding's API over upstream `v_queue` 0.3.3, written the way
//! that binding works (no GIL release, a zeroed buffer per body, then a copy
//! into `bytes`), so the benchmark measures what users of the original
//! package get.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use v_queue::consumer::Consumer as UConsumer;
use v_queue::queue::Queue as UQueue;
use v_queue::record::{ErrorQueue, FormatVersion, Mode as UMode, MsgType as UMsgType};

fn err(e: ErrorQueue) -> PyErr {
    PyValueError::new_err(e.as_str())
}

#[pyclass(eq, eq_int, from_py_object)]
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    #[pyo3(name = "READ")]
    Read = 0,
    #[pyo3(name = "READ_WRITE")]
    ReadWrite = 1,
    #[pyo3(name = "DEFAULT")]
    Default = 2,
}

impl Mode {
    fn to_upstream(self) -> UMode {
        match self {
            Mode::Read => UMode::Read,
            Mode::ReadWrite => UMode::ReadWrite,
            Mode::Default => UMode::Default,
        }
    }
}

#[pyclass(eq, eq_int, from_py_object)]
#[derive(Clone, Copy, PartialEq)]
enum MsgType {
    #[pyo3(name = "STRING")]
    String,
    #[pyo3(name = "OBJECT")]
    Object,
}

#[pyclass(unsendable)]
struct Queue {
    inner: UQueue,
}

#[pymethods]
impl Queue {
    #[new]
    #[pyo3(signature = (base_path, queue_name, mode, format = "v2"))]
    fn new(base_path: &str, queue_name: &str, mode: Mode, format: &str) -> PyResult<Self> {
        let f = if format == "v3" {
            FormatVersion::V3
        } else {
            FormatVersion::V2
        };
        UQueue::new_with_format(base_path, queue_name, mode.to_upstream(), f)
            .map(|inner| Queue { inner })
            .map_err(err)
    }

    fn push(&mut self, data: &[u8], msg_type: MsgType) -> PyResult<u64> {
        let t = match msg_type {
            MsgType::String => UMsgType::String,
            MsgType::Object => UMsgType::Object,
        };
        self.inner.push(data, t).map_err(err)
    }

    #[getter]
    fn count_pushed(&self) -> u32 {
        self.inner.count_pushed
    }

    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    #[getter]
    fn is_ready(&self) -> bool {
        self.inner.is_ready
    }
}

#[pyclass(unsendable)]
struct Consumer {
    inner: UConsumer,
}

#[pymethods]
impl Consumer {
    #[new]
    fn new(base_path: &str, consumer_name: &str, queue_name: &str) -> PyResult<Self> {
        UConsumer::new(base_path, consumer_name, queue_name)
            .map(|inner| Consumer { inner })
            .map_err(err)
    }

    #[staticmethod]
    fn new_with_mode(base_path: &str, consumer_name: &str, queue_name: &str, mode: Mode) -> PyResult<Self> {
        UConsumer::new_with_mode(base_path, consumer_name, queue_name, mode.to_upstream())
            .map(|inner| Consumer { inner })
            .map_err(err)
    }

    fn pop_header(&mut self) -> bool {
        self.inner.pop_header()
    }

    fn pop_body<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let mut buf = vec![0u8; self.inner.record_len()];
        match self.inner.pop_body(&mut buf) {
            Ok(n) => Ok(Some(PyBytes::new(py, &buf[..n]))),
            Err(ErrorQueue::FailReadTailMessage) => Ok(None),
            Err(e) => Err(err(e)),
        }
    }

    fn commit(&mut self) -> bool {
        self.inner.commit()
    }

    fn get_batch_size(&mut self) -> u32 {
        self.inner.get_batch_size()
    }

    #[getter]
    fn count_popped(&self) -> u32 {
        self.inner.count_popped
    }

    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }
}

#[pymodule]
fn vqueue_upstream(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Mode>()?;
    m.add_class::<MsgType>()?;
    m.add_class::<Queue>()?;
    m.add_class::<Consumer>()?;
    Ok(())
}
