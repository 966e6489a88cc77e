//! Progress of long batches (`resolve_many`, `resolve_frame`, `link_many`, `cluster`): the `progress=`
//! argument, and batches run in chunks with the GIL released, reporting between chunks.
//!
//! `progress=False` (the default) runs the batch in one call, exactly as without progress.
//! `progress=True` shows a bar on standard error (tqdm when it is installed; the package's hook
//! makes it); a callable is called with `(done, total)` after each chunk. Between chunks Ctrl-C
//! is looked for, so a long batch with progress can be interrupted.

use pyo3::prelude::*;
use pyo3::types::PyBool;

use crate::convert::type_name;
use crate::errors::error;
use crate::hooks;
use crate::signals;

/// The fewest items in a chunk: below this, the cost of a chunk (a thread pool call, the GIL
/// taken back) would show.
const MIN_CHUNK: usize = 256;
/// About how many times a batch reports, at most.
const REPORTS: usize = 100;

/// Where progress goes.
pub(crate) enum Reporter {
    /// A callable of the user's, called with (done, total).
    Callback(Py<PyAny>),
    /// A bar made by the package's hook: called with (done, total), closed at the end.
    Bar(Py<PyAny>),
}

impl Reporter {
    /// The reporter that `progress` asks for, or None for no progress (None or False).
    pub(crate) fn from_arg(
        py: Python<'_>,
        progress: Option<&Bound<'_, PyAny>>,
        total: usize,
        what: &str,
    ) -> PyResult<Option<Reporter>> {
        let Some(progress) = progress.filter(|p| !p.is_none()) else {
            return Ok(None);
        };
        if let Ok(flag) = progress.cast::<PyBool>() {
            if !flag.is_true() {
                return Ok(None);
            }
            return Ok(Some(Reporter::Bar(
                hooks::progress_bar(py, total, what)?.unbind(),
            )));
        }
        if progress.is_callable() {
            return Ok(Some(Reporter::Callback(progress.clone().unbind())));
        }
        Err(error(format!(
            "progress must be True, False or a callable taking (done, total), not {}",
            type_name(progress)
        )))
    }

    pub(crate) fn report(&self, py: Python<'_>, done: usize, total: usize) -> PyResult<()> {
        match self {
            Reporter::Callback(f) | Reporter::Bar(f) => f.bind(py).call1((done, total)).map(drop),
        }
    }

    pub(crate) fn close(&self, py: Python<'_>) -> PyResult<()> {
        match self {
            Reporter::Callback(_) => Ok(()),
            Reporter::Bar(bar) => bar.bind(py).call_method0("close").map(drop),
        }
    }
}

/// The size of the chunks a batch of `total` items runs in when it reports progress.
fn chunk_size(total: usize) -> usize {
    total.div_ceil(REPORTS).max(MIN_CHUNK)
}

/// `work` over `items`, with the GIL released, panics guarded and signals looked for (see
/// `signals::run`). Without a reporter, in one call; with one, chunk by chunk, reporting
/// (done, total) after each.
pub(crate) fn run_batch<T: Sync, R: Send>(
    py: Python<'_>,
    items: &[T],
    reporter: Option<Reporter>,
    work: impl Fn(&[T]) -> Vec<R> + Sync,
) -> PyResult<Vec<R>> {
    let Some(reporter) = reporter else {
        return signals::run(py, || Ok(work(items)));
    };
    let total = items.len();
    let result = (|| -> PyResult<Vec<R>> {
        reporter.report(py, 0, total)?;
        let mut out = Vec::with_capacity(total);
        for chunk in items.chunks(chunk_size(total)) {
            out.extend(signals::run(py, || Ok(work(chunk)))?);
            py.check_signals()?;
            reporter.report(py, out.len(), total)?;
        }
        Ok(out)
    })();
    let closed = reporter.close(py);
    let out = result?;
    closed?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::chunk_size;

    #[test]
    fn chunks_are_neither_tiny_nor_too_few() {
        assert_eq!(chunk_size(10), 256);
        assert_eq!(chunk_size(1_000_000), 10_000);
        assert!(1_000_001usize.div_ceil(chunk_size(1_000_001)) <= 100);
    }
}
