//! Words the column itself shows to be other names, not typos or spellings of each other. A
//! typo is rare: "Olivr" turns up once or twice. When two words each turn up in many different
//! names of the column ("Olivia White", "Olivia Jones", "Oliver White", "Oliver Grant"), in
//! different company, the column uses them as two names, and a pair of names that differs by
//! them ("Olivia White", "Oliver White"; "Joshua Rudd", "Joshua Reid") is not joined however
//! near their letters are. Spellings of one word that keep the same company ("Tokayev" and
//! "Tokaev", both with "Kassym-Jomart" and "President") stay alike, and so do the words the
//! scorer knows to be one: legal forms, titles, nicknames, abbreviations, initials.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;

use super::units::Unit;
use crate::normalize::{abbreviations, legal, match_words, nicknames, titles, Normalizer};
use crate::rules::is_small_word;
use crate::threads;

/// How many different names a word must turn up in before its near spellings count as other
/// words: fewer, and it may be the typo.
const ESTABLISHED: usize = 3;

/// The largest share of a word's companions that another word may share with it and still be
/// another name: more, and the two are spellings of one word used in the same names.
const SHARED_COMPANY: f32 = 0.5;

/// Each unit's words as numbers, and what the column says of each word.
pub(crate) struct Vocabulary {
    words: Vec<String>,
    of_unit: Vec<Vec<u32>>,
    /// For each word, the other words it turns up with (only kept for established words).
    company: Vec<FxHashSet<u32>>,
    /// For each word, how many units it turns up in.
    units: Vec<usize>,
    /// For each word, whether it is a plain word: not an initial, small word, legal form or
    /// title, whose differences the scorer weighs in its own way.
    plain: Vec<bool>,
}

impl Vocabulary {
    pub(crate) fn new(units: &[Unit]) -> Vocabulary {
        let mut id_of: FxHashMap<String, u32> = FxHashMap::default();
        let mut words: Vec<String> = Vec::new();
        let mut of_unit: Vec<Vec<u32>> = Vec::with_capacity(units.len());
        // Legal forms folded to one word each, as the scorer sees them.
        let unit_words: Vec<Vec<String>> = threads::install(|| {
            units
                .par_iter()
                .map(|unit| legal::fold(&match_words(unit.text())))
                .collect()
        });
        for unit_words in unit_words {
            let mut ids: Vec<u32> = unit_words
                .into_iter()
                .map(|w| {
                    *id_of.entry(w).or_insert_with_key(|w| {
                        words.push(w.clone());
                        words.len() as u32 - 1
                    })
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            of_unit.push(ids);
        }
        let mut counts = vec![0usize; words.len()];
        for ids in &of_unit {
            for &w in ids {
                counts[w as usize] += 1;
            }
        }
        let mut company: Vec<FxHashSet<u32>> = vec![FxHashSet::default(); words.len()];
        for ids in &of_unit {
            for &w in ids.iter().filter(|&&w| counts[w as usize] >= ESTABLISHED) {
                company[w as usize].extend(ids.iter().filter(|&&o| o != w));
            }
        }
        let normalizer = Normalizer::new();
        let plain = words.iter().map(|w| is_plain(w, &normalizer)).collect();
        Vocabulary {
            words,
            plain,
            of_unit,
            company,
            units: counts,
        }
    }

    /// True when units `u` and `v` differ by words the column uses as other names: each has
    /// plain words the other lacks, every one of them established, and one of each side keeps
    /// other company than the other. A word one side has in place of none, or a typo, keeps
    /// the pair. `seen` remembers the pairs of words already weighed.
    pub(crate) fn other_names(
        &self,
        u: u32,
        v: u32,
        seen: &mut FxHashMap<(u32, u32), bool>,
    ) -> bool {
        let (a, b) = (&self.of_unit[u as usize], &self.of_unit[v as usize]);
        let only = |x: &'_ [u32], y: &'_ [u32]| -> SmallVec<[u32; 4]> {
            let words: SmallVec<[u32; 4]> = x
                .iter()
                .copied()
                .filter(|w| y.binary_search(w).is_err() && self.plain[*w as usize])
                .collect();
            if words.iter().all(|&w| self.established(w)) {
                words
            } else {
                SmallVec::new()
            }
        };
        let (only_a, only_b) = (only(a, b), only(b, a));
        only_a.iter().any(|&x| {
            only_b.iter().any(|&y| {
                *seen
                    .entry((x.min(y), x.max(y)))
                    .or_insert_with(|| self.distinct_words(x, y))
            })
        })
    }

    fn established(&self, w: u32) -> bool {
        self.units[w as usize] >= ESTABLISHED
    }

    fn distinct_words(&self, x: u32, y: u32) -> bool {
        let (a, b) = (&self.words[x as usize], &self.words[y as usize]);
        if nicknames::related(a).any(|n| n == b) || abbreviations::related(a).any(|n| n == b) {
            return false;
        }
        // One word and the same with an ending ("Russia", "Russian"; "Vatikan", "Vatikano")
        // are forms of one word in many languages.
        if a.starts_with(b.as_str()) || b.starts_with(a.as_str()) {
            return false;
        }
        let (cx, cy) = (&self.company[x as usize], &self.company[y as usize]);
        // A word seen alone says nothing of the company it keeps.
        if cx.len() < 2 || cy.len() < 2 {
            return false;
        }
        let (small, big) = if cx.len() <= cy.len() {
            (cx, cy)
        } else {
            (cy, cx)
        };
        let shared = small.iter().filter(|w| big.contains(w)).count();
        let fewer = small.len();
        (shared as f32) / (fewer as f32) <= SHARED_COMPANY
    }
}

/// True for a word whose difference from another is a difference of name.
fn is_plain(word: &str, normalizer: &Normalizer) -> bool {
    // Words of one or two letters are initials and the little words of many languages ("en",
    // "na", "es"), too many to list.
    word.chars().count() >= 3
        && !is_small_word(word)
        && !legal::is_form(word)
        && !legal::is_legal_form(word)
        && !titles::is_only_titles(&normalizer.tokens(word))
}

/// Removes the pairs of units that differ by words the column uses as other names (see the
/// module's documentation); `pairs` holds each unit's neighbours.
pub(crate) fn drop_other_names(pairs: &mut [Vec<(u32, f32)>], vocabulary: &Vocabulary) {
    threads::install(|| {
        let seen = FxHashMap::default;
        pairs
            .par_iter_mut()
            .enumerate()
            .for_each_init(seen, |seen, (u, list)| {
                list.retain(|&(v, _)| !vocabulary.other_names(u as u32, v, seen));
            });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::units::units;

    fn vocabulary(names: &[&str]) -> (Vocabulary, Vec<Unit>) {
        let names: Vec<Option<&str>> = names.iter().copied().map(Some).collect();
        let units = units(&names).units;
        (Vocabulary::new(&units), units)
    }

    fn unit(units: &[Unit], text: &str) -> u32 {
        units.iter().position(|u| u.text() == text).unwrap() as u32
    }

    #[test]
    fn two_names_each_in_many_names_are_other_names() {
        let (v, units) = vocabulary(&[
            "Olivia White",
            "Olivia Jones",
            "Olivia Grant",
            "Oliver White",
            "Oliver Burke",
            "Oliver Lane",
            "Olivr Lane",
        ]);
        let u = |t| unit(&units, t);
        let seen = &mut FxHashMap::default();
        assert!(v.other_names(u("Olivia White"), u("Oliver White"), seen));
        // A typo turns up once: it is not another name.
        assert!(!v.other_names(u("Olivr Lane"), u("Oliver Lane"), seen));
    }

    #[test]
    fn legal_forms_nicknames_and_endings_are_not_other_names() {
        let (v, units) = vocabulary(&[
            "Siemens AG",
            "Siemens Aktiengesellschaft",
            "Bosch AG",
            "Bayer AG",
            "Allianz Aktiengesellschaft",
            "Linde Aktiengesellschaft",
            "William Burke",
            "William Grant",
            "William Lane",
            "Bill Burke",
            "Bill Stone",
            "Bill Hart",
            "Bill Moss",
            "Vatikan Stadt",
            "Vatikan Staat",
            "Vatikan Museen",
            "Vatikano Stadt",
            "Vatikano Citta",
            "Vatikano Stato",
            "Vatikano Musei",
        ]);
        let u = |t| unit(&units, t);
        let seen = &mut FxHashMap::default();
        assert!(!v.other_names(u("Siemens AG"), u("Siemens Aktiengesellschaft"), seen));
        assert!(!v.other_names(u("William Burke"), u("Bill Burke"), seen));
        assert!(!v.other_names(u("Vatikan Stadt"), u("Vatikano Stadt"), seen));
    }

    #[test]
    fn spellings_in_the_same_company_stay_alike() {
        let (v, units) = vocabulary(&[
            "Kassym-Jomart Tokayev",
            "Kassym-Jomart Tokaev",
            "President Tokayev",
            "President Tokaev",
            "Tokayev",
            "Tokaev",
        ]);
        let u = |t| unit(&units, t);
        let seen = &mut FxHashMap::default();
        assert!(!v.other_names(u("President Tokayev"), u("President Tokaev"), seen));
    }
}
