//! Resolution: the best entity for a name, above a threshold and clear of its rivals; the ranked
//! candidates with their evidence; batches in parallel.

use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::candidates::{closest_misses, spelling_candidates, token_candidates, ScoredAlias};
use crate::error::{Error, Result};
use crate::index::{AliasSource, Index};
use crate::kb::{Entity, KnowledgeBase};
use crate::normalize::Normalizer;
use crate::query::{KeyKind, Query};
use crate::rules::{clearly_heaviest, edit_budget, lean, Method, ACRONYM, EXACT, TIE_LEAN_FROM};
use crate::score::{align, score_spelling, Evidence};
use crate::threads;

/// The default threshold: chosen so that an answer is right far more often than not on the shared
/// case corpus (`tests/data/cases.jsonl`), where a wrong id is worse than none.
pub const DEFAULT_THRESHOLD: f64 = 0.85;
/// The default margin by which the best entity must beat the next one.
pub const DEFAULT_MARGIN: f64 = 0.05;
/// The lowest score [`Resolver::candidates`] looks for: below it, candidates may be left out.
const CANDIDATES_MIN_SCORE: f32 = 0.2;

/// The threshold as the scorer sees it.
fn inner_threshold(resolver: &Resolver) -> f32 {
    resolver.inner.threshold as f32
}

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
/// assert_eq!(resolver.resolve("KAZAKHSTAN", None).unwrap().id, "KZ");
/// ```
#[derive(Clone, Debug)]
pub struct ResolverBuilder {
    threshold: f64,
    margin: f64,
}

impl Default for ResolverBuilder {
    fn default() -> ResolverBuilder {
        ResolverBuilder {
            threshold: DEFAULT_THRESHOLD,
            margin: DEFAULT_MARGIN,
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

    /// Indexes the knowledge base.
    pub fn build(self, kb: KnowledgeBase) -> Result<Resolver> {
        self.check()?;
        let normalizer = Normalizer::new();
        let index = Index::build(&kb, &normalizer);
        self.build_with_index(kb, index)
    }

    fn check(&self) -> Result<()> {
        for (name, value) in [("threshold", self.threshold), ("margin", self.margin)] {
            if !(0.0..=1.0).contains(&value) {
                return Err(Error::invalid_argument(format!(
                    "the {name} must be between 0 and 1, not {value}"
                )));
            }
        }
        Ok(())
    }

    /// A resolver over an index already built for `kb` (read back from a saved file).
    pub(crate) fn build_with_index(self, kb: KnowledgeBase, index: Index) -> Result<Resolver> {
        self.check()?;
        Ok(Resolver {
            inner: Arc::new(Inner {
                kb,
                index,
                normalizer: Normalizer::new(),
                threshold: self.threshold,
                margin: self.margin,
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    kb: KnowledgeBase,
    index: Index,
    normalizer: Normalizer,
    threshold: f64,
    margin: f64,
}

/// Resolves names to entities of a knowledge base. Cheap to clone (the index is shared), and
/// `Send + Sync`: one resolver can serve many threads.
///
/// ```
/// use canonica::{Entity, KnowledgeBase, Resolver};
/// let mut kb = KnowledgeBase::new();
/// kb.add(Entity::new("tokayev", "Kassym-Jomart Tokayev").with_kind("person")).unwrap();
/// kb.add(Entity::new("AE", "United Arab Emirates").with_kind("country")).unwrap();
/// let resolver = Resolver::new(kb).unwrap();
/// assert_eq!(resolver.resolve("President Tokayev", None).unwrap().id, "tokayev");
/// assert_eq!(resolver.resolve("U.A.E.", None).unwrap().id, "AE");
/// assert!(resolver.resolve("President", None).is_none());
/// ```
#[derive(Clone, Debug)]
pub struct Resolver {
    inner: Arc<Inner>,
}

/// The best score found so far for one entity, and how to explain it.
struct Best {
    score: f32,
    method: Method,
    alias: u32,
    /// What found it: its evidence is written only for the matches returned.
    found_by: FoundBy,
}

/// What found a match: a whole key of the query, a reading of its words, or its spelling.
#[derive(Clone, Copy)]
enum FoundBy {
    Key(usize),
    Reading(usize),
    Spelling,
}

/// The best alias found so far of each entity, for one query.
struct Found<'a> {
    inner: &'a Inner,
    query: &'a Query,
    kind: Option<&'a str>,
    best: FxHashMap<u32, Best>,
}

impl Found<'_> {
    /// Records a score for an alias if it is the best of its entity so far.
    fn offer(&mut self, alias: u32, mut score: f32, mut method: Method, found_by: FoundBy) {
        let entry = self.inner.index.alias(alias);
        if entry.source == AliasSource::Acronym {
            // Only a name written as an acronym is one; and a title ("H.E.", "VP") is no
            // acronym of a name, even when its letters are.
            if !self.query.acronym_like || self.query.only_titles {
                return;
            }
            // A generated acronym is weaker evidence than a name the KB lists.
            score = score.min(ACRONYM);
            method = Method::Acronym;
        }
        let entity = &self.inner.kb.entities()[entry.entity as usize];
        if self.kind.is_some_and(|k| entity.kind.as_deref() != Some(k)) {
            return;
        }
        let candidate = Best {
            score,
            method,
            alias,
            found_by,
        };
        match self.best.get_mut(&entry.entity) {
            Some(b) if b.score >= score => {}
            Some(b) => *b = candidate,
            None => {
                self.best.insert(entry.entity, candidate);
            }
        }
    }

    /// Whole-key matches: exact, without titles, legal forms folded, without spaces. A query of
    /// nothing but titles only tries its exact key.
    fn whole_keys(&mut self) {
        let query = self.query;
        let keys = if query.only_titles {
            1
        } else {
            query.keys.len()
        };
        for (k, lookup) in query.keys[..keys].iter().enumerate() {
            let index = &self.inner.index;
            let hits = if lookup.is_compact() {
                index.compact(&lookup.key)
            } else {
                index.exact(&lookup.key)
            };
            let persons_only = matches!(lookup.kind, KeyKind::Romanized { persons_only: true });
            for a in hits {
                let entity = index.alias(a).entity as usize;
                if persons_only && !self.inner.kb.entities()[entity].is_person() {
                    continue;
                }
                self.offer(a, lookup.score, lookup.method, FoundBy::Key(k));
            }
        }
    }

    /// Token matches of every reading of the query; returns the candidates whose best token
    /// score stays under `enough`, with that score.
    fn token_matches(&mut self, candidates: &[u32], enough: f32) -> Vec<ScoredAlias> {
        let (inner, query) = (self.inner, self.query);
        let index = &inner.index;
        let mut below = Vec::new();
        for &a in candidates {
            let entry = index.alias(a);
            let person = inner.kb.entities()[entry.entity as usize].is_person();
            let mut best_tokens = 0.0f32;
            // The whole-spelling similarity, computed once per alias when a reading needs it.
            let mut jaro_winkler: Option<f32> = None;
            for (r, reading) in query.readings.iter().enumerate() {
                let Some(alignment) = align(&reading.words, &entry, index, person) else {
                    continue;
                };
                let mut score = alignment.score() * reading.factor;
                best_tokens = best_tokens.max(score);
                if (TIE_LEAN_FROM..1.0).contains(&score) && !query.spelled.is_empty() {
                    // Near ties between typo matches lean to the closer spelling.
                    let jw = *jaro_winkler.get_or_insert_with(|| {
                        strsim::jaro_winkler(&query.spelled, &index.spelled(a)) as f32
                    });
                    score = lean(score, jw);
                }
                self.offer(a, score, Method::Tokens, FoundBy::Reading(r));
            }
            if best_tokens < enough {
                below.push(ScoredAlias {
                    score: best_tokens,
                    alias: a,
                });
            }
        }
        below
    }

    /// Typos that token alignment cannot see: the spellings compared whole, for the candidates
    /// of a matching length that came closest without scoring enough.
    fn spellings(&mut self, below: Vec<ScoredAlias>) {
        let closest = closest_misses(self.query, &self.inner.index, below);
        self.offer_spellings(closest);
    }

    /// Compares the query's spelling with each alias's and offers those within the budget.
    fn offer_spellings(&mut self, aliases: impl IntoIterator<Item = u32>) {
        let (index, spelled) = (&self.inner.index, &self.query.spelled);
        let mut buf = String::new();
        for a in aliases {
            index.spell_into(a, &mut buf);
            if let Some(s) = score_spelling(spelled, &buf) {
                self.offer(a, s, Method::Spelling, FoundBy::Spelling);
            }
        }
    }

    /// How many entities have a verbatim match (after normalization) so far.
    fn exact_entities(&self) -> usize {
        self.best
            .values()
            .filter(|b| b.method == Method::Exact && b.score >= EXACT)
            .count()
    }

    /// The best score found so far.
    fn best_score(&self) -> f32 {
        self.best.values().map(|b| b.score).fold(0.0, f32::max)
    }

    /// The whole spelling compared with aliases that token alignment could not find (see
    /// [`spelling_candidates`]).
    fn spellings_beyond_tokens(&mut self) {
        let aliases = spelling_candidates(self.query, &self.inner.index);
        self.offer_spellings(aliases);
    }
}

/// The ranked entities for one query, with the query for explaining them.
struct Ranking {
    query: Query,
    ranked: Vec<Best>,
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

    /// The knowledge base this resolver was built from.
    pub fn knowledge_base(&self) -> &KnowledgeBase {
        &self.inner.kb
    }

    pub(crate) fn index(&self) -> &Index {
        &self.inner.index
    }

    pub(crate) fn normalizer(&self) -> &Normalizer {
        &self.inner.normalizer
    }

    /// The lowest score `resolve` accepts.
    pub fn threshold(&self) -> f64 {
        self.inner.threshold
    }

    /// The margin the best entity needs over the next.
    pub fn margin(&self) -> f64 {
        self.inner.margin
    }

    /// The entity `name` refers to, or `None` when nothing scores at least the threshold or when
    /// two entities are too close to tell apart. `kind`, when given, keeps only entities of that
    /// kind.
    pub fn resolve(&self, name: &str, kind: Option<&str>) -> Option<Match> {
        let Ranking { query, ranked } = self.rank(name, kind, inner_threshold(self), true)?;
        let first = ranked.first()?;
        let inner = &*self.inner;
        if (first.score as f64) < inner.threshold {
            return None;
        }
        // Entities within the margin of the best are rivals. A name the knowledge base lists
        // verbatim beats near spellings of other names ("Kaldenkirchen" is not
        // "Kaltenkirchen"); otherwise a rival with at least twice the weight of every other one
        // wins, and without one there is no answer.
        let rivals: Vec<&Best> = ranked
            .iter()
            .take_while(|b| ((first.score - b.score) as f64) < inner.margin)
            .collect();
        if rivals.len() < 2 {
            return Some(self.to_match(&query, first));
        }
        if first.method == Method::Exact && rivals[1..].iter().all(|b| b.method != Method::Exact) {
            return Some(self.to_match(&query, first));
        }
        let weights: Vec<f64> = rivals.iter().map(|b| self.entity(b).weight).collect();
        let heaviest = rivals[clearly_heaviest(&weights)?];
        ((heaviest.score as f64) >= inner.threshold).then(|| self.to_match(&query, heaviest))
    }

    /// Resolves many names in parallel (on [`crate::threads`]' pool); the result has one entry
    /// per name, in order.
    pub fn resolve_many<S: AsRef<str> + Sync>(
        &self,
        names: &[S],
        kind: Option<&str>,
    ) -> Vec<Option<Match>> {
        threads::install(|| {
            names
                .par_iter()
                .map(|n| self.resolve(n.as_ref(), kind))
                .collect()
        })
    }

    /// Resolves many optional names in parallel; `None` and empty names give `None`.
    pub fn resolve_many_optional<S: AsRef<str> + Sync>(
        &self,
        names: &[Option<S>],
        kind: Option<&str>,
    ) -> Vec<Option<Match>> {
        threads::install(|| {
            names
                .par_iter()
                .map(|n| n.as_ref().and_then(|n| self.resolve(n.as_ref(), kind)))
                .collect()
        })
    }

    /// Up to `limit` entities `name` may refer to, best first, whatever their score, each with the
    /// evidence for it. Entities that tie with the best are all listed, so ambiguity is visible.
    pub fn candidates(&self, name: &str, limit: usize, kind: Option<&str>) -> Vec<Match> {
        let Some(Ranking { query, ranked }) = self.rank(name, kind, CANDIDATES_MIN_SCORE, false)
        else {
            return Vec::new();
        };
        ranked
            .iter()
            .take(limit)
            .map(|b| self.to_match(&query, b))
            .collect()
    }

    fn entity(&self, best: &Best) -> &Entity {
        let alias = self.inner.index.alias(best.alias);
        &self.inner.kb.entities()[alias.entity as usize]
    }

    fn to_match(&self, query: &Query, best: &Best) -> Match {
        let index = &self.inner.index;
        let alias = index.alias(best.alias);
        let entity = self.entity(best);
        let mut evidence = match best.found_by {
            FoundBy::Key(k) => Evidence::Key(query.keys[k].kind.clone()),
            FoundBy::Spelling => Evidence::Spelling {
                budget: edit_budget(query.spelled.len()),
                query: query.spelled.clone(),
                alias: index.spelled(best.alias),
            },
            FoundBy::Reading(r) => {
                let reading = &query.readings[r];
                // The reading aligned when it was scored, and aligns the same way again.
                let alignment = align(&reading.words, &alias, index, entity.is_person());
                Evidence::Tokens(alignment.map(|a| a.explain(index)).unwrap_or_default())
            }
        };
        if alias.source == AliasSource::Acronym {
            evidence = Evidence::GeneratedAcronym(Box::new(evidence));
        }
        Match {
            id: entity.id.clone(),
            name: entity.name.clone(),
            score: (best.score as f64 * 10_000.0).round() / 10_000.0,
            alias: index.alias_text(best.alias).to_string(),
            kind: entity.kind.clone(),
            method: best.method,
            evidence: evidence.to_string(),
        }
    }

    /// The best alias of every entity that could match, best entity first; `None` when the name
    /// has nothing to compare. Candidates that cannot score `min_score` may be left out. With
    /// `decided_by_exact`, a name the knowledge base lists verbatim for one entity only ends the
    /// search there: `resolve` answers it whatever else scores near it.
    fn rank(
        &self,
        name: &str,
        kind: Option<&str>,
        min_score: f32,
        decided_by_exact: bool,
    ) -> Option<Ranking> {
        let inner = &*self.inner;
        let mut query = Query::analyze(name, &inner.normalizer)?;
        let mut found = Found {
            inner,
            query: &query,
            kind,
            best: FxHashMap::default(),
        };
        found.whole_keys();
        let decided = decided_by_exact && found.exact_entities() == 1;
        let mut best = found.best;
        // A lone title names nobody, unless the knowledge base has it as a name.
        if !query.only_titles && !decided {
            query.read_words(&inner.index);
            let mut found = Found {
                inner,
                query: &query,
                kind,
                best,
            };
            let candidates = token_candidates(&query, &inner.index, min_score);
            let enough = min_score.max(inner.threshold as f32);
            let below = found.token_matches(&candidates, enough);
            found.spellings(below);
            if found.best_score() < enough {
                found.spellings_beyond_tokens();
            }
            best = found.best;
        }
        let ranked = self.sorted(best);
        Some(Ranking { query, ranked })
    }

    fn sorted(&self, best: FxHashMap<u32, Best>) -> Vec<Best> {
        let entities = self.inner.kb.entities();
        let mut ranked: Vec<(u32, Best)> = best.into_iter().collect();
        ranked.sort_by(|(ea, a), (eb, b)| {
            b.score
                .total_cmp(&a.score)
                .then(
                    entities[*eb as usize]
                        .weight
                        .total_cmp(&entities[*ea as usize].weight),
                )
                .then(ea.cmp(eb))
        });
        ranked.into_iter().map(|(_, b)| b).collect()
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
        assert!(r.resolve("Trump", None).is_none());
        let both: Vec<String> = r
            .candidates("Trump", 5, None)
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(both.len(), 2, "{both:?}");
        assert_eq!(r.resolve("Melania Trump", None).unwrap().id, "melania");

        let mut kb = KnowledgeBase::new();
        kb.add(person("donald", "Donald Trump").with_weight(10.0))
            .unwrap();
        kb.add(person("melania", "Melania Trump")).unwrap();
        let r = Resolver::new(kb).unwrap();
        assert_eq!(r.resolve("Trump", None).unwrap().id, "donald");
    }

    #[test]
    fn surname_alone_only_for_persons() {
        let mut kb = KnowledgeBase::new();
        kb.add(person("bn", "Benjamin Netanyahu")).unwrap();
        kb.add(Entity::new("ZA", "South Africa").with_kind("country"))
            .unwrap();
        let r = Resolver::new(kb).unwrap();
        assert_eq!(r.resolve("Netanyahu", None).unwrap().id, "bn");
        assert!(r.resolve("Africa", None).is_none());
        assert!(
            r.resolve("Benjamin", None).is_none(),
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
        assert!(
            r.resolve("Georgia", None).is_none(),
            "two entities, one name"
        );
        assert_eq!(r.resolve("Georgia", Some("state")).unwrap().id, "US-GA");
        assert!(r.resolve("Georgia", Some("city")).is_none());
        let strict = Resolver::builder().threshold(1.0).build(kb).unwrap();
        assert!(strict.resolve("Gorgia", Some("country")).is_none());
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
        let m = r.resolve("Grnad Rivière du Nord", None).unwrap();
        assert_eq!((m.id.as_str(), m.method), ("grn", Method::Spelling));
        assert_eq!(r.resolve("Rooty Hgldl", None).unwrap().id, "rh");
        // Too many broken words stay unmatched.
        assert!(r.resolve("Rxxty Hgldl", None).is_none());
    }

    #[test]
    fn empty_kb_and_empty_query() {
        let r = Resolver::new(KnowledgeBase::new()).unwrap();
        assert!(r.resolve("anything", None).is_none());
        assert!(r.candidates("", 5, None).is_empty());
    }
}
