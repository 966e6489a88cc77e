//! A person the column names by title and surname ("President Tokayev", and then "Tokayev"
//! alone) is the person it names in full with that surname ("Kassym-Jomart Tokayev"), when it
//! names only one. A surname alone scores too little against a full name to join it (another
//! person may carry it); a title says the name is a person's, and a column with one full name
//! of that surname says whose.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::units::Unit;
use crate::normalize::titles::{name_start, titles_before};
use crate::normalize::{match_text, Normalizer};
use crate::threads;

/// What a unit's spelling says of a person: whether a title or role stands before the name,
/// how many words the name has, and the word when it has one.
struct Reading {
    titled: bool,
    words: usize,
    surname: Option<String>,
}

/// The words of the name in `text` after any titles, and whether a title or role stood before
/// it.
fn name_words(text: &str, normalizer: &Normalizer) -> (bool, Vec<String>) {
    let tokens = normalizer.tokens(text);
    let start = name_start(&tokens);
    // A title or role right before the name; a leading article alone ("The Times") is not one.
    let titled = start.is_some_and(|s| titles_before(&tokens, s).is_some());
    let words = tokens[start.unwrap_or(0)..]
        .iter()
        .map(match_text)
        .collect();
    (titled, words)
}

fn read(text: &str, normalizer: &Normalizer) -> Reading {
    let (titled, mut words) = name_words(text, normalizer);
    Reading {
        titled,
        words: words.len(),
        surname: if words.len() == 1 { words.pop() } else { None },
    }
}

/// Joins each cluster of surnames alone, one of them written with a title, to the one cluster
/// of full names with that surname, when there is exactly one and a pair between the two was
/// scored. `root` gives each unit's cluster; `pairs` each unit's scored neighbours. Returns
/// the joins made: the best scored pair between the two clusters.
pub(crate) fn join_titled_surnames(
    units: &[Unit],
    pairs: &[Vec<(u32, f32)>],
    root: &mut [u32],
) -> Vec<(u32, u32, f32)> {
    let normalizer = Normalizer::new();
    let readings: Vec<Reading> = threads::install(|| {
        units
            .par_iter()
            .map(|u| read(u.text(), &normalizer))
            .collect()
    });
    let mut members: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for (u, &r) in root.iter().enumerate() {
        members.entry(r).or_default().push(u as u32);
    }
    // The clusters of surnames alone with a title among them, in order.
    let mut titled: Vec<(u32, &[u32])> = members
        .iter()
        .filter(|(_, list)| {
            list.iter().all(|&u| readings[u as usize].surname.is_some())
                && list.iter().any(|&u| readings[u as usize].titled)
        })
        .map(|(&c, list)| (c, list.as_slice()))
        .collect();
    if titled.is_empty() {
        return Vec::new();
    }
    titled.sort_unstable_by_key(|&(c, _)| c);
    let surname = |u: u32| readings[u as usize].surname.as_deref().unwrap_or_default();
    let wanted: FxHashSet<&str> = titled
        .iter()
        .flat_map(|&(_, list)| list.iter().map(|&u| surname(u)))
        .collect();
    // The units that name someone in full, by each of those surnames their name holds.
    let mut full_with: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    for (u, unit) in units.iter().enumerate() {
        if readings[u].words >= 2 {
            for w in name_words(unit.text(), &normalizer).1 {
                if let Some(&key) = wanted.get(w.as_str()) {
                    full_with.entry(key).or_default().push(u as u32);
                }
            }
        }
    }
    let mut joins = Vec::new();
    for (c, list) in titled {
        let mut others: Vec<u32> = list
            .iter()
            .flat_map(|&u| full_with.get(surname(u)).into_iter().flatten())
            .map(|&v| root[v as usize])
            .filter(|&d| d != c)
            .collect();
        others.sort_unstable();
        others.dedup();
        let [d] = others[..] else {
            continue;
        };
        // The best scored pair between the two, as the join's evidence.
        let best = list
            .iter()
            .flat_map(|&u| pairs[u as usize].iter().map(move |&(v, s)| (u, v, s)))
            .filter(|&(_, v, _)| root[v as usize] == d)
            .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(&a.0)).then(b.1.cmp(&a.1)));
        let Some(join) = best else {
            continue;
        };
        // A cluster of surnames alone never receives a join, so its members are all there is.
        for &u in list {
            root[u as usize] = d;
        }
        joins.push(join);
    }
    joins
}
