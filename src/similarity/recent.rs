//! The names [`similarity`](super::similarity) prepared on this thread lately. Preparing a name
//! (its tokens, its reading as a query, its one-name resolver) costs most of a comparison, and a
//! loop of single calls often meets a name again: one name against a column, a column against
//! a few names, rows that repeat. Such a name is prepared once, as the batch forms do.
//!
//! Two generations of at most [`GENERATION`] names each: a name found in the older one moves
//! to the newer; when the newer is full it becomes the older and the oldest names are dropped.
//! A name longer than [`MAX_KEPT_LEN`] bytes is prepared each time, not kept.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::Name;
use crate::normalize::Normalizer;

/// How many names one generation keeps. A prepared name takes a few kilobytes; more names
/// would hold more memory than the processor caches, and be slower to come back to.
const GENERATION: usize = 64;

/// Longer texts are not names a loop compares again; keeping them would only hold memory.
const MAX_KEPT_LEN: usize = 256;

#[derive(Default)]
struct Recent {
    newer: FxHashMap<Box<str>, Rc<Name>>,
    older: FxHashMap<Box<str>, Rc<Name>>,
}

impl Recent {
    fn name(&mut self, text: &str, normalizer: &Normalizer) -> Rc<Name> {
        if let Some(name) = self.newer.get(text) {
            return Rc::clone(name);
        }
        let name = match self.older.remove(text) {
            Some(name) => name,
            None => Rc::new(Name::new(text, normalizer)),
        };
        if text.len() <= MAX_KEPT_LEN {
            if self.newer.len() >= GENERATION {
                self.older = std::mem::take(&mut self.newer);
            }
            self.newer.insert(text.into(), Rc::clone(&name));
        }
        name
    }
}

thread_local! {
    static RECENT: RefCell<Recent> = RefCell::new(Recent::default());
}

/// `a` and `b` prepared, or taken from the names this thread prepared lately.
pub(super) fn prepared(a: &str, b: &str, normalizer: &Normalizer) -> (Rc<Name>, Rc<Name>) {
    RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        (recent.name(a, normalizer), recent.name(b, normalizer))
    })
}

#[cfg(test)]
mod tests {
    use super::{Recent, GENERATION, MAX_KEPT_LEN};
    use crate::normalize::Normalizer;
    use std::rc::Rc;

    #[test]
    fn a_name_met_again_is_prepared_once() {
        let normalizer = Normalizer::new();
        let mut recent = Recent::default();
        let first = recent.name("Kassym-Jomart Tokayev", &normalizer);
        let again = recent.name("Kassym-Jomart Tokayev", &normalizer);
        assert!(Rc::ptr_eq(&first, &again));
        let other = recent.name("Tokayev", &normalizer);
        assert!(!Rc::ptr_eq(&first, &other));
    }

    #[test]
    fn memory_stays_bounded_and_recent_names_stay() {
        let normalizer = Normalizer::new();
        let mut recent = Recent::default();
        let kept = recent.name("name 0", &normalizer);
        for i in 1..5 * GENERATION {
            recent.name(&format!("name {i}"), &normalizer);
            // A name in use stays: it moves to the newer generation each time it is met.
            if i % (GENERATION / 2) == 0 {
                assert!(Rc::ptr_eq(&kept, &recent.name("name 0", &normalizer)));
            }
        }
        assert!(recent.newer.len() <= GENERATION && recent.older.len() <= GENERATION);
        let long = "x".repeat(MAX_KEPT_LEN + 1);
        recent.name(&long, &normalizer);
        assert!(!recent.newer.contains_key(long.as_str()));
    }
}
