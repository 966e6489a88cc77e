//! The module's functions over the core: `normalize`, `similarity` and the built-in
//! `countries`.

use pyo3::prelude::*;

use crate::convert::{str_of, text_of};
use crate::errors::guard;
use crate::knowledge_base::PyKnowledgeBase;
use crate::resolver::LONG_TEXT;
use crate::signals;

/// The normalized form of a text: folded case and accents, Latin letters, one space between
/// tokens.
#[pyfunction]
pub(crate) fn normalize(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = str_of(text, "the text")?;
    if text.len() >= LONG_TEXT {
        return signals::run(py, || Ok(canonica::normalize(text)));
    }
    guard(|| canonica::normalize(text))
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

/// The built-in knowledge base of every ISO 3166-1 country (id = alpha-2).
#[pyfunction]
pub(crate) fn countries(py: Python<'_>) -> PyResult<PyKnowledgeBase> {
    let kb = py.detach(|| guard(canonica::countries))?;
    Ok(PyKnowledgeBase::wrap(kb))
}
