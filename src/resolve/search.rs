//! The search for one name: whole keys first, then the candidates' words, then whole spellings;
//! the best alias of each entity kept, ranked, and turned into matches with their evidence.

use rustc_hash::FxHashMap;

use super::{Match, State};
use crate::candidates::{closest_misses, spelling_candidates, token_candidates, ScoredAlias};
use crate::distance;
use crate::index::AliasSource;
use crate::kb::Entity;
use crate::query::{KeyKind, Query};
use crate::rules::{clearly_heaviest, edit_budget, lean, Method, ACRONYM, EXACT, TIE_LEAN_FROM};
use crate::score::{align, score_spelling, Evidence};

/// The lowest score [`super::Resolver::candidates`] looks for: below it, candidates may be left
/// out.
const CANDIDATES_MIN_SCORE: f32 = 0.2;

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
    inner: &'a State,
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
        let Some(entity) = self.inner.kb.at(entry.entity) else {
            return;
        };
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
                let entity = index.alias(a).entity;
                let person = self.inner.kb.at(entity).is_some_and(Entity::is_person);
                if persons_only && !person {
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
            let person = inner.kb.at(entry.entity).is_some_and(Entity::is_person);
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
                        distance::jaro_winkler(&query.spelled, &index.spelled(a)) as f32
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
        let shortest = self.query.min_spelling_len();
        let mut buf = String::new();
        for a in aliases {
            index.spell_into(a, &mut buf);
            if let Some(s) = score_spelling(spelled, &buf, shortest) {
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

impl State {
    /// The entity `name` refers to, or `None` when nothing scores at least the threshold or when
    /// two entities are too close to tell apart. `kind`, when given, keeps only entities of that
    /// kind.
    pub(crate) fn resolve(&self, name: &str, kind: Option<&str>) -> Option<Match> {
        let Ranking { query, ranked } = self.rank(name, kind, self.threshold as f32, true)?;
        let first = ranked.first()?;
        let inner = self;
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
            return self.to_match(&query, first);
        }
        if first.method == Method::Exact && rivals[1..].iter().all(|b| b.method != Method::Exact) {
            return self.to_match(&query, first);
        }
        let weights: Vec<f64> = rivals.iter().map(|b| self.weight_of(b)).collect();
        let heaviest = rivals[clearly_heaviest(&weights)?];
        if (heaviest.score as f64) < inner.threshold {
            return None;
        }
        self.to_match(&query, heaviest)
    }

    /// Up to `limit` entities `name` may refer to, best first, whatever their score, each with the
    /// evidence for it. Entities that tie with the best are all listed, so ambiguity is visible.
    pub(crate) fn candidates(&self, name: &str, limit: usize, kind: Option<&str>) -> Vec<Match> {
        let Some(Ranking { query, ranked }) = self.rank(name, kind, CANDIDATES_MIN_SCORE, false)
        else {
            return Vec::new();
        };
        ranked
            .iter()
            .take(limit)
            .filter_map(|b| self.to_match(&query, b))
            .collect()
    }

    /// The score of the best candidate for `name`, as [`State::candidates`] would give it first,
    /// without writing its evidence.
    pub(crate) fn best_score(&self, query: Query) -> Option<f64> {
        let Ranking { ranked, .. } = self.rank_query(query, None, CANDIDATES_MIN_SCORE, false);
        ranked.first().map(|b| rounded(b.score))
    }

    /// The entities `name` scores at least `min_score` against, best first, as their slots with
    /// the score: what clustering compares a spelling with.
    pub(crate) fn scored_entities(&self, name: &str, min_score: f32) -> Vec<(u32, f32)> {
        let Some(Ranking { ranked, .. }) = self.rank(name, None, min_score, false) else {
            return Vec::new();
        };
        ranked
            .iter()
            .take_while(|b| b.score >= min_score)
            .map(|b| (self.index.alias(b.alias).entity, b.score))
            .collect()
    }

    /// How `name` matches the entity in slot `entity`, with its evidence; `None` when it does
    /// not come near.
    pub(crate) fn match_entity(&self, name: &str, entity: u32) -> Option<Match> {
        let Ranking { query, ranked } = self.rank(name, None, CANDIDATES_MIN_SCORE, false)?;
        let best = ranked
            .iter()
            .find(|b| self.index.alias(b.alias).entity == entity)?;
        self.to_match(&query, best)
    }

    /// The entity a match is of; only live entities are offered (see `Found::offer`).
    fn entity(&self, best: &Best) -> Option<&Entity> {
        self.kb.at(self.index.alias(best.alias).entity)
    }

    fn weight_of(&self, best: &Best) -> f64 {
        self.entity(best).map_or(0.0, |e| e.weight)
    }

    fn to_match(&self, query: &Query, best: &Best) -> Option<Match> {
        let index = &self.index;
        let alias = index.alias(best.alias);
        let entity = self.entity(best)?;
        let mut evidence = match best.found_by {
            FoundBy::Key(k) => Evidence::Key(query.keys[k].kind.clone()),
            FoundBy::Spelling => Evidence::Spelling {
                budget: edit_budget(query.spelled.len()),
                query: query.spelled.to_string(),
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
        Some(Match {
            id: entity.id.clone(),
            name: entity.name.clone(),
            score: rounded(best.score),
            alias: index.alias_text(best.alias).to_string(),
            kind: entity.kind.clone(),
            method: best.method,
            evidence: evidence.to_string(),
        })
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
        let query = Query::analyze(name, &self.normalizer)?;
        Some(self.rank_query(query, kind, min_score, decided_by_exact))
    }

    /// [`State::rank`] of a query already analyzed.
    fn rank_query(
        &self,
        mut query: Query,
        kind: Option<&str>,
        min_score: f32,
        decided_by_exact: bool,
    ) -> Ranking {
        let inner = self;
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
        Ranking { query, ranked }
    }

    fn sorted(&self, best: FxHashMap<u32, Best>) -> Vec<Best> {
        let weight = |e: u32| self.kb.at(e).map_or(0.0, |e| e.weight);
        let mut ranked: Vec<(u32, Best)> = best.into_iter().collect();
        ranked.sort_by(|(ea, a), (eb, b)| {
            b.score
                .total_cmp(&a.score)
                .then(weight(*eb).total_cmp(&weight(*ea)))
                .then(ea.cmp(eb))
        });
        ranked.into_iter().map(|(_, b)| b).collect()
    }
}

/// A score as matches give it: to four decimals.
fn rounded(score: f32) -> f64 {
    (score as f64 * 10_000.0).round() / 10_000.0
}
