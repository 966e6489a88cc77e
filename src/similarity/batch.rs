//! [`similarity`](super::similarity) of many pairs at once, on the batch threads (see
//! [`crate::threads`]): each distinct name is tokenized once, and its resolver built once, only
//! when a pair of it passes the quick check.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::Name;
use crate::normalize::Normalizer;
use crate::threads;

/// The names of `texts`, prepared in parallel.
fn prepare<S: AsRef<str> + Sync>(texts: &[S], normalizer: &Normalizer) -> Vec<Name> {
    texts
        .par_iter()
        .map(|t| Name::new(t.as_ref(), normalizer))
        .collect()
}

/// The [`similarity`](super::similarity) of each pair, in order; a score below `score_cutoff` is
/// given as 0. A name that appears in many pairs is prepared once.
///
/// ```
/// use canonica::similarity_pairs;
/// let scores = similarity_pairs(&[("Siemens AG", "Siemens"), ("Tokaev", "Kazakhstan")], 0.5);
/// assert!(scores[0] > 0.9);
/// assert_eq!(scores[1], 0.0);
/// ```
pub fn similarity_pairs<A, B>(pairs: &[(A, B)], score_cutoff: f64) -> Vec<f64>
where
    A: AsRef<str> + Sync,
    B: AsRef<str> + Sync,
{
    let normalizer = Normalizer::new();
    threads::install(|| {
        let mut slots: FxHashMap<&str, usize> = FxHashMap::default();
        let mut texts: Vec<&str> = Vec::new();
        let mut ids = Vec::with_capacity(pairs.len());
        for (a, b) in pairs {
            let mut id = |text| {
                *slots.entry(text).or_insert_with(|| {
                    texts.push(text);
                    texts.len() - 1
                })
            };
            ids.push((id(a.as_ref()), id(b.as_ref())));
        }
        let names = prepare(&texts, &normalizer);
        ids.par_iter()
            .map(|&(a, b)| {
                let score = names[a].similarity(&names[b], &normalizer);
                if score >= score_cutoff {
                    score
                } else {
                    0.0
                }
            })
            .collect()
    })
}

/// Every query against every choice: the `(query, choice, score)` of each pair whose
/// [`similarity`](super::similarity) is above 0 and at least `score_cutoff`, in the order of the
/// queries, then of the choices. Pairs that score 0, most of them, are not listed.
///
/// ```
/// use canonica::similarity_matrix;
/// let found = similarity_matrix(&["Tokaev", "Siemens"], &["Kassym-Jomart Tokayev", "Siemens AG"], 0.5);
/// assert_eq!(found.iter().map(|&(q, c, _)| (q, c)).collect::<Vec<_>>(), [(0, 0), (1, 1)]);
/// ```
pub fn similarity_matrix<Q, C>(
    queries: &[Q],
    choices: &[C],
    score_cutoff: f64,
) -> Vec<(usize, usize, f64)>
where
    Q: AsRef<str> + Sync,
    C: AsRef<str> + Sync,
{
    let normalizer = Normalizer::new();
    threads::install(|| {
        let queries = prepare(queries, &normalizer);
        let choices = prepare(choices, &normalizer);
        let m = choices.len();
        (0..queries.len() * m)
            .into_par_iter()
            .filter_map(|k| {
                let (q, c) = (k / m, k % m);
                let score = queries[q].similarity(&choices[c], &normalizer);
                (score > 0.0 && score >= score_cutoff).then_some((q, c, score))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::{similarity_matrix, similarity_pairs};
    use crate::similarity::similarity;

    const NAMES: &[&str] = &[
        "Kassym-Jomart Tokayev",
        "Tokaev",
        "President Tokayev",
        "Токаев",
        "Siemens AG",
        "Siemens Aktiengesellschaft",
        "UAE",
        "United Arab Emirates",
        "Bibi Netanyahu",
        "Benjamin Netanyahu",
        "John Smith",
        "Jane Smith",
        "Washington Post",
        "The Washington Post Company",
        "",
        "!!",
        "Kazakhstan",
    ];

    #[test]
    fn pairs_score_as_one_at_a_time() {
        let pairs: Vec<(&str, &str)> = NAMES
            .iter()
            .flat_map(|&a| NAMES.iter().map(move |&b| (a, b)))
            .collect();
        let one_by_one: Vec<f64> = pairs.iter().map(|&(a, b)| similarity(a, b)).collect();
        assert!(one_by_one.iter().filter(|&&s| s > 0.0).count() > 20);
        assert_eq!(similarity_pairs(&pairs, 0.0), one_by_one);
        let cut: Vec<f64> = one_by_one
            .iter()
            .map(|&s| if s >= 0.9 { s } else { 0.0 })
            .collect();
        assert_eq!(similarity_pairs(&pairs, 0.9), cut);
        assert!(similarity_pairs::<&str, &str>(&[], 0.0).is_empty());
    }

    #[test]
    fn the_matrix_lists_the_pairs_that_score() {
        let (queries, choices) = (NAMES, &NAMES[2..13]);
        for cutoff in [0.0, 0.5, 0.95] {
            let mut expected = Vec::new();
            for (q, a) in queries.iter().enumerate() {
                for (c, b) in choices.iter().enumerate() {
                    let s = similarity(a, b);
                    if s > 0.0 && s >= cutoff {
                        expected.push((q, c, s));
                    }
                }
            }
            assert!(!expected.is_empty());
            assert_eq!(similarity_matrix(queries, choices, cutoff), expected);
        }
        assert!(similarity_matrix::<&str, &str>(&[], NAMES, 0.0).is_empty());
        assert!(similarity_matrix::<&str, &str>(NAMES, &[], 0.0).is_empty());
    }
}
