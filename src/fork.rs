//! Binding hooks for `fork`, not part of the public API.
//!
//! A forked child has only the thread that forked: a lock another thread of the parent held at
//! that moment stays held in the child forever, and the first call that needs it waits forever.
//! So the thread that is about to fork takes every lock canonica has, waiting for the threads
//! that hold them to let go: the state and the update lock of every live resolver, the settings
//! and the pool of [`crate::threads`], and the data made once on first use. The fork happens
//! with all of them held by the forking thread, which, in the parent and in the child, then
//! lets them go: the child starts with every lock free and every resolver whole (an update in
//! progress in the parent was either finished or not begun).
//!
//! Nothing may wait for another thread while holding one of these locks, or the fork would wait
//! for it too (the Python bindings take them with the GIL released).

use std::cell::RefCell;
use std::sync::{Arc, MutexGuard, RwLockWriteGuard, Weak};

use crate::resolve::{self, Shared, State};
use crate::threads;

/// The locks held across a fork, dropped in the order of the fields: the guards before the
/// resolvers they borrow from.
struct Held {
    _states: Vec<RwLockWriteGuard<'static, State>>,
    _writers: Vec<MutexGuard<'static, ()>>,
    _threads: Box<dyn std::any::Any>,
    _live: MutexGuard<'static, Vec<Weak<Shared>>>,
    _resolvers: Vec<Arc<Shared>>,
}

thread_local! {
    static HELD: RefCell<Option<Held>> = const { RefCell::new(None) };
}

/// Binding hook: call on the thread about to fork, with nothing of canonica in progress on it.
/// Takes every lock of canonica, waiting for other threads to let go of them.
#[doc(hidden)]
pub fn prepare() {
    // Made once, on first use: made now, so that no child inherits one half made.
    crate::countries::parsed();
    crate::normalize::legal::is_form("ag");
    let live = resolve::live();
    let resolvers: Vec<Arc<Shared>> = live.iter().filter_map(Weak::upgrade).collect();
    let mut writers = Vec::with_capacity(resolvers.len());
    let mut states = Vec::with_capacity(resolvers.len());
    for shared in &resolvers {
        // SAFETY: `Held` keeps the `Arc` (and so the lock) alive for as long as the guard, and
        // drops the guard first.
        let shared: &'static Shared = unsafe { &*Arc::as_ptr(shared) };
        // In the order updates take them: the update lock, then the state.
        writers.push(shared.writer.lock().unwrap_or_else(|e| e.into_inner()));
        states.push(shared.state.write().unwrap_or_else(|e| e.into_inner()));
    }
    let threads = Box::new(threads::lock_for_fork());
    HELD.with(|h| {
        *h.borrow_mut() = Some(Held {
            _states: states,
            _writers: writers,
            _threads: threads,
            _live: live,
            _resolvers: resolvers,
        })
    });
}

/// Binding hook: call in the parent after a fork. Lets go of the locks [`prepare`] took.
#[doc(hidden)]
pub fn parent() {
    HELD.with(|h| drop(h.borrow_mut().take()));
}

/// Binding hook: call in the child after a fork. Lets go of the locks [`prepare`] took, and
/// forgets the thread pool, whose threads the child does not have.
#[doc(hidden)]
pub fn child() {
    HELD.with(|h| drop(h.borrow_mut().take()));
    threads::after_fork();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Entity, KnowledgeBase, Resolver};

    #[test]
    fn prepare_waits_for_readers_and_parent_lets_go() {
        let mut kb = KnowledgeBase::new();
        kb.add(Entity::new("KZ", "Kazakhstan")).unwrap();
        let r = Resolver::new(kb).unwrap();
        let reading = r.read();
        let other = r.clone();
        let waiter = std::thread::spawn(move || {
            prepare();
            let held = HELD.with(|h| h.borrow().as_ref().map(|h| h._states.len()));
            parent();
            assert!(other.resolve("Kazakhstan").is_some());
            held
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished(), "prepare waits for the reader");
        drop(reading);
        assert!(waiter.join().unwrap().is_some_and(|n| n >= 1));
        r.add([Entity::new("UZ", "Uzbekistan")]).unwrap();
    }
}
