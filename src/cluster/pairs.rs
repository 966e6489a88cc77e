//! Candidate pairs and their scores, never all pairs: the units are indexed as a knowledge base
//! of their own, and each unit is looked up in it as the resolver looks up a name (whole keys,
//! words with their typos, romanizations, nicknames and abbreviations, initials, legal forms,
//! titles, reordering, the whole spelling), keeping the units it scores well against.

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::units::Unit;
use super::Progress;
use crate::error::Result;
use crate::kb::{Entity, KnowledgeBase};
use crate::resolve::Resolver;
use crate::threads;

/// The most neighbours kept for one unit: enough for the spellings of one name, few enough
/// that a common word cannot make a unit compare with thousands.
const MAX_NEIGHBOURS: usize = 24;

/// A resolver over the units: entity `i` is unit `i`, named by its most frequent spelling.
pub(crate) fn index_units(units: &[Unit]) -> Result<Resolver> {
    let mut kb = KnowledgeBase::new();
    for (i, unit) in units.iter().enumerate() {
        kb.add(Entity::new(i.to_string(), unit.text()))?;
    }
    Resolver::new(kb)
}

/// Each unit's neighbours with the score it earns against them, at least `floor`, best first;
/// `progress` counts the units looked up, and stops the lookups when cancelled.
pub(crate) fn neighbours(
    resolver: &Resolver,
    units: &[Unit],
    floor: f32,
    progress: &Progress,
) -> Vec<Vec<(u32, f32)>> {
    threads::install(|| {
        units
            .par_iter()
            .enumerate()
            .map(|(u, unit)| {
                if progress.is_cancelled() {
                    return Vec::new();
                }
                let mut found = resolver.scored_entities(unit.text(), floor);
                found.retain(|&(v, _)| v as usize != u);
                found.truncate(MAX_NEIGHBOURS);
                progress.done.fetch_add(1, Ordering::Relaxed);
                found
            })
            .collect()
    })
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
