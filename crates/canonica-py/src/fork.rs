//! Forking while other threads work (`os.fork`, multiprocessing's fork start method). The
//! package registers these hooks with `os.register_at_fork`: before a fork, the forking thread
//! takes every lock of canonica (the core's, through `canonica::fork`, and each knowledge base's
//! here), waiting with the GIL released for the threads that hold them; after it, parent and
//! child let them go. A child never inherits a lock held by a thread it does not have.
//!
//! For that wait to end, no thread may wait for the GIL while it holds one of these locks: the
//! bindings take them only with the GIL released (see `knowledge_base.rs` and `resolver.rs`).

use std::cell::RefCell;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockWriteGuard, Weak};

use pyo3::prelude::*;

use crate::signals;

/// A knowledge base's lock, shared by its Python object and the list of live ones.
pub(crate) type KbLock = Arc<RwLock<canonica::KnowledgeBase>>;

/// Every knowledge base of Python that may be alive.
static LIVE: Mutex<Vec<Weak<RwLock<canonica::KnowledgeBase>>>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<Weak<RwLock<canonica::KnowledgeBase>>>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A knowledge base's lock, known to the fork hooks. The list of live ones is locked with the
/// GIL released: a fork holds that lock while it waits for the GIL.
pub(crate) fn register(kb: canonica::KnowledgeBase) -> KbLock {
    let lock = Arc::new(RwLock::new(kb));
    let weak = Arc::downgrade(&lock);
    Python::attach(|py| {
        py.detach(|| {
            let mut live = live();
            // Now and then, forget the knowledge bases that were dropped.
            if live.len() >= 64 && live.len().is_power_of_two() {
                live.retain(|w| w.strong_count() > 0);
            }
            live.push(weak);
        })
    });
    lock
}

/// The locks held across a fork: the guards, dropped before the locks they borrow.
struct Held {
    _guards: Vec<RwLockWriteGuard<'static, canonica::KnowledgeBase>>,
    _live: MutexGuard<'static, Vec<Weak<RwLock<canonica::KnowledgeBase>>>>,
    _locks: Vec<KbLock>,
}

thread_local! {
    static HELD: RefCell<Option<Held>> = const { RefCell::new(None) };
}

/// Called before a fork, in the thread that forks.
#[pyfunction]
pub(crate) fn _before_fork(py: Python<'_>) {
    py.detach(|| {
        canonica::fork::prepare();
        let live = live();
        let locks: Vec<KbLock> = live.iter().filter_map(Weak::upgrade).collect();
        let guards = locks
            .iter()
            .map(|lock| {
                // SAFETY: `Held` keeps the `Arc` (and so the lock) alive for as long as the
                // guard, and drops the guard first.
                let lock: &'static RwLock<canonica::KnowledgeBase> = unsafe { &*Arc::as_ptr(lock) };
                lock.write().unwrap_or_else(|e| e.into_inner())
            })
            .collect();
        HELD.with(|h| {
            *h.borrow_mut() = Some(Held {
                _guards: guards,
                _live: live,
                _locks: locks,
            })
        });
    });
}

/// Called in the parent after a fork.
#[pyfunction]
pub(crate) fn _after_fork_in_parent() {
    HELD.with(|h| drop(h.borrow_mut().take()));
    canonica::fork::parent();
}

/// Called in every forked child: lets go of the locks, forgets the thread pool inherited from
/// the parent, and notes which thread is the child's main thread.
#[pyfunction]
pub(crate) fn _after_fork(py: Python<'_>) {
    HELD.with(|h| drop(h.borrow_mut().take()));
    canonica::fork::child();
    signals::after_fork(py);
}
