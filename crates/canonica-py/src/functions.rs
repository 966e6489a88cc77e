//! The module's functions over the core: `normalize`, `similarity` and its batch forms, and the
//! built-in `countries`.

use pyo3::prelude::*;

use crate::convert::{text_of, unit_of, with_names};
use crate::errors::{error, guard};
use crate::knowledge_base::PyKnowledgeBase;
use crate::threads::use_worker_default;

/// The normalized form of a text: folded case and accents, Latin letters, one space between
/// tokens.
#[pyfunction]
pub(crate) fn normalize(text: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = text_of(text, "the text")?;
    guard(|| canonica::normalize(&text))
}

/// How alike two names are, in [0, 1], under the rules resolution uses.
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

/// The similarity of `a[i]` and `b[i]` for every i, in parallel with the GIL released; a score
/// below `score_cutoff`, and a missing name, give 0.
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

/// Every query against every choice, in parallel with the GIL released: `(query index, choice
/// index, score)` for the pairs that score above 0 and at least `score_cutoff`.
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

/// The built-in knowledge base of every ISO 3166-1 country (id = alpha-2).
#[pyfunction]
pub(crate) fn countries(py: Python<'_>) -> PyResult<PyKnowledgeBase> {
    let kb = py.detach(|| guard(canonica::countries))?;
    Ok(PyKnowledgeBase::wrap(kb))
}
