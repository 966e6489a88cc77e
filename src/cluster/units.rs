//! The first stage of clustering: the distinct spellings of a column, grouped into units of
//! one comparable key (the words a name is matched by), so that each key is compared once
//! however often it occurs.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::normalize::match_words;

/// One spelling as written, how often it occurs and where first.
#[derive(Clone, Debug)]
pub(crate) struct Spelling {
    pub text: String,
    pub count: u32,
    pub first: u32,
    /// How many words it has once normalized: more words, a more complete name.
    pub words: u32,
}

/// Spellings that share one comparable key: "Siemens AG", "SIEMENS AG" and "Siemens A.G."
#[derive(Clone, Debug)]
pub(crate) struct Unit {
    /// The spellings, most frequent first (ties: the more complete, then the first seen).
    pub spellings: Vec<Spelling>,
}

impl Unit {
    /// The spelling the unit is compared by: its most frequent.
    pub fn text(&self) -> &str {
        &self.spellings[0].text
    }
}

/// Orders spellings for choosing a canonical one: most frequent first, then the more
/// complete (more words, then more characters), then the first seen.
pub(crate) fn canonical_order(a: &Spelling, b: &Spelling) -> std::cmp::Ordering {
    b.count
        .cmp(&a.count)
        .then(b.words.cmp(&a.words))
        .then(b.text.chars().count().cmp(&a.text.chars().count()))
        .then(a.first.cmp(&b.first))
}

/// The units of a column, and the unit of each input (`None` for a missing name or one with
/// no letters or digits).
pub(crate) struct Units {
    pub units: Vec<Unit>,
    pub of_input: Vec<Option<u32>>,
    /// For each input with a unit, the position of its spelling among the unit's spellings.
    pub spelling_of_input: Vec<u32>,
}

/// Groups the names of a column into units, in the order of their first occurrence.
pub(crate) fn units<S: AsRef<str> + Sync>(names: &[Option<S>]) -> Units {
    // Distinct spellings first: a column repeats itself.
    let mut by_text: FxHashMap<&str, u32> = FxHashMap::default();
    let mut distinct: Vec<(&str, u32, u32)> = Vec::new();
    let mut spelling_of: Vec<Option<u32>> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let Some(text) = name.as_ref().map(AsRef::as_ref).filter(|t| !t.is_empty()) else {
            spelling_of.push(None);
            continue;
        };
        let id = *by_text.entry(text).or_insert_with(|| {
            distinct.push((text, 0, i as u32));
            distinct.len() as u32 - 1
        });
        distinct[id as usize].1 += 1;
        spelling_of.push(Some(id));
    }
    drop(by_text);
    let keys: Vec<(String, u32)> = crate::threads::install(|| {
        distinct
            .par_iter()
            .map(|(text, _, _)| {
                let words = match_words(text);
                (words.join(" "), words.len() as u32)
            })
            .collect()
    });
    let mut unit_of_key: FxHashMap<&str, u32> = FxHashMap::default();
    let mut units: Vec<Unit> = Vec::new();
    let mut unit_of_spelling: Vec<Option<u32>> = Vec::with_capacity(distinct.len());
    for ((text, count, first), (key, words)) in distinct.iter().zip(&keys) {
        if key.is_empty() {
            unit_of_spelling.push(None);
            continue;
        }
        let u = *unit_of_key.entry(key).or_insert_with(|| {
            units.push(Unit {
                spellings: Vec::new(),
            });
            units.len() as u32 - 1
        });
        units[u as usize].spellings.push(Spelling {
            text: text.to_string(),
            count: *count,
            first: *first,
            words: *words,
        });
        unit_of_spelling.push(Some(u));
    }
    // Each distinct spelling's place in its unit once the unit's spellings are ordered; the
    // first occurrence tells spellings apart.
    let mut place_of_first: FxHashMap<u32, u32> = FxHashMap::default();
    for unit in &mut units {
        unit.spellings.sort_by(canonical_order);
        for (p, s) in unit.spellings.iter().enumerate() {
            place_of_first.insert(s.first, p as u32);
        }
    }
    let mut of_input = Vec::with_capacity(spelling_of.len());
    let mut spelling_of_input = Vec::with_capacity(spelling_of.len());
    for s in spelling_of {
        let unit = s.and_then(|s| unit_of_spelling[s as usize]);
        let place = unit
            .and(s)
            .map_or(0, |s| place_of_first[&distinct[s as usize].2]);
        of_input.push(unit);
        spelling_of_input.push(place);
    }
    Units {
        units,
        of_input,
        spelling_of_input,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_key_share_a_unit() {
        let names = [
            Some("Siemens AG"),
            Some("SIEMENS AG"),
            None,
            Some(""),
            Some("Siemens A.G."),
            Some("SIEMENS AG"),
            Some("???"),
            Some("Bosch"),
        ];
        let Units {
            units,
            of_input,
            spelling_of_input,
        } = units(&names);
        assert_eq!(
            units[0].spellings[spelling_of_input[4] as usize].text,
            "Siemens A.G."
        );
        assert_eq!(
            of_input,
            [
                Some(0),
                Some(0),
                None,
                None,
                Some(0),
                Some(0),
                None,
                Some(1)
            ]
        );
        assert_eq!(units[0].text(), "SIEMENS AG");
        assert_eq!(units[0].spellings.len(), 3);
        assert_eq!(units[1].text(), "Bosch");
    }
}
