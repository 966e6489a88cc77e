//! Signals while canonica works. Python runs a signal's handler (the one that raises
//! `KeyboardInterrupt` for Ctrl-C) only on the main thread and only when asked, so:
//!
//! - core work runs under an interrupt whose poll, at most every 20 ms, takes the GIL on the
//!   main thread and runs the handlers of signals that arrived (`PyErr_CheckSignals`); a handler
//!   that raises stops the work, and its exception is what the call raises;
//! - loops that convert Python objects let other threads run (as Python code does) and ask for
//!   the handlers every [`CHECK_EVERY`] items, and a call asks once more before it returns, so
//!   that a handler's exception is raised in the caller, not later inside some finalizer where
//!   Python could only print it as ignored;
//! - a conversion that fails with an exception other than a conversion error (`TypeError`,
//!   `ValueError`, `OverflowError`, `AttributeError`), such as the `KeyboardInterrupt` of a
//!   handler that ran in a `__index__` or `__iter__` written in Python, is passed on as it is,
//!   never turned into a `CanonicaError`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use canonica::interrupt::Interrupt;
use pyo3::exceptions::{PyAttributeError, PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::errors::{error, guard, to_py_err};

/// Loops over Python objects run the signal handlers every this many items.
pub(crate) const CHECK_EVERY: usize = 1024;

/// The `threading` identifier of the main thread, once known (0 before); a forked child sets
/// it again (see [`after_fork`]).
static MAIN_THREAD: AtomicU64 = AtomicU64::new(0);

fn thread_ident(py: Python<'_>) -> PyResult<u64> {
    py.import("threading")?.call_method0("get_ident")?.extract()
}

/// True on the thread that runs Python's signal handlers.
fn on_main_thread(py: Python<'_>) -> bool {
    let mut main = MAIN_THREAD.load(Ordering::Relaxed);
    if main == 0 {
        let known = py
            .import("threading")
            .and_then(|t| t.call_method0("main_thread"))
            .and_then(|t| t.getattr("ident"))
            .and_then(|i| i.extract::<u64>());
        main = known.unwrap_or(0);
        MAIN_THREAD.store(main, Ordering::Relaxed);
    }
    thread_ident(py).is_ok_and(|ident| ident == main)
}

/// Called in a forked child: the thread that forked is its main thread.
pub(crate) fn after_fork(py: Python<'_>) {
    MAIN_THREAD.store(thread_ident(py).unwrap_or(0), Ordering::Relaxed);
}

/// Runs `work` with the GIL released, under the panic guard and an interrupt that Python's
/// signal handlers stop: the exception a handler raised is returned instead of the work's
/// result. Core errors become `CanonicaError`s.
pub(crate) fn run<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> canonica::Result<T> + Send,
) -> PyResult<T> {
    if !on_main_thread(py) {
        return py.detach(|| guard(work))?.map_err(to_py_err);
    }
    let raised: Arc<Mutex<Option<PyErr>>> = Arc::default();
    let slot = Arc::clone(&raised);
    let interrupt = Interrupt::with_poll(move || {
        Python::attach(|py| match py.check_signals() {
            Ok(()) => false,
            Err(err) => {
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(err);
                true
            }
        })
    });
    let out = py.detach(|| guard(|| interrupt.run(work)));
    if let Some(err) = raised.lock().unwrap_or_else(|e| e.into_inner()).take() {
        return Err(err);
    }
    // A signal in the last stretch of the work: its handler runs now, in this call.
    py.check_signals()?;
    match out? {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) | Err(err) => Err(to_py_err(err)),
    }
}

/// Every [`CHECK_EVERY`] items of a loop (`i` is the item's position): lets other Python
/// threads run, as Python code does every few milliseconds (a thread that waits for the GIL
/// gets it), then runs the handlers of signals that arrived.
pub(crate) fn check_every(py: Python<'_>, i: usize) -> PyResult<()> {
    if i % CHECK_EVERY == 0 {
        py.detach(|| ());
        py.check_signals()?;
    }
    Ok(())
}

/// True for the exceptions a conversion raises for a value of the wrong type or range.
pub(crate) fn is_conversion_error(py: Python<'_>, err: &PyErr) -> bool {
    err.is_instance_of::<PyTypeError>(py)
        || err.is_instance_of::<PyValueError>(py)
        || err.is_instance_of::<PyOverflowError>(py)
        || err.is_instance_of::<PyAttributeError>(py)
}

/// `err` as a `CanonicaError` with `message` when it is a conversion error; any other
/// exception (a signal handler's, a `MemoryError`) as it is.
pub(crate) fn refuse(py: Python<'_>, err: PyErr, message: impl FnOnce() -> String) -> PyErr {
    if is_conversion_error(py, &err) {
        error(message())
    } else {
        err
    }
}
