//! Resolution: the best entity for a name, above a threshold and clear of its rivals; the ranked
//! candidates with their evidence; batches in parallel.

use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::index::Index;
use crate::interrupt::StopFlag;
use crate::kb::{Entity, EntitySlots, KnowledgeBase};
use crate::normalize::Normalizer;
use crate::rules::Method;
use crate::threads;

mod search;

/// The default threshold: chosen so that an answer is right far more often than not on the shared
/// case corpus (`tests/data/cases.jsonl`), where a wrong id is worse than none.
pub const DEFAULT_THRESHOLD: f64 = 0.85;
/// The default margin by which the best entity must beat the next one.
pub const DEFAULT_MARGIN: f64 = 0.05;
/// The share of the index's aliases that live updates may change (added or removed) before the
/// index is rebuilt, unless [`ResolverBuilder::rebuild_share`] says otherwise: past it, lookups
/// skip many dead aliases and the side tables grow.
pub const REBUILD_SHARE: f64 = 0.25;

/// One entity a name resolved to, with how well and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// The entity's canonical id.
    pub id: String,
    /// The entity's display name.
    pub name: String,
    /// How well the name matches, in [0, 1].
    pub score: f64,
    /// The knowledge-base name or alias that matched (a generated acronym in capitals).
    pub alias: String,
    /// The entity's kind.
    pub kind: Option<String>,
    /// How the match was found.
    pub method: Method,
    /// Human-readable evidence: which tokens met which, with what similarity.
    pub evidence: String,
}

/// Configures and builds a [`Resolver`].
///
/// ```
/// use canonica::{Entity, KnowledgeBase, Resolver};
/// let mut kb = KnowledgeBase::new();
/// kb.add(Entity::new("KZ", "Kazakhstan")).unwrap();
/// let resolver = Resolver::builder().threshold(0.9).build(kb).unwrap();
/// assert_eq!(resolver.resolve("KAZAKHSTAN").unwrap().id, "KZ");
/// ```
#[derive(Clone, Debug)]
pub struct ResolverBuilder {
    threshold: f64,
    margin: f64,
    rebuild_share: f64,
}

impl Default for ResolverBuilder {
    fn default() -> ResolverBuilder {
        ResolverBuilder {
            threshold: DEFAULT_THRESHOLD,
            margin: DEFAULT_MARGIN,
            rebuild_share: REBUILD_SHARE,
        }
    }
}

impl ResolverBuilder {
    /// The lowest score [`Resolver::resolve`] accepts, in [0, 1].
    pub fn threshold(mut self, threshold: f64) -> ResolverBuilder {
        self.threshold = threshold;
        self
    }

    /// How far the best entity must score above the next different entity, in [0, 1]; closer
    /// than this, `resolve` answers `None` (unless the best has at least twice the weight).
    pub fn margin(mut self, margin: f64) -> ResolverBuilder {
        self.margin = margin;
        self
    }

    /// The share of the index's aliases that live updates may change (added and removed ones
    /// counted) before the index is rebuilt; [`REBUILD_SHARE`] by default, `f64::INFINITY`
    /// never to rebuild. Answers are the same either way; past the share, lookups slow down.
    pub fn rebuild_share(mut self, share: f64) -> ResolverBuilder {
        self.rebuild_share = share;
        self
    }

    /// Indexes the knowledge base.
    pub fn build(self, kb: KnowledgeBase) -> Result<Resolver> {
        self.check()?;
        let normalizer = Normalizer::new();
        let index = Index::build(&kb, &normalizer)?;
        self.build_with_index(EntitySlots::from(kb), index)
    }

    fn check(&self) -> Result<()> {
        if self.rebuild_share.is_nan() || self.rebuild_share < 0.0 {
            return Err(Error::invalid_argument(format!(
                "the rebuild share must be 0 or more, not {}",
                self.rebuild_share
            )));
        }
        for (name, value) in [("threshold", self.threshold), ("margin", self.margin)] {
            if !(0.0..=1.0).contains(&value) {
                return Err(Error::invalid_argument(format!(
                    "the {name} must be between 0 and 1, not {value}"
                )));
            }
        }
        Ok(())
    }

    /// A resolver over an index already built for the entities of `kb` (read back from a saved
    /// file).
    pub(crate) fn build_with_index(self, kb: EntitySlots, index: Index) -> Result<Resolver> {
        self.check()?;
        let shared = Arc::new(Shared {
            state: RwLock::new(State {
                kb,
                index,
                normalizer: Normalizer::new(),
                threshold: self.threshold,
                margin: self.margin,
                rebuild_share: self.rebuild_share,
            }),
            writer: Mutex::new(()),
        });
        register(&shared);
        Ok(Resolver { shared })
    }
}

/// Every resolver's shared state that may be alive, so that a fork can take their locks (see
/// `crate::fork`).
static LIVE: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

fn register(shared: &Arc<Shared>) {
    let mut live = live();
    // Now and then, forget the resolvers that were dropped.
    if live.len() >= 64 && live.len().is_power_of_two() {
        live.retain(|w| w.strong_count() > 0);
    }
    live.push(Arc::downgrade(shared));
}

/// The list of the resolvers that may be alive, locked.
pub(crate) fn live() -> MutexGuard<'static, Vec<Weak<Shared>>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a resolver knows: its entities, their index and its settings. Readers share it; a live
/// update changes it under the write lock, so a reader sees a call's changes whole or not at
/// all.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) kb: EntitySlots,
    pub(crate) index: Index,
    pub(crate) normalizer: Normalizer,
    pub(crate) threshold: f64,
    pub(crate) margin: f64,
    /// See [`ResolverBuilder::rebuild_share`].
    pub(crate) rebuild_share: f64,
}

/// The state of a resolver and of its clones.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) state: RwLock<State>,
    /// Held by a live update from start to end, so that updates, and the rebuild one may
    /// start, come one at a time while readers go on.
    pub(crate) writer: Mutex<()>,
}

/// Resolves names to entities of a knowledge base. `Send + Sync`: one resolver can serve many
/// threads. Cheap to clone, and clones share one knowledge base: an entity added, updated or
/// removed through one (see [`Resolver::add`]) is seen by all, each call whole.
///
/// ```
/// use canonica::{Entity, KnowledgeBase, Resolver};
/// let mut kb = KnowledgeBase::new();
/// kb.add(Entity::new("tokayev", "Kassym-Jomart Tokayev").with_kind("person")).unwrap();
/// kb.add(Entity::new("AE", "United Arab Emirates").with_kind("country")).unwrap();
/// let resolver = Resolver::new(kb).unwrap();
/// assert_eq!(resolver.resolve("President Tokayev").unwrap().id, "tokayev");
/// assert_eq!(resolver.resolve("U.A.E.").unwrap().id, "AE");
/// assert!(resolver.resolve("President").is_none());
/// ```
#[derive(Clone, Debug)]
pub struct Resolver {
    shared: Arc<Shared>,
}

impl Resolver {
    /// A resolver with the default threshold and margin.
    pub fn new(kb: KnowledgeBase) -> Result<Resolver> {
        Resolver::builder().build(kb)
    }

    /// A builder to set the threshold and margin.
    pub fn builder() -> ResolverBuilder {
        ResolverBuilder::default()
    }

    /// The state, for reading. A poisoned lock (a panic during an update, which validates
    /// everything before it changes anything) still gives the state.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, State> {
        self.shared.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The state, for a live update.
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.shared.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The lock live updates take one at a time.
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// A copy of the knowledge base: every live entity, in order. To look one entity up or
    /// count them, [`Resolver::entity`] and [`Resolver::len`] copy nothing else.
    pub fn knowledge_base(&self) -> KnowledgeBase {
        self.read().kb.to_knowledge_base()
    }

    /// The entity with this id.
    pub fn entity(&self, id: &str) -> Option<Entity> {
        self.read().kb.get(id).cloned()
    }

    /// True when an entity has this id.
    pub fn contains(&self, id: &str) -> bool {
        self.read().kb.slot_of(id).is_some()
    }

    /// The entity in `slot` (see [`crate::LinkedSpan::entity`]); `None` once it is removed.
    pub fn entity_at(&self, slot: usize) -> Option<Entity> {
        self.read().kb.at(u32::try_from(slot).ok()?).cloned()
    }

    /// The number of entity slots: [`Resolver::entity_at`] over `0..slots()` meets every
    /// entity, in order (a removed entity leaves its slot empty until the index is rebuilt).
    pub fn slots(&self) -> usize {
        self.read().kb.slots()
    }

    /// Calls `f` with every entity, in order, without copying any. The resolver is not updated
    /// while `f` runs.
    pub fn for_each_entity(&self, mut f: impl FnMut(&Entity)) {
        self.read().kb.iter().for_each(|(_, e)| f(e));
    }

    /// The number of entities.
    pub fn len(&self) -> usize {
        self.read().kb.len()
    }

    /// True when the resolver has no entity.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lowest score `resolve` accepts.
    pub fn threshold(&self) -> f64 {
        self.read().threshold
    }

    /// The margin the best entity needs over the next.
    pub fn margin(&self) -> f64 {
        self.read().margin
    }

    /// The entity `name` refers to, or `None` when nothing scores at least the threshold or when
    /// two entities are too close to tell apart.
    ///
    /// ```
    /// use canonica::{Entity, KnowledgeBase, Resolver};
    /// let mut kb = KnowledgeBase::new();
    /// kb.add(Entity::new("KZ", "Kazakhstan").with_aliases(["Qazaqstan"]))?;
    /// let resolver = Resolver::new(kb)?;
    /// assert_eq!(resolver.resolve("Qazaqstan").unwrap().id, "KZ");
    /// assert!(resolver.resolve("Atlantis").is_none());
    /// # Ok::<(), canonica::Error>(())
    /// ```
    pub fn resolve(&self, name: &str) -> Option<Match> {
        self.read().resolve(name, None)
    }

    /// [`Resolver::resolve`] with options: [`ResolveOptions::kind`] keeps only entities of one
    /// kind.
    ///
    /// ```
    /// use canonica::{Entity, KnowledgeBase, ResolveOptions, Resolver};
    /// let mut kb = KnowledgeBase::new();
    /// kb.add(Entity::new("GE", "Georgia").with_kind("country"))?;
    /// kb.add(Entity::new("US-GA", "Georgia").with_kind("state"))?;
    /// let resolver = Resolver::new(kb)?;
    /// assert!(resolver.resolve("Georgia").is_none()); // two entities, one name
    /// let states = ResolveOptions::new().kind("state");
    /// assert_eq!(resolver.resolve_with("Georgia", &states).unwrap().id, "US-GA");
    /// # Ok::<(), canonica::Error>(())
    /// ```
    pub fn resolve_with(&self, name: &str, options: &ResolveOptions) -> Option<Match> {
        self.read().resolve(name, options.kind.as_deref())
    }

    /// Resolves many names in parallel (on [`crate::threads`]' pool); the result has one entry
    /// per name, in order. The whole batch sees one state of the resolver.
    pub fn resolve_many<S: AsRef<str> + Sync>(&self, names: &[S]) -> Vec<Option<Match>> {
        self.resolve_many_with(names, &ResolveOptions::default())
    }

    /// [`Resolver::resolve_many`] with options.
    pub fn resolve_many_with<S: AsRef<str> + Sync>(
        &self,
        names: &[S],
        options: &ResolveOptions,
    ) -> Vec<Option<Match>> {
        let kind = options.kind.as_deref();
        let state = self.read();
        let state = &*state;
        let stop = StopFlag::current();
        threads::install_parts(names.len(), |part| {
            names[part]
                .par_iter()
                .map(|n| match stop.is_set() {
                    true => None,
                    false => state.resolve(n.as_ref(), kind),
                })
                .collect()
        })
    }

    /// Resolves many optional names in parallel; `None` and empty names give `None`.
    pub fn resolve_many_optional<S: AsRef<str> + Sync>(
        &self,
        names: &[Option<S>],
    ) -> Vec<Option<Match>> {
        self.resolve_many_optional_with(names, &ResolveOptions::default())
    }

    /// [`Resolver::resolve_many_optional`] with options.
    pub fn resolve_many_optional_with<S: AsRef<str> + Sync>(
        &self,
        names: &[Option<S>],
        options: &ResolveOptions,
    ) -> Vec<Option<Match>> {
        let kind = options.kind.as_deref();
        let state = self.read();
        let state = &*state;
        let stop = StopFlag::current();
        threads::install_parts(names.len(), |part| {
            names[part]
                .par_iter()
                .map(|n| match (n, stop.is_set()) {
                    (Some(n), false) => state.resolve(n.as_ref(), kind),
                    _ => None,
                })
                .collect()
        })
    }

    /// Up to `limit` entities `name` may refer to, best first, whatever their score, each with the
    /// evidence for it. Entities that tie with the best are all listed, so ambiguity is visible.
    pub fn candidates(&self, name: &str, limit: usize) -> Vec<Match> {
        self.read().candidates(name, limit, None)
    }

    /// [`Resolver::candidates`] with options.
    pub fn candidates_with(
        &self,
        name: &str,
        limit: usize,
        options: &ResolveOptions,
    ) -> Vec<Match> {
        self.read().candidates(name, limit, options.kind.as_deref())
    }
}

/// How [`Resolver::resolve_with`], [`Resolver::resolve_many_with`] and
/// [`Resolver::candidates_with`] resolve: `ResolveOptions::new().kind("person")`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// Only entities of this kind.
    pub kind: Option<String>,
}

impl ResolveOptions {
    /// No restriction: the same as [`Resolver::resolve`].
    pub fn new() -> ResolveOptions {
        ResolveOptions::default()
    }

    /// Keeps only entities of this kind.
    pub fn kind(mut self, kind: impl Into<String>) -> ResolveOptions {
        self.kind = Some(kind.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, name: &str) -> Entity {
        Entity::new(id, name).with_kind("person")
    }

    #[test]
    fn near_ties_are_no_match_unless_weight_decides() {
        let mut kb = KnowledgeBase::new();
        kb.add(person("donald", "Donald Trump")).unwrap();
        kb.add(person("melania", "Melania Trump")).unwrap();
        let r = Resolver::new(kb.clone()).unwrap();
        assert!(r.resolve("Trump").is_none());
        let both: Vec<String> = r.candidates("Trump", 5).into_iter().map(|m| m.id).collect();
        assert_eq!(both.len(), 2, "{both:?}");
        assert_eq!(r.resolve("Melania Trump").unwrap().id, "melania");

        let mut kb = KnowledgeBase::new();
        kb.add(person("donald", "Donald Trump").with_weight(10.0))
            .unwrap();
        kb.add(person("melania", "Melania Trump")).unwrap();
        let r = Resolver::new(kb).unwrap();
        assert_eq!(r.resolve("Trump").unwrap().id, "donald");
    }

    #[test]
    fn surname_alone_only_for_persons() {
        let mut kb = KnowledgeBase::new();
        kb.add(person("bn", "Benjamin Netanyahu")).unwrap();
        kb.add(Entity::new("ZA", "South Africa").with_kind("country"))
            .unwrap();
        let r = Resolver::new(kb).unwrap();
        assert_eq!(r.resolve("Netanyahu").unwrap().id, "bn");
        assert!(r.resolve("Africa").is_none());
        assert!(
            r.resolve("Benjamin").is_none(),
            "a first name alone is not enough"
        );
    }

    #[test]
    fn kind_filter_and_threshold() {
        let mut kb = KnowledgeBase::new();
        kb.add(Entity::new("GE", "Georgia").with_kind("country"))
            .unwrap();
        kb.add(Entity::new("US-GA", "Georgia").with_kind("state"))
            .unwrap();
        let r = Resolver::new(kb.clone()).unwrap();
        assert!(r.resolve("Georgia").is_none(), "two entities, one name");
        assert_eq!(
            r.resolve_with("Georgia", &ResolveOptions::new().kind("state"))
                .unwrap()
                .id,
            "US-GA"
        );
        assert!(r
            .resolve_with("Georgia", &ResolveOptions::new().kind("city"))
            .is_none());
        let strict = Resolver::builder().threshold(1.0).build(kb).unwrap();
        assert!(strict
            .resolve_with("Gorgia", &ResolveOptions::new().kind("country"))
            .is_none());
        assert!(Resolver::builder()
            .margin(-0.1)
            .build(KnowledgeBase::new())
            .is_err());
    }

    #[test]
    fn a_word_broken_beyond_its_budget_is_found_by_the_whole_spelling() {
        let mut kb = KnowledgeBase::new();
        kb.add(Entity::new("grn", "Grande Rivière du Nord"))
            .unwrap();
        kb.add(Entity::new("grs", "Grand River South")).unwrap();
        kb.add(Entity::new("rh", "Rooty Hill")).unwrap();
        kb.add(Entity::new("hill", "Hill")).unwrap();
        let r = Resolver::builder().threshold(0.8).build(kb).unwrap();
        // "grnad" is two edits from "grande", beyond a five-letter word's budget.
        let m = r.resolve("Grnad Rivière du Nord").unwrap();
        assert_eq!((m.id.as_str(), m.method), ("grn", Method::Spelling));
        assert_eq!(r.resolve("Rooty Hgldl").unwrap().id, "rh");
        // Too many broken words stay unmatched.
        assert!(r.resolve("Rxxty Hgldl").is_none());
    }

    #[test]
    fn empty_kb_and_empty_query() {
        let r = Resolver::new(KnowledgeBase::new()).unwrap();
        assert!(r.resolve("anything").is_none());
        assert!(r.candidates("", 5).is_empty());
    }
}
