//! The one exception canonica raises, and how core errors and panics become it. A file that
//! cannot be read or written raises a subclass that is also the matching `OSError`
//! (`FileNotFoundError`, `PermissionError`, `IsADirectoryError`), as Python's own `open` would.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

create_exception!(
    canonica,
    CanonicaError,
    PyValueError,
    "Every error canonica raises: bad records, malformed files, saved files that cannot be\n\
     read, out-of-range arguments. A subclass of ValueError; `file`, `line`, `column`,\n\
     `record` and `field` say where, when known.\n\
     \n\
     A file that cannot be read or written raises a subclass that is also the OSError\n\
     Python raises for it: CanonicaFileNotFoundError (a FileNotFoundError),\n\
     CanonicaPermissionError (a PermissionError), CanonicaIsADirectoryError (an\n\
     IsADirectoryError) or CanonicaOSError (any other OSError)."
);

/// The `CanonicaError` subclasses for files: (name, the built-in `OSError` it also is, what
/// raises it).
const OS_ERRORS: [(&str, &str, &str); 4] = [
    (
        "CanonicaFileNotFoundError",
        "FileNotFoundError",
        "A file canonica was asked to read does not exist",
    ),
    (
        "CanonicaPermissionError",
        "PermissionError",
        "A file canonica may not read or write",
    ),
    (
        "CanonicaIsADirectoryError",
        "IsADirectoryError",
        "A directory given where canonica reads or writes a file",
    ),
    (
        "CanonicaOSError",
        "OSError",
        "Any other failure to read or write a file",
    ),
];

/// The classes of `OS_ERRORS`, made once, when the module is initialized.
static OS_ERROR_TYPES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

/// Makes the `CanonicaError` subclasses for files and adds them to the module.
pub(crate) fn add_os_errors(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let builtins = py.import("builtins")?;
    let mut types = Vec::new();
    for (name, base, what) in OS_ERRORS {
        let namespace = PyDict::new(py);
        namespace.set_item("__module__", "canonica")?;
        namespace.set_item(
            "__doc__",
            format!(
                "{what}.\n\
                 A CanonicaError and a built-in {base}: `errno`, `strerror` and\n\
                 `filename` are set as for {base}."
            ),
        )?;
        // The OSError first, so that its constructor sets errno, strerror and filename.
        let bases = PyTuple::new(
            py,
            [
                builtins.getattr(base)?,
                py.get_type::<CanonicaError>().into_any(),
            ],
        )?;
        let class = builtins.getattr("type")?.call1((name, bases, namespace))?;
        m.add(name, &class)?;
        types.push(class.cast_into::<PyType>()?.unbind());
    }
    let _ = OS_ERROR_TYPES.set(py, types);
    Ok(())
}

/// The exception for a core I/O error: the `CanonicaError` subclass that is also the `OSError`
/// Python raises for the same failure, made with `(errno, strerror, filename)`.
fn os_error(py: Python<'_>, err: &canonica::Error) -> Option<PyErr> {
    use std::io::ErrorKind;
    let kind = err.io_error_kind()?;
    let (slot, errno_name) = match kind {
        ErrorKind::NotFound => (0, "ENOENT"),
        ErrorKind::PermissionDenied => (1, "EACCES"),
        ErrorKind::IsADirectory => (2, "EISDIR"),
        _ => (3, ""),
    };
    let class = OS_ERROR_TYPES.get(py)?.get(slot)?.bind(py);
    let errno = match err.raw_os_error() {
        Some(code) => Some(code),
        None => py
            .import("errno")
            .and_then(|m| m.getattr(errno_name))
            .and_then(|v| v.extract::<i32>())
            .ok(),
    };
    let file = err
        .location()
        .file
        .as_ref()
        .map(|f| f.display().to_string());
    let args = (errno, err.message().to_string(), file);
    let value = class.call1(args).ok()?;
    Some(PyErr::from_value(value))
}

/// Converts a core error into a `CanonicaError` with its location as attributes.
pub(crate) fn to_py_err(err: canonica::Error) -> PyErr {
    Python::attach(|py| {
        let py_err = os_error(py, &err).unwrap_or_else(|| CanonicaError::new_err(err.to_string()));
        let value = py_err.value(py);
        let loc = err.location();
        let file = loc.file.as_ref().map(|f| f.display().to_string());
        let _ = value.setattr("file", file);
        let _ = value.setattr("line", loc.line);
        let _ = value.setattr("column", loc.column);
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

/// Makes `file`, `line`, `column`, `record` and `field` None on every `CanonicaError` that has
/// not set them, raised by canonica or by anyone else: the class answers for the attributes its
/// instances lack (a `__getattr__`, which leaves them out of the class's public names).
pub(crate) fn add_location_defaults(py: Python<'_>) -> PyResult<()> {
    let code = c"
def __getattr__(self, name):
    if name in ('file', 'line', 'column', 'record', 'field'):
        return None
    raise AttributeError(f'{type(self).__name__!r} object has no attribute {name!r}')
";
    let scope = pyo3::types::PyDict::new(py);
    py.run(code, Some(&scope), None)?;
    let getattr = scope
        .get_item("__getattr__")?
        .ok_or_else(|| error("__getattr__ was not defined"))?;
    py.get_type::<CanonicaError>()
        .setattr("__getattr__", getattr)
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
