//! The work that stays in Python, registered once by the package as it is imported
//! (`canonica/__init__.py` calls `_set_hooks`): reading a data frame's column, building a data
//! frame of results, telling which engine's worker runs the calling thread, and showing a
//! progress bar. The bindings call what was registered and know no module of the package by
//! name.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::errors::error;
use crate::resolver::PyResolver;

/// The registered callables.
struct Hooks {
    /// `resolve_frame(resolver, df, column, prefix, kind)`: a copy of the frame with the
    /// results appended.
    resolve_frame: Py<PyAny>,
    /// `names(values)`: what `resolve_many` reads for `values` (a data frame library's column as
    /// Arrow data or a list; anything else unchanged).
    names: Py<PyAny>,
    /// `worker_engine()`: the engine ("spark", "dask", "ray") whose worker task runs the calling
    /// thread, or None.
    worker_engine: Py<PyAny>,
    /// `progress_bar(total, what)`: a bar on standard error, called with (done, total) and
    /// closed with `close()`.
    progress_bar: Py<PyAny>,
}

static HOOKS: PyOnceLock<Hooks> = PyOnceLock::new();

fn hooks(py: Python<'_>) -> PyResult<&Hooks> {
    HOOKS.get(py).ok_or_else(|| {
        error("canonica._core was loaded without its Python package; import canonica instead")
    })
}

/// Registers the package's hooks; called once, by `canonica/__init__.py`.
#[pyfunction]
#[pyo3(signature = (*, resolve_frame, names, worker_engine, progress_bar))]
pub(crate) fn _set_hooks(
    py: Python<'_>,
    resolve_frame: Bound<'_, PyAny>,
    names: Bound<'_, PyAny>,
    worker_engine: Bound<'_, PyAny>,
    progress_bar: Bound<'_, PyAny>,
) -> PyResult<()> {
    for (what, hook) in [
        ("resolve_frame", &resolve_frame),
        ("names", &names),
        ("worker_engine", &worker_engine),
        ("progress_bar", &progress_bar),
    ] {
        if !hook.is_callable() {
            return Err(error(format!("the {what} hook must be callable")));
        }
    }
    let hooks = Hooks {
        resolve_frame: resolve_frame.unbind(),
        names: names.unbind(),
        worker_engine: worker_engine.unbind(),
        progress_bar: progress_bar.unbind(),
    };
    HOOKS
        .set(py, hooks)
        .map_err(|_| error("canonica's hooks are already set"))
}

/// `resolve_frame`'s work, in Python: `prefix` None for the default names of the added
/// columns, `progress` as the caller gave it.
pub(crate) fn resolve_frame<'py>(
    resolver: &Bound<'py, PyResolver>,
    df: &Bound<'py, PyAny>,
    column: String,
    prefix: Option<String>,
    kind: Option<String>,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = resolver.py();
    hooks(py)?
        .resolve_frame
        .bind(py)
        .call1((resolver, df, column, prefix, kind, progress))
}

/// A progress bar for `total` items, labelled `what`.
pub(crate) fn progress_bar<'py>(
    py: Python<'py>,
    total: usize,
    what: &str,
) -> PyResult<Bound<'py, PyAny>> {
    hooks(py)?.progress_bar.bind(py).call1((total, what))
}

/// The names `resolve_many` reads for `values`.
pub(crate) fn names<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    hooks(py)?.names.bind(py).call1((values,))
}

/// True when the calling thread runs a task of a Spark, Dask or Ray worker.
pub(crate) fn in_worker(py: Python<'_>) -> PyResult<bool> {
    Ok(!hooks(py)?.worker_engine.bind(py).call0()?.is_none())
}
