//! How many threads `resolve_many` uses: the setting, and one thread by default inside Spark,
//! Dask and Ray workers. (The thread pool a forked child must forget: `fork.rs`.)

use pyo3::prelude::*;

use crate::convert::whole_of;
use crate::errors::{error, to_py_err};
use crate::hooks;

/// Sets how many threads `resolve_many` and `link_many` use; 0 means one per core, or the
/// value of the CANONICA_NUM_THREADS environment variable. Inside Spark, Dask and Ray
/// workers, which already run one task per core, the default is 1; a number set here or in
/// the environment variable wins over that.
#[pyfunction]
pub(crate) fn set_num_threads(py: Python<'_>, threads: &Bound<'_, PyAny>) -> PyResult<()> {
    let threads = whole_of(threads, "the number of threads")?;
    let threads = usize::try_from(threads).map_err(|_| {
        error(format!(
            "the number of threads must be 0 or more, not {threads}"
        ))
    })?;
    // The setting's lock is taken with the GIL released (see `fork.rs`).
    py.detach(|| canonica::set_num_threads(threads))
        .map_err(to_py_err)
}

/// How many threads `resolve_many` and `link_many` will use when called from this thread (1
/// in a task of a Spark, Dask or Ray worker unless set otherwise).
#[pyfunction]
pub(crate) fn num_threads(py: Python<'_>) -> PyResult<usize> {
    use_worker_default(py)?;
    Ok(py.detach(canonica::num_threads))
}

/// One thread per batch by default inside Spark, Dask and Ray workers, which already run a task
/// per core: sets the calling thread's default, which an explicit setting overrides.
pub(crate) fn use_worker_default(py: Python<'_>) -> PyResult<()> {
    let in_worker = hooks::in_worker(py)?;
    canonica::threads::set_thread_default(in_worker.then_some(1));
    Ok(())
}
