//! The module's functions over the core: `normalize`, `similarity` and the built-in
//! `countries`.

use pyo3::prelude::*;

use crate::convert::{str_of, text_of};
use crate::errors::guard;
use crate::knowledge_base::PyKnowledgeBase;
use crate::resolver::LONG_TEXT;
use crate::signals;

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

/// The built-in knowledge base of every ISO 3166-1 country: id = alpha-2, `alpha3` and
/// `numeric` in its data; official, common and former names, demonyms, acronyms and names in
/// the major languages and scripts. Names that mean several countries ("Congo", "Korea") are
/// aliases of each, so a resolver does not guess between them.
#[pyfunction]
pub(crate) fn countries(py: Python<'_>) -> PyResult<PyKnowledgeBase> {
    let kb = py.detach(|| guard(canonica::countries))?;
    Ok(PyKnowledgeBase::wrap(kb))
}
