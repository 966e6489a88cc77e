//! The threads batches run on: a pool of canonica's own, sized by [`set_num_threads`], by the
//! `CANONICA_NUM_THREADS` environment variable, or by the number of cores, so that a caller can
//! keep canonica to one core inside Spark, Dask or Ray workers that run one task per core.
//!
//! A process forked while the pool exists inherits the pool but not its threads; the Python
//! package drops the inherited pool in every forked child, so the child builds a fresh one
//! instead of waiting forever on threads that do not exist.

use std::ops::Range;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::{Error, Result};
use crate::interrupt::{self, StopFlag, POLL_INTERVAL};

/// The environment variable that sets the number of threads when [`set_num_threads`] was not
/// called; 0 or unset means one per core.
pub const NUM_THREADS_ENV: &str = "CANONICA_NUM_THREADS";

struct Pool {
    threads: usize,
    pool: Arc<ThreadPool>,
}

static POOL: RwLock<Option<Pool>> = RwLock::new(None);
static CHOSEN: RwLock<Option<usize>> = RwLock::new(None);

thread_local! {
    /// The default of the calling thread when neither [`set_num_threads`] nor the environment
    /// chose a number: see [`set_thread_default`].
    static THREAD_DEFAULT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

fn wanted() -> usize {
    let chosen = *CHOSEN.read().unwrap_or_else(|e| e.into_inner());
    let from_env = || {
        std::env::var(NUM_THREADS_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
    };
    let default = || THREAD_DEFAULT.with(|d| d.get());
    match chosen.or_else(from_env).or_else(default) {
        Some(n) if n > 0 => n,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

/// Binding hook, not part of the public API: the Python package calls it before each batch.
///
/// Sets the number of threads batches started from the calling thread use when neither
/// [`set_num_threads`] nor `CANONICA_NUM_THREADS` chose one (`None`: one per core). The Python
/// package sets 1 here inside Spark, Dask and Ray workers, which already run a task per core.
#[doc(hidden)]
pub fn set_thread_default(threads: Option<usize>) {
    THREAD_DEFAULT.with(|d| d.set(threads.map(|n| n.min(1024))));
}

/// Sets how many threads batches use; 0 means one per core (or `CANONICA_NUM_THREADS`).
pub fn set_num_threads(threads: usize) -> Result<()> {
    if threads > 1024 {
        return Err(Error::invalid_argument(format!(
            "the number of threads must be at most 1024, not {threads}"
        )));
    }
    *CHOSEN.write().unwrap_or_else(|e| e.into_inner()) = (threads > 0).then_some(threads);
    Ok(())
}

/// How many threads the next batch will use.
pub fn num_threads() -> usize {
    wanted()
}

/// Binding hook, not part of the public API: the Python package calls it in every forked child.
///
/// Forgets the pool inherited from a parent process, without touching its threads, which a
/// forked child does not have.
#[doc(hidden)]
pub fn after_fork() {
    let mut slot = POOL.write().unwrap_or_else(|e| e.into_inner());
    if let Some(old) = slot.take() {
        // Dropping it would wait for threads that do not exist in this process.
        std::mem::forget(old);
    }
}

/// The locks of the settings and the pool, taken for a fork (see `crate::fork`).
pub(crate) fn lock_for_fork() -> impl Sized {
    (
        CHOSEN.write().unwrap_or_else(|e| e.into_inner()),
        POOL.write().unwrap_or_else(|e| e.into_inner()),
    )
}

/// Runs `f` on the pool, building or resizing it first when needed.
pub(crate) fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let threads = wanted();
    let current = POOL
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .filter(|p| p.threads == threads)
        .map(|p| Arc::clone(&p.pool));
    let pool = match current {
        Some(pool) => pool,
        None => {
            let built = ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("canonica-{i}"))
                .build();
            match built {
                Ok(pool) => {
                    let pool = Arc::new(pool);
                    *POOL.write().unwrap_or_else(|e| e.into_inner()) = Some(Pool {
                        threads,
                        pool: Arc::clone(&pool),
                    });
                    pool
                }
                // No threads to be had: run on the caller's thread.
                Err(_) => return f(),
            }
        }
    };
    pool.install(f)
}

/// Runs `f` over the items `0..len` on the pool and concatenates what it returns: in one go,
/// or, in work that may be interrupted (see [`crate::interrupt`]), in parts that take about
/// [`POLL_INTERVAL`] each, with a look at the interrupt between two parts. Stopped, the result
/// is short.
pub(crate) fn install_parts<T: Send>(
    len: usize,
    f: impl Fn(Range<usize>) -> Vec<T> + Sync,
) -> Vec<T> {
    if !StopFlag::current().is_active() {
        return install(|| f(0..len));
    }
    let mut out = Vec::with_capacity(len);
    let (mut start, mut size) = (0, 16);
    while start < len && !interrupt::stopped_now() {
        let end = len.min(start + size);
        let began = Instant::now();
        out.extend(install(|| f(start..end)));
        let took = began.elapsed();
        if took < POLL_INTERVAL / 2 {
            size = size.saturating_mul(2);
        } else if took > POLL_INTERVAL * 2 {
            size = (size / 2).max(1);
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests change process-wide settings: one at a time.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn threads_can_be_set_and_reset() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        set_num_threads(3).unwrap();
        assert_eq!(num_threads(), 3);
        assert_eq!(install(rayon::current_num_threads), 3);
        set_num_threads(1).unwrap();
        assert_eq!(install(rayon::current_num_threads), 1);
        assert!(set_num_threads(5000).is_err());
        set_num_threads(0).unwrap();
        assert!(num_threads() >= 1);
    }

    #[test]
    fn a_thread_default_gives_way_to_an_explicit_setting() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        if std::env::var_os(NUM_THREADS_ENV).is_some() {
            return;
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::thread::spawn(move || {
            set_thread_default(Some(1));
            assert_eq!(num_threads(), 1);
            assert_eq!(install(rayon::current_num_threads), 1);
            set_num_threads(2).unwrap();
            assert_eq!(num_threads(), 2);
            set_num_threads(0).unwrap();
            set_thread_default(None);
            assert_eq!(num_threads(), cores);
        })
        .join()
        .unwrap();
        // Another thread keeps its own default.
        std::thread::spawn(move || {
            set_thread_default(Some(1));
            std::thread::spawn(move || assert_eq!(num_threads(), cores))
                .join()
                .unwrap();
        })
        .join()
        .unwrap();
    }
}
