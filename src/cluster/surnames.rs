//! A person the column names by title and surname ("President Tokayev", and then "Tokayev"
//! alone) is the person it names in full with that surname ("Kassym-Jomart Tokayev"), when it
//! names only one. A surname alone scores too little against a full name to join it (another
//! person may carry it); a title says the name is a person's, and a column with one full name
//! of that surname says whose.

use rustc_hash::FxHashMap;

use super::units::Unit;
use crate::normalize::titles::{name_start, titles_before};
use crate::normalize::{match_text, Normalizer};

/// What a unit's spelling says of a person: whether a title or role stands before the name,
/// and the words of the name after it.
struct Reading {
    titled: bool,
    words: Vec<String>,
}

fn read(text: &str, normalizer: &Normalizer) -> Reading {
    let tokens = normalizer.tokens(text);
    let start = name_start(&tokens);
    Reading {
        // A title or role right before the name; a leading article alone ("The Times") is
        // not one.
        titled: start.is_some_and(|s| titles_before(&tokens, s).is_some()),
        words: tokens[start.unwrap_or(0)..]
            .iter()
            .map(match_text)
            .collect(),
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
    let mut joins = Vec::new();
    let normalizer = Normalizer::new();
    let readings: Vec<Reading> = units.iter().map(|u| read(u.text(), &normalizer)).collect();
    let mut members: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for (u, &r) in root.iter().enumerate() {
        members.entry(r).or_default().push(u as u32);
    }
    // The units that name someone in full, by each word of the name.
    let mut full_with: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    for (u, reading) in readings.iter().enumerate() {
        if reading.words.len() >= 2 {
            for w in &reading.words {
                full_with.entry(w.as_str()).or_default().push(u as u32);
            }
        }
    }
    let mut clusters: Vec<u32> = members.keys().copied().collect();
    clusters.sort_unstable();
    for c in clusters {
        let list = &members[&c];
        let surnames_alone = list.iter().all(|&u| readings[u as usize].words.len() == 1);
        let titled = list.iter().any(|&u| readings[u as usize].titled);
        if !surnames_alone || !titled {
            continue;
        }
        let mut others: Vec<u32> = list
            .iter()
            .flat_map(|&u| {
                let surname = readings[u as usize].words[0].as_str();
                full_with.get(surname).into_iter().flatten()
            })
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
        for r in root.iter_mut().filter(|r| **r == c) {
            *r = d;
        }
        joins.push(join);
    }
    joins
}
