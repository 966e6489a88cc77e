//! The module's functions over the core: `normalize`, `similarity` and its batch forms, and the
//! built-in `countries`.

use pyo3::prelude::*;

use crate::convert::{str_of, text_of, unit_of, with_names};
use crate::errors::{error, guard};
use crate::knowledge_base::PyKnowledgeBase;
use crate::resolver::LONG_TEXT;
use crate::signals;
use crate::threads::use_worker_default;

/// The normalized form of a text: NFKC and case folded, accents removed, other scripts
/// transliterated to Latin, punctuation rules applied, one space between tokens.
#[pyfunction]
pub(crate) fn normalize(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = str_of(text, "the text")?;
    if text.len() >= LONG_TEXT {
        return signals::run(py, || Ok(canonica::normalize(text)));
    }
    guard(|| canonica::normalize(text))
}

/// How alike two names are, in [0, 1], under the same normalization and rules as
/// resolution: titles, initials, legal forms, transliteration, nicknames, typos. Symmetric; a
/// name contained in the other (a surname) scores as resolution would score it.
#[pyfunction]
pub(crate) fn similarity(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let a = text_of(a, "the first name")?;
    let b = text_of(b, "the second name")?;
    py.detach(|| guard(|| canonica::similarity(&a, &b)))
}

/// A score cutoff in [0, 1]; 0 when not given.
fn cutoff_of(obj: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
    let cutoff = unit_of(obj, "score_cutoff", 0.0)?;
    if !(0.0..=1.0).contains(&cutoff) {
        return Err(error(format!(
            "score_cutoff must be a number between 0 and 1, not {cutoff}"
        )));
    }
    Ok(cutoff)
}

/// `similarity(a[i], b[i])` for every i, as `rapidfuzz.process.cpdist` is to `fuzz.ratio`: in
/// parallel on canonica's threads with the GIL released, each distinct name tokenized once. A
/// score below `score_cutoff` (in [0, 1]), and a missing name (None, NaN), give 0. `a` and `b`
/// are lists, Series or Arrow arrays of as many names.
#[pyfunction]
#[pyo3(signature = (a, b, score_cutoff=None))]
pub(crate) fn similarity_pairs(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    score_cutoff: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<f64>> {
    let cutoff = cutoff_of(score_cutoff)?;
    use_worker_default(py)?;
    with_names(py, a, |a| {
        with_names(py, b, |b| {
            if a.len() != b.len() {
                return Err(error(format!(
                    "a and b must have as many names, not {} and {}",
                    a.len(),
                    b.len()
                )));
            }
            let pairs: Vec<(&str, &str)> = a
                .iter()
                .zip(b)
                .map(|(a, b)| (a.unwrap_or(""), b.unwrap_or("")))
                .collect();
            py.detach(|| guard(|| canonica::similarity_pairs(&pairs, cutoff)))
        })
    })
}

/// Every query against every choice, as `rapidfuzz.process.cdist` is to `fuzz.ratio`, but
/// sparse: `(query index, choice index, score)` for each pair scoring above 0 and at least
/// `score_cutoff`, ordered by query then choice. In parallel with the GIL released; each name is
/// prepared once, and most pairs are turned away by a quick check that builds nothing.
#[pyfunction]
#[pyo3(signature = (queries, choices, score_cutoff=None))]
pub(crate) fn similarity_matrix(
    py: Python<'_>,
    queries: &Bound<'_, PyAny>,
    choices: &Bound<'_, PyAny>,
    score_cutoff: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<(usize, usize, f64)>> {
    let cutoff = cutoff_of(score_cutoff)?;
    use_worker_default(py)?;
    with_names(py, queries, |queries| {
        with_names(py, choices, |choices| {
            let queries: Vec<&str> = queries.iter().map(|n| n.unwrap_or("")).collect();
            let choices: Vec<&str> = choices.iter().map(|n| n.unwrap_or("")).collect();
            py.detach(|| guard(|| canonica::similarity_matrix(&queries, &choices, cutoff)))
        })
    })
}

/// The built-in knowledge base of every ISO 3166-1 country: id = alpha-2, `alpha3` and
/// `numeric` in its data; official, common and former names, demonyms, acronyms and names in
/// the major languages and scripts. Names that mean several countries ("Congo", "Korea") are
/// aliases of each, so a resolver does not guess between them.
#[pyfunction]
pub(crate) fn countries(py: Python<'_>) -> PyResult<PyKnowledgeBase> {
    let kb = py.detach(|| guard(canonica::countries))?;
    Ok(PyKnowledgeBase::wrap(kb))
}
