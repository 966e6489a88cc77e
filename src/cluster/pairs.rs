//! Candidate pairs and their scores, never all pairs: the units are indexed as a knowledge base
//! of their own, and each unit is looked up in it as the resolver looks up a name (whole keys,
//! words with their typos, romanizations, nicknames and abbreviations, initials, legal forms,
//! titles, reordering, the whole spelling), keeping the units it scores well against.

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::units::Unit;
use super::Progress;
use crate::candidates::spelling_candidates;
use crate::error::Result;
use crate::kb::{Entity, KnowledgeBase};
use crate::query::Query;
use crate::resolve::{Resolver, State};
use crate::score::score_spelling;
use crate::threads;

/// How many aliases the postings of a unit's words may hold together before the unit is
/// compared only with the units it may score the threshold against.
const MAX_VOLUME: usize = 500;

/// The most neighbours kept for one unit: enough for the spellings of one name, few enough
/// that a common word cannot make a unit compare with thousands.
const MAX_NEIGHBOURS: usize = 64;

/// A resolver over the units: entity `i` is unit `i`, named by its most frequent spelling.
pub(crate) fn index_units(units: &[Unit]) -> Result<Resolver> {
    let mut kb = KnowledgeBase::new();
    for (i, unit) in units.iter().enumerate() {
        kb.add(Entity::new(i.to_string(), unit.text()))?;
    }
    Resolver::new(kb)
}

/// Each unit's neighbours with the score it earns against them, at least `floor`, best first;
/// units with none scoring `strong` are also compared spelled whole (see [`spellings`]).
/// `progress` counts the units looked up, and stops the lookups when cancelled.
pub(crate) fn neighbours(
    resolver: &Resolver,
    units: &[Unit],
    floor: f32,
    strong: f32,
    progress: &Progress,
) -> Vec<Vec<(u32, f32)>> {
    let state = resolver.read();
    let state = &*state;
    threads::install(|| {
        units
            .par_iter()
            .enumerate()
            .map(|(u, unit)| {
                if progress.is_cancelled() {
                    return Vec::new();
                }
                // Words many names share make many candidates: a name of such words is compared
                // only with the names it may score the threshold against, which read the
                // postings of fewer of its words.
                let common = postings_volume(state, unit.text()) > MAX_VOLUME;
                let least = if common { strong } else { floor };
                let mut found = state.scored_entities(unit.text(), least);
                found.retain(|&(v, _)| v as usize != u);
                // Only a name of several words can hide a typo between them.
                let words = unit.text().contains(|c: char| !c.is_alphanumeric());
                if words && found.first().is_none_or(|&(_, s)| s < strong) {
                    spellings(state, unit.text(), u as u32, floor, &mut found);
                }
                found.truncate(MAX_NEIGHBOURS);
                progress.done.fetch_add(1, Ordering::Relaxed);
                found
            })
            .collect()
    })
}

/// How many aliases the postings of the words of `text` hold together.
fn postings_volume(state: &State, text: &str) -> usize {
    let index = &state.index;
    let mut words = crate::normalize::match_words(text);
    words.sort_unstable();
    words.dedup();
    words
        .iter()
        .filter_map(|w| index.token_id(w))
        .map(|v| index.posting_count(v))
        .sum()
}

/// Adds the units spelled within the edit budget of `text` as a whole ("jacqueline newb
/// ofund", "jacqueline newbound"). The resolver compares whole spellings only when nothing
/// else came near, and a unit's own name always comes near: here that comparison is made for
/// the other units.
fn spellings(state: &State, text: &str, own: u32, floor: f32, found: &mut Vec<(u32, f32)>) {
    let index = &state.index;
    let Some(mut query) = Query::analyze(text, &state.normalizer) else {
        return;
    };
    query.read_words(index);
    let mut spelled = String::new();
    let shortest = query.min_spelling_len();
    for a in spelling_candidates(&query, index) {
        let entity = index.alias(a).entity;
        if entity == own || found.iter().any(|&(v, _)| v == entity) {
            continue;
        }
        index.spell_into(a, &mut spelled);
        if let Some(s) = score_spelling(&query.spelled, &spelled, shortest).filter(|&s| s >= floor)
        {
            found.push((entity, s));
        }
    }
    found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
}

/// The symmetric score of each pair found in either direction: the higher of the two
/// directions, as a name and its longer form score higher one way ("Siemens" is all of
/// "Siemens", most of "Siemens AG"). Each unit's list is sorted by neighbour.
pub(crate) fn symmetric(directed: &[Vec<(u32, f32)>]) -> Vec<Vec<(u32, f32)>> {
    let mut both: Vec<Vec<(u32, f32)>> = directed.to_vec();
    for (u, list) in directed.iter().enumerate() {
        for &(v, s) in list {
            both[v as usize].push((u as u32, s));
        }
    }
    for list in &mut both {
        list.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        list.dedup_by_key(|e| e.0);
    }
    both
}
