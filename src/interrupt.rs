//! Stopping long work early.
//!
//! Building the index of a large knowledge base, reading one, linking a long text or resolving a
//! large batch can take seconds. Work run through [`Interrupt::run`] looks at its interrupt at
//! checkpoints, many times a millisecond, and stops once [`Interrupt::interrupt`] was called
//! from any thread, or once the interrupt's poll function says so. The poll function is asked
//! at most every [`POLL_INTERVAL`], only on the thread that called `run` (the Python bindings
//! poll for signals there: Ctrl-C stops a long call within a fraction of a second).
//!
//! A stopped `run` returns an error of kind [`ErrorKind::Interrupted`] and drops what the work
//! left unfinished: a stopped build, load or link gives nothing, a stopped save leaves the file
//! it would have replaced as it was.
//!
//! ```
//! use canonica::interrupt::Interrupt;
//! use canonica::{Entity, ErrorKind, KnowledgeBase, Resolver};
//!
//! let mut kb = KnowledgeBase::new();
//! kb.add(Entity::new("KZ", "Kazakhstan"))?;
//! let interrupt = Interrupt::new();
//! let built = interrupt.run(|| Resolver::new(kb.clone()))??;
//! assert_eq!(built.len(), 1);
//!
//! interrupt.interrupt(); // from another thread, as a rule
//! let err = interrupt.run(|| Resolver::new(kb)).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Interrupted);
//! # Ok::<(), canonica::Error>(())
//! ```

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};

/// How often, at most, work asks the poll function of its interrupt whether to stop.
pub const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Checkpoints between two looks at the clock.
const CHECKS_PER_CLOCK: u32 = 32;

type Poll = Box<dyn Fn() -> bool + Send + Sync>;

/// A request to stop work run through [`Interrupt::run`]. Cheap to clone; clones share one
/// request.
#[derive(Clone, Default)]
pub struct Interrupt {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    poll: Option<Poll>,
}

impl fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interrupt")
            .field("interrupted", &self.is_interrupted())
            .field("polls", &self.shared.poll.is_some())
            .finish()
    }
}

impl Interrupt {
    /// An interrupt that stops work once [`Interrupt::interrupt`] is called.
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// An interrupt that also stops work when `poll` returns true. `poll` is called at most
    /// every [`POLL_INTERVAL`], on the thread that called [`Interrupt::run`], while the work
    /// runs.
    pub fn with_poll(poll: impl Fn() -> bool + Send + Sync + 'static) -> Interrupt {
        Interrupt {
            shared: Arc::new(Shared {
                stop: AtomicBool::new(false),
                poll: Some(Box::new(poll)),
            }),
        }
    }

    /// Asks the work to stop.
    pub fn interrupt(&self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }

    /// True once the work was asked to stop.
    pub fn is_interrupted(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }

    /// Runs `work` on this thread so that it stops early when interrupted; then the result is
    /// an error of kind [`ErrorKind::Interrupted`], and whatever `work` returned is dropped.
    pub fn run<T>(&self, work: impl FnOnce() -> T) -> Result<T> {
        let scope = Scope {
            shared: Arc::clone(&self.shared),
            last_poll: Instant::now(),
            checks: 0,
        };
        let previous = CURRENT.with(|c| c.replace(Some(scope)));
        // Put back the scope of an outer `run` however `work` ends, a panic included.
        struct Restore(Option<Scope>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                CURRENT.with(|c| *c.borrow_mut() = previous);
            }
        }
        let restore = Restore(previous);
        let out = work();
        drop(restore);
        if self.is_interrupted() {
            return Err(interrupted());
        }
        Ok(out)
    }
}

/// The interrupt of the work running on this thread.
struct Scope {
    shared: Arc<Shared>,
    last_poll: Instant,
    checks: u32,
}

thread_local! {
    static CURRENT: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

fn interrupted() -> Error {
    Error::new(ErrorKind::Interrupted, "interrupted")
}

/// True when the work running on this thread should stop: at a checkpoint. Cheap: an atomic
/// load, and every few calls a look at the clock (and the poll function, on the thread that
/// called [`Interrupt::run`]).
pub(crate) fn stopped() -> bool {
    look(false)
}

/// [`stopped`] for checkpoints far apart (milliseconds): looks at the clock every time.
pub(crate) fn stopped_now() -> bool {
    look(true)
}

fn look(clock: bool) -> bool {
    let poll = CURRENT.with(|c| {
        let mut current = c.borrow_mut();
        let scope = current.as_mut()?;
        if scope.shared.stop.load(Ordering::Relaxed) {
            return Some(None);
        }
        scope.shared.poll.as_ref()?;
        scope.checks = scope.checks.wrapping_add(1);
        if !clock && scope.checks % CHECKS_PER_CLOCK != 0 {
            return None;
        }
        let now = Instant::now();
        if now.duration_since(scope.last_poll) < POLL_INTERVAL {
            return None;
        }
        scope.last_poll = now;
        Some(Some(Arc::clone(&scope.shared)))
    });
    match poll {
        None => false,
        Some(None) => true,
        // Polled with no borrow held: the poll function may run code that runs work of its
        // own under another interrupt.
        Some(Some(shared)) => {
            let poll = shared.poll.as_ref().is_some_and(|poll| poll());
            if poll {
                shared.stop.store(true, Ordering::Relaxed);
            }
            poll || shared.stop.load(Ordering::Relaxed)
        }
    }
}

/// An error of kind [`ErrorKind::Interrupted`] when the work running on this thread should
/// stop (see [`stopped`]).
pub(crate) fn check() -> Result<()> {
    if stopped() {
        Err(interrupted())
    } else {
        Ok(())
    }
}

/// The stop request of the work running on this thread, for the threads it hands work to: they
/// look at it without polling.
#[derive(Clone, Default)]
pub(crate) struct StopFlag(Option<Arc<Shared>>);

impl StopFlag {
    /// The flag of the work running on this thread (none outside [`Interrupt::run`]).
    pub(crate) fn current() -> StopFlag {
        StopFlag(CURRENT.with(|c| c.borrow().as_ref().map(|s| Arc::clone(&s.shared))))
    }

    /// True when there is work that may be interrupted.
    pub(crate) fn is_active(&self) -> bool {
        self.0.is_some()
    }

    /// True once the work was asked to stop.
    pub(crate) fn is_set(&self) -> bool {
        self.0
            .as_ref()
            .is_some_and(|s| s.stop.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn outside_run_nothing_stops() {
        assert!(!stopped());
        assert!(check().is_ok());
        assert!(!StopFlag::current().is_active());
    }

    #[test]
    fn a_poll_stops_the_work_and_run_reports_it() {
        let polls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&polls);
        let interrupt = Interrupt::with_poll(move || counted.fetch_add(1, Ordering::Relaxed) >= 2);
        let start = Instant::now();
        let out = interrupt.run(|| {
            let mut n = 0u64;
            while !stopped() {
                n += 1;
            }
            n
        });
        assert_eq!(out.unwrap_err().kind(), ErrorKind::Interrupted);
        assert_eq!(polls.load(Ordering::Relaxed), 3);
        assert!(start.elapsed() >= POLL_INTERVAL * 3);
        assert!(interrupt.is_interrupted());
        // The scope is gone once `run` returns.
        assert!(!stopped());
    }

    #[test]
    fn scopes_nest_and_other_threads_see_the_flag() {
        let outer = Interrupt::new();
        let inner = Interrupt::new();
        outer
            .run(|| {
                let flag = StopFlag::current();
                assert!(flag.is_active() && !flag.is_set());
                inner.interrupt();
                assert!(inner.run(|| assert!(stopped())).is_err());
                assert!(!stopped(), "the outer work goes on");
                outer.interrupt();
                std::thread::scope(|s| {
                    s.spawn(|| assert!(flag.is_set()));
                });
            })
            .unwrap_err();
    }
}
