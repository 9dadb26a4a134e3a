//! `vqueue._vqueue.main`: the `vqueue` command line, run by `python -m
//! vqueue` and the package's `vqueue` script.

use std::ffi::OsString;

use pyo3::prelude::*;

use crate::errors::guard;
use crate::warnings;

/// Runs the `vqueue` command line with `argv` (the arguments after the
/// program name) and returns its exit code. Output goes straight to the
/// process's stdout and stderr, so Python's buffered streams are flushed first.
#[pyfunction]
#[pyo3(name = "main")]
pub fn cli_main(py: Python<'_>, argv: Vec<OsString>) -> PyResult<u8> {
    guard(py, || {
        let sys = py.import("sys")?;
        for stream in ["stdout", "stderr"] {
            let s = sys.getattr(stream)?;
            if !s.is_none() {
                s.call_method0("flush")?;
            }
        }
        let code = py.detach(|| vqueue_cli::main(argv));
        // The command sent warnings to stderr while it ran; back to logging.
        warnings::install();
        Ok(code)
    })
}
