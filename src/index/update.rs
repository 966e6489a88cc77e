//! Live updates of a built index: entities added and removed in place, every table kept as a
//! rebuild from the resulting entities would have it.
//!
//! The index grows by appending: new aliases, words and keys go after the ones it was built
//! with (the sorted key tables take them in small side maps), and a removed alias stays where it
//! is, marked dead, skipped by every lookup. What scores depend on is kept exact: how many live
//! aliases and entities hold each word (so token weights, and the words an acronym may not
//! spell, are those of a rebuild), and which acronyms each entity's names generate. An entity's
//! aliases keep their order among themselves (names in order, then acronyms sorted), and every
//! order that crosses entities is taken from the knowledge base, not from alias numbers, so a
//! grown index answers as a rebuilt one (`tests/updates.rs` checks it).
//!
//! The bookkeeping is made on the first change ([`Index::prepare_changes`]), so an index that
//! never changes pays nothing for it; the resolver rebuilds the index when the changes grow past
//! a share of it (see [`Index::changed_share`]).

use rustc_hash::{FxHashMap, FxHashSet};

use super::build::{acronym_candidates, alias_keys, code_of, entity_names, posted, spells_a_code};
use super::deletes::for_each_delete;
use super::flat::hash_bytes;
use super::{bare_keys, spelled_len, AliasSource, Index, SpanProbe, SpanRole};
use crate::kb::Entity;
use crate::normalize::drift::drift_key;
use crate::normalize::legal::is_legal_form;
use crate::normalize::{is_lossy_text, Normalizer};
use crate::rules::{edit_budget, idf, is_light, max_idf, weigh, MIN_DRIFT_LEN};

/// What live updates changed, and the counts that keep the index equal to a rebuild.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// One bit per alias: set when the alias was removed.
    dead: Vec<u64>,
    dead_count: usize,
    /// Aliases added since the index was built.
    added: usize,
    /// Per vocabulary token: the live aliases that hold it.
    alias_refs: Vec<u32>,
    /// Per vocabulary token: the live names and aliases (not generated acronyms) that hold it;
    /// an acronym that spells such a word is not generated.
    name_refs: Vec<u32>,
    /// Per vocabulary token: the live entities that hold it in an alias of the postings, its
    /// document frequency.
    df: Vec<u32>,
    /// Per vocabulary token: the live aliases in its postings.
    posted: Vec<u32>,
    /// Per vocabulary token: whether it weighs lightly (a legal form or a small word).
    light: Vec<bool>,
    /// Aliases added to a token's postings after the index was built.
    added_postings: FxHashMap<u32, Vec<u32>>,
    /// Per entity: its aliases, live and dead, in the order they were indexed.
    entity_aliases: Vec<Vec<u32>>,
    /// Per entity: the acronyms its names generate, before the knowledge base's words and codes
    /// are consulted.
    candidates: Vec<Vec<String>>,
    /// Per acronym: the entities whose names generate it.
    acronym_users: FxHashMap<String, Vec<u32>>,
    /// Identifiers written as codes, with their entity (see `build::code_of`).
    codes: FxHashMap<String, u32>,
    /// Acronyms whose standing may have changed during the current call, and entities added
    /// during it: both get their acronyms decided again before the call ends.
    dirty_acronyms: FxHashSet<String>,
    dirty_entities: FxHashSet<u32>,
}

impl Changes {
    pub(super) fn is_dead(&self, a: u32) -> bool {
        self.dead
            .get(a as usize / 64)
            .is_some_and(|w| w & (1 << (a % 64)) != 0)
    }

    pub(super) fn is_used(&self, v: u32) -> bool {
        self.alias_refs.get(v as usize).is_some_and(|&n| n > 0)
    }

    pub(super) fn added_postings(&self, v: u32) -> &[u32] {
        self.added_postings.get(&v).map_or(&[], Vec::as_slice)
    }

    pub(super) fn posting_count(&self, v: u32) -> usize {
        self.posted.get(v as usize).map_or(0, |&n| n as usize)
    }
}

/// The distinct tokens of an alias, in first-seen order.
fn distinct(ids: &[u32]) -> impl Iterator<Item = u32> + '_ {
    ids.iter()
        .enumerate()
        .filter(|&(i, t)| !ids[..i].contains(t))
        .map(|(_, &t)| t)
}

impl Index {
    /// True once a live update changed the index.
    pub(crate) fn is_changed(&self) -> bool {
        self.changes
            .as_ref()
            .is_some_and(|c| c.added > 0 || c.dead_count > 0)
    }

    /// The share of the index that changes made: aliases added or removed, over the aliases it
    /// was built with (at least one). The resolver rebuilds the index when it grows too large.
    pub(crate) fn changed_share(&self) -> f64 {
        let Some(c) = &self.changes else {
            return 0.0;
        };
        let built = (self.alias_entity.len() - c.added).max(1);
        (c.added + c.dead_count) as f64 / built as f64
    }

    /// Makes the bookkeeping live updates need, from the index and its entities (`entities[e]`
    /// is the entity of slot `e`, `None` for a removed one). Done once, on the first change.
    pub(crate) fn prepare_changes(&mut self, entities: &[Option<Entity>], normalizer: &Normalizer) {
        if self.changes.is_some() {
            return;
        }
        let words = self.vocab.len();
        let aliases = self.alias_entity.len();
        let mut c = Changes {
            dead: vec![0; aliases.div_ceil(64)],
            alias_refs: vec![0; words],
            name_refs: vec![0; words],
            df: vec![0; words],
            posted: vec![0; words],
            light: (0..words as u32)
                .map(|v| is_light(self.vocab.get(v)))
                .collect(),
            entity_aliases: vec![Vec::new(); entities.len()],
            candidates: vec![Vec::new(); entities.len()],
            ..Changes::default()
        };
        for a in 0..aliases as u32 {
            let alias = self.alias(a);
            c.entity_aliases[alias.entity as usize].push(a);
            for t in distinct(alias.tokens) {
                c.alias_refs[t as usize] += 1;
                if alias.source != AliasSource::Acronym {
                    c.name_refs[t as usize] += 1;
                }
            }
            for t in distinct(posted(alias.tokens)) {
                c.posted[t as usize] += 1;
            }
        }
        for (e, entity) in entities.iter().enumerate() {
            let Some(entity) = entity else { continue };
            for t in self.entity_tokens(&c.entity_aliases[e], &c) {
                c.df[t as usize] += 1;
            }
            let candidates = self.candidates_of(&c.entity_aliases[e], entity, normalizer);
            for a in &candidates {
                c.acronym_users.entry(a.clone()).or_default().push(e as u32);
            }
            c.candidates[e] = candidates;
            if let Some(code) = code_of(&entity.id, normalizer) {
                c.codes.insert(code, e as u32);
            }
        }
        self.changes = Some(Box::new(c));
    }

    /// The acronyms the names of `entity`, indexed as `aliases`, generate (as the builder
    /// computed them, re-read from the index).
    fn candidates_of(
        &self,
        aliases: &[u32],
        entity: &Entity,
        normalizer: &Normalizer,
    ) -> Vec<String> {
        let names: Vec<(Vec<String>, AliasSource, bool)> = aliases
            .iter()
            .map(|&a| self.alias(a))
            .filter(|alias| alias.source != AliasSource::Acronym)
            .map(|alias| {
                let tokens: Vec<String> = alias
                    .tokens
                    .iter()
                    .map(|&v| self.vocab.get(v).to_string())
                    .collect();
                (tokens, alias.source, alias.source == AliasSource::Name)
            })
            .collect();
        // Whether the name's words are parted by white space only matters for its two letters;
        // it is read again from the name as written.
        let spans = normalizer.tokens(&entity.name);
        let spaced = spans.windows(2).all(|w| {
            entity
                .name
                .get(w[0].end..w[1].start)
                .is_some_and(|gap| gap.chars().any(char::is_whitespace))
        });
        acronym_candidates(
            entity.is_person(),
            names
                .iter()
                .map(|(tokens, source, name)| (tokens.as_slice(), *source, *name && spaced)),
        )
    }

    /// The distinct tokens of the live aliases of the postings among `aliases`.
    fn entity_tokens(&self, aliases: &[u32], c: &Changes) -> Vec<u32> {
        let mut tokens: Vec<u32> = aliases
            .iter()
            .filter(|&&a| !c.is_dead(a))
            .flat_map(|&a| posted(self.alias_tokens.get(a)).iter().copied())
            .collect();
        tokens.sort_unstable();
        tokens.dedup();
        tokens
    }

    /// Counts (`admit`) or stops counting the tokens of entity `e` in their document
    /// frequencies.
    fn count_entity(&mut self, e: u32, admit: bool) {
        let Some(mut c) = self.changes.take() else {
            return;
        };
        for t in self.entity_tokens(&c.entity_aliases[e as usize], &c) {
            let df = &mut c.df[t as usize];
            *df = if admit { *df + 1 } else { df.saturating_sub(1) };
        }
        self.changes = Some(c);
    }

    /// Adds the entity of slot `e` (a new slot, or one whose entity was removed).
    pub(crate) fn add_entity(&mut self, e: u32, entity: &Entity, normalizer: &Normalizer) {
        let names = entity_names(entity, &|text| normalizer.tokens(text));
        for name in &names {
            self.insert_alias(e, name.text, &name.tokens, Some(&name.raw), name.source);
        }
        let candidates = acronym_candidates(
            entity.is_person(),
            names
                .iter()
                .map(|n| (n.tokens.as_slice(), n.source, n.spaced)),
        );
        let code = code_of(&entity.id, normalizer);
        let Some(c) = self.changes.as_mut() else {
            return;
        };
        for a in &candidates {
            let users = c.acronym_users.entry(a.clone()).or_default();
            if let Err(at) = users.binary_search(&e) {
                users.insert(at, e);
            }
        }
        let slot = e as usize;
        if c.candidates.len() <= slot {
            c.candidates.resize(slot + 1, Vec::new());
        }
        c.candidates[slot] = candidates;
        if let Some(code) = code {
            c.dirty_acronyms.insert(code.clone());
            c.codes.insert(code, e);
        }
        c.dirty_entities.insert(e);
    }

    /// Removes the entity of slot `e`, whose identifier is `id`.
    pub(crate) fn remove_entity(&mut self, e: u32, id: &str, normalizer: &Normalizer) {
        self.count_entity(e, false);
        let aliases = self
            .changes
            .as_mut()
            .map(|c| std::mem::take(&mut c.entity_aliases[e as usize]))
            .unwrap_or_default();
        for a in aliases {
            self.kill_alias(a);
        }
        let Some(c) = self.changes.as_mut() else {
            return;
        };
        for a in std::mem::take(&mut c.candidates[e as usize]) {
            if let Some(users) = c.acronym_users.get_mut(&a) {
                users.retain(|&u| u != e);
            }
        }
        if let Some(code) = code_of(id, normalizer) {
            if c.codes.get(&code) == Some(&e) {
                c.codes.remove(&code);
                c.dirty_acronyms.insert(code);
            }
        }
        c.dirty_entities.remove(&e);
    }

    /// Ends a call: decides again the acronyms whose standing may have changed and those of the
    /// entities added, then weighs every token for `live` entities.
    pub(crate) fn finish_changes(&mut self, live: usize) {
        let Some(c) = self.changes.as_mut() else {
            return;
        };
        // Entities added in this call have their names indexed but not yet counted.
        let added: FxHashSet<u32> = c.dirty_entities.drain().collect();
        let mut entities: Vec<u32> = added.iter().copied().collect();
        for a in c.dirty_acronyms.drain() {
            entities.extend(c.acronym_users.get(&a).into_iter().flatten());
        }
        entities.sort_unstable();
        entities.dedup();
        for e in entities {
            self.refresh_acronyms(e, !added.contains(&e));
        }
        self.reweigh(live);
    }

    /// Decides the acronyms of entity `e` again: those its names generate that spell no word
    /// of a name and no other entity's code. When they differ from the ones indexed, the old
    /// ones are removed and the new ones added, sorted, as a rebuild orders them. `counted` says
    /// whether the entity's tokens are counted in the document frequencies yet.
    fn refresh_acronyms(&mut self, e: u32, counted: bool) {
        let Some(c) = self.changes.as_ref() else {
            return;
        };
        let slot = e as usize;
        let wanted: Vec<String> = c.candidates[slot]
            .iter()
            .filter(|a| {
                let spells_a_word = self
                    .vocab_id(a)
                    .is_some_and(|v| c.name_refs[v as usize] > 0);
                !spells_a_word && !spells_a_code(&c.codes, a, e)
            })
            .cloned()
            .collect();
        let indexed: Vec<u32> = c.entity_aliases[slot]
            .iter()
            .copied()
            .filter(|&a| !c.is_dead(a) && self.alias(a).source == AliasSource::Acronym)
            .collect();
        let current: Vec<&str> = indexed
            .iter()
            .map(|&a| self.vocab.get(self.alias(a).tokens[0]))
            .collect();
        if current == wanted && counted {
            return;
        }
        if counted {
            self.count_entity(e, false);
        }
        for a in indexed {
            self.kill_alias(a);
        }
        for acronym in wanted {
            let text = acronym.to_ascii_uppercase();
            self.insert_alias(e, &text, &[acronym], None, AliasSource::Acronym);
        }
        self.count_entity(e, true);
    }

    /// Weighs every token for `live` entities, as a rebuild would.
    fn reweigh(&mut self, live: usize) {
        let Some(c) = self.changes.as_ref() else {
            return;
        };
        self.weight.resize(c.df.len(), 0.0);
        for ((weight, &df), &light) in self.weight.iter_mut().zip(&c.df).zip(&c.light) {
            *weight = weigh(light, idf(live, df));
        }
        self.max_idf = max_idf(live);
    }

    /// Marks alias `a` dead and stops counting its tokens.
    fn kill_alias(&mut self, a: u32) {
        let Some(c) = self.changes.as_mut() else {
            return;
        };
        if c.is_dead(a) {
            return;
        }
        c.dead[a as usize / 64] |= 1 << (a % 64);
        c.dead_count += 1;
        let source = AliasSource::from_code(self.alias_source[a as usize]);
        let tokens = self.alias_tokens.get(a);
        for t in distinct(posted(tokens)) {
            c.posted[t as usize] = c.posted[t as usize].saturating_sub(1);
        }
        for t in distinct(tokens) {
            c.alias_refs[t as usize] = c.alias_refs[t as usize].saturating_sub(1);
            if source != Some(AliasSource::Acronym) {
                c.name_refs[t as usize] = c.name_refs[t as usize].saturating_sub(1);
                if c.name_refs[t as usize] == 0 {
                    c.dirty_acronyms.insert(self.vocab.get(t).to_string());
                }
            }
        }
    }

    /// Indexes one alias of entity `e` after the others, with every key a build gives it.
    fn insert_alias(
        &mut self,
        e: u32,
        text: &str,
        tokens: &[String],
        raw: Option<&[String]>,
        source: AliasSource,
    ) -> u32 {
        let id = self.alias_entity.len() as u32;
        let ids: Vec<u32> = tokens.iter().map(|t| self.intern(t)).collect();
        let keys = alias_keys(tokens, raw, true);
        for &h in &keys.exact {
            self.exact.insert(h, id);
            self.mark_span(h, SpanRole::Whole);
        }
        for &h in &keys.compact {
            self.compact.insert(h, id);
        }
        for &h in &keys.prefixes {
            self.prefixes.insert(h, 0);
            self.mark_span(h, SpanRole::Start);
        }
        if let Some(bare) = bare_keys(tokens.iter().map(String::as_str)) {
            self.bare.insert(bare.key, id);
            self.mark_span(bare.key, SpanRole::Whole);
            for h in bare.prefixes {
                self.bare_prefixes.insert(h, 0);
                self.mark_span(h, SpanRole::Start);
            }
        }
        self.alias_entity.push(e);
        self.alias_source.push(source.code());
        self.alias_text.push(text);
        self.alias_tokens.push(&ids);
        self.spelled_lens
            .push(spelled_len(tokens.iter().map(String::as_str)));
        let Some(c) = self.changes.as_mut() else {
            return id;
        };
        c.added += 1;
        if c.dead.len() * 64 <= id as usize {
            c.dead.push(0);
        }
        let slot = e as usize;
        if c.entity_aliases.len() <= slot {
            c.entity_aliases.resize(slot + 1, Vec::new());
        }
        c.entity_aliases[slot].push(id);
        for t in distinct(posted(&ids)) {
            c.added_postings.entry(t).or_default().push(id);
            c.posted[t as usize] += 1;
        }
        for t in distinct(&ids) {
            c.alias_refs[t as usize] += 1;
            if source != AliasSource::Acronym {
                c.name_refs[t as usize] += 1;
                if c.name_refs[t as usize] == 1 {
                    c.dirty_acronyms.insert(self.vocab.get(t).to_string());
                }
            }
        }
        id
    }

    /// The vocabulary id of `token`, added with its fuzzy and romanization keys when new.
    fn intern(&mut self, token: &str) -> u32 {
        if let Some(v) = self.vocab_id(token) {
            return v;
        }
        let v = self.vocab.len() as u32;
        self.vocab.push(token);
        self.vocab_ids.insert(hash_bytes(token.as_bytes()), v);
        // Legal forms and lossy transliterations are matched exactly, never fuzzily; a scanned
        // vocabulary keeps no tables.
        if !self.scan_vocab && !is_legal_form(token) && !is_lossy_text(token) {
            if token.len() >= MIN_DRIFT_LEN {
                self.drift
                    .insert(hash_bytes(drift_key(token).as_bytes()), v);
            }
            let deletes = &mut self.deletes;
            for_each_delete(token, edit_budget(token.len()), &mut |h| {
                deletes.insert(h, v)
            });
        }
        self.weight.push(0.0);
        if let Some(c) = self.changes.as_mut() {
            c.alias_refs.push(0);
            c.name_refs.push(0);
            c.df.push(0);
            c.posted.push(0);
            c.light.push(is_light(token));
        }
        v
    }

    /// Sets the bits of `hash` in the span filter (see [`Index::span_candidates`]).
    fn mark_span(&mut self, hash: u64, role: SpanRole) {
        let bits = (self.span_filter.len() * 64).trailing_zeros();
        if bits == 0 {
            return;
        }
        SpanProbe::of(hash, bits).mark(&mut self.span_filter, role);
    }
}
