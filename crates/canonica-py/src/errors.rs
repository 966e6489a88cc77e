//! The one exception canonica raises, and how core errors and panics become it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    canonica,
    CanonicaError,
    PyValueError,
    "Every error canonica raises: bad records, malformed files, saved files that cannot be read, \
     out-of-range arguments. A subclass of ValueError; `file`, `line`, `record` and `field` say \
     where, when known."
);

/// Converts a core error into a `CanonicaError` with its location as attributes.
pub(crate) fn to_py_err(err: canonica::Error) -> PyErr {
    Python::attach(|py| {
        let py_err = CanonicaError::new_err(err.to_string());
        let value = py_err.value(py);
        let loc = err.location();
        let file = loc.file.as_ref().map(|f| f.display().to_string());
        let _ = value.setattr("file", file);
        let _ = value.setattr("line", loc.line);
        let _ = value.setattr("record", loc.record);
        let _ = value.setattr("field", loc.field.clone());
        py_err
    })
}

/// A `CanonicaError` with this message.
pub(crate) fn error(message: impl Into<String>) -> PyErr {
    CanonicaError::new_err(message.into())
}

/// A `CanonicaError` about a record (1-based) and, when known, its field, with both as
/// attributes.
pub(crate) fn record_error(message: impl Into<String>, record: u64, field: Option<&str>) -> PyErr {
    Python::attach(|py| {
        let err = error(message);
        let value = err.value(py);
        let _ = value.setattr("record", record);
        let _ = value.setattr("field", field);
        err
    })
}

/// Gives the class `None` for `file`, `line`, `record` and `field`, so that every
/// `CanonicaError` has them, raised by canonica or by anyone else.
pub(crate) fn add_location_defaults(py: Python<'_>) -> PyResult<()> {
    let class = py.get_type::<CanonicaError>();
    for name in ["file", "line", "record", "field"] {
        class.setattr(name, py.None())?;
    }
    Ok(())
}

/// Runs core code so that a bug there surfaces as a `CanonicaError`, never as a panic in Python.
pub(crate) fn guard<T>(f: impl FnOnce() -> T) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        error(format!("internal error in canonica: {what}"))
    })
}

/// Runs fallible core work with the GIL released, guarded against panics, with core errors
/// mapped to `CanonicaError`; a signal whose handler raises stops it (see `signals`).
pub(crate) fn run_detached<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> canonica::Result<T> + Send,
) -> PyResult<T> {
    crate::signals::run(py, f)
}
