//! The `vqueue._vqueue` extension module: a thin translation layer over
//! `vqueue-core`. The public package `vqueue` re-exports these classes and
//! exceptions next to the enums it defines in Python.

mod cli;
mod consumer;
mod convert;
mod errors;
mod lock;
mod maintenance;
mod queue;
mod warnings;

use pyo3::prelude::*;

/// Panics on purpose, so the tests can prove that the panic barrier turns a
/// Rust panic into `QueueError` instead of letting it cross into Python.
#[pyfunction]
fn _panic(py: Python<'_>, message: &str) -> PyResult<()> {
    errors::guard(py, || panic!("{message}"))
}

#[pymodule]
fn _vqueue(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::add_to(m)?;
    warnings::install();
    m.add_class::<queue::PyQueue>()?;
    m.add_class::<consumer::PyConsumer>()?;
    m.add_class::<consumer::PyMessage>()?;
    m.add_function(wrap_pyfunction!(maintenance::inspect, m)?)?;
    m.add_function(wrap_pyfunction!(maintenance::verify, m)?)?;
    m.add_function(wrap_pyfunction!(maintenance::repair, m)?)?;
    m.add_function(wrap_pyfunction!(maintenance::cleanup, m)?)?;
    m.add_function(wrap_pyfunction!(maintenance::validate_name, m)?)?;
    m.add_function(wrap_pyfunction!(cli::cli_main, m)?)?;
    m.add_function(wrap_pyfunction!(_panic, m)?)?;
    Ok(())
}
