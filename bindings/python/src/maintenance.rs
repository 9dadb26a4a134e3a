//! `inspect`, `verify`, `repair`, `cleanup`: the core reports as plain dicts,
//! which `vqueue.maintenance` turns into typed, documented dataclasses.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::IntoPyObjectExt;
use vqueue_core::{Progress, Result as CoreResult};

use crate::errors::{guard, IntoPyResult};

fn dict<'py>(py: Python<'py>, items: Vec<(&str, Bound<'py, PyAny>)>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in items {
        d.set_item(k, v)?;
    }
    Ok(d)
}

fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> PyResult<Bound<'py, PyAny>> {
    v.into_bound_py_any(py)
}

/// Runs a long core operation without the GIL; `progress(done, total)` is
/// called with the GIL taken back. The first exception it raises is kept and
/// raised once the operation has finished.
fn with_progress<R: Send>(
    py: Python<'_>,
    progress: Option<Py<PyAny>>,
    run: impl FnOnce(&mut dyn FnMut(Progress)) -> CoreResult<R> + Send,
) -> PyResult<R> {
    let (result, failure) = py.detach(|| {
        let mut failure: Option<PyErr> = None;
        let mut report = |p: Progress| {
            if let (Some(cb), None) = (&progress, &failure) {
                Python::attach(|py| {
                    if let Err(e) = cb.bind(py).call1((p.done_bytes, p.total_bytes)) {
                        failure = Some(e);
                    }
                });
            }
        };
        (run(&mut report), failure)
    });
    let value = result.py(py)?;
    match failure {
        Some(e) => Err(e),
        None => Ok(value),
    }
}

#[pyfunction]
pub fn inspect<'py>(py: Python<'py>, base_path: PathBuf, queue_name: &str) -> PyResult<Bound<'py, PyDict>> {
    guard(py, || {
        let info = py.detach(|| vqueue_core::inspect(&base_path, queue_name)).py(py)?;
        let parts = info
            .parts
            .iter()
            .map(|p| {
                dict(
                    py,
                    vec![
                        ("id", obj(py, p.id)?),
                        ("format", obj(py, p.format.to_string())?),
                        ("count", obj(py, p.count)?),
                        ("right_edge", obj(py, p.right_edge)?),
                        ("file_size", obj(py, p.file_size)?),
                        ("has_dict", obj(py, p.has_dict)?),
                        ("problem", obj(py, p.problem.as_deref())?),
                    ],
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        let consumers = info
            .consumers
            .iter()
            .map(|c| {
                dict(
                    py,
                    vec![
                        ("name", obj(py, c.name.as_str())?),
                        ("part", obj(py, c.part)?),
                        ("offset", obj(py, c.offset)?),
                        ("popped", obj(py, c.popped)?),
                        ("lag", obj(py, c.lag)?),
                        ("problem", obj(py, c.problem.as_deref())?),
                    ],
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        dict(
            py,
            vec![
                ("name", obj(py, info.name.as_str())?),
                ("writer_part", obj(py, info.writer_part)?),
                ("writer_active", obj(py, info.writer_active)?),
                ("parts", obj(py, parts)?),
                ("consumers", obj(py, consumers)?),
            ],
        )
    })
}

#[pyfunction]
#[pyo3(signature = (base_path, queue_name, progress = None))]
pub fn verify<'py>(
    py: Python<'py>,
    base_path: PathBuf,
    queue_name: &str,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    guard(py, || {
        let report = with_progress(py, progress, |p| vqueue_core::verify_with(&base_path, queue_name, p))?;
        let listed = |list: &[vqueue_core::Problem]| {
            list.iter()
                .map(|p| {
                    dict(
                        py,
                        vec![
                            ("file", obj(py, p.file.display().to_string())?),
                            ("part", obj(py, p.part)?),
                            ("offset", obj(py, p.offset)?),
                            ("detail", obj(py, p.detail.as_str())?),
                        ],
                    )
                })
                .collect::<PyResult<Vec<_>>>()
        };
        dict(
            py,
            vec![
                ("parts", obj(py, report.parts)?),
                ("records", obj(py, report.records)?),
                ("problems", obj(py, listed(&report.problems)?)?),
                ("leftovers", obj(py, listed(&report.leftovers)?)?),
            ],
        )
    })
}

#[pyfunction]
#[pyo3(signature = (base_path, queue_name, progress = None))]
pub fn repair<'py>(
    py: Python<'py>,
    base_path: PathBuf,
    queue_name: &str,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    guard(py, || {
        let report = with_progress(py, progress, |p| vqueue_core::repair_with(&base_path, queue_name, p))?;
        dict(
            py,
            vec![
                ("parts", obj(py, report.parts)?),
                ("records", obj(py, report.records)?),
                ("actions", obj(py, report.actions)?),
            ],
        )
    })
}

#[pyfunction]
#[pyo3(signature = (base_path, queue_name, dry_run = false))]
pub fn cleanup<'py>(
    py: Python<'py>,
    base_path: PathBuf,
    queue_name: &str,
    dry_run: bool,
) -> PyResult<Bound<'py, PyDict>> {
    guard(py, || {
        let report = py
            .detach(|| vqueue_core::cleanup(&base_path, queue_name, dry_run))
            .py(py)?;
        dict(
            py,
            vec![
                ("removed", obj(py, report.removed)?),
                ("kept", obj(py, report.kept)?),
                ("bytes_freed", obj(py, report.bytes_freed)?),
                ("notes", obj(py, report.notes)?),
            ],
        )
    })
}

#[pyfunction]
pub fn validate_name(py: Python<'_>, name: &str) -> PyResult<()> {
    guard(py, || vqueue_core::validate_name(name).py(py))
}
