//! The core's matching rules for one word or one name, as private helpers for the project's own
//! scripts: `scripts/countries/build.py` judges names by them instead of keeping a copy.

use pyo3::prelude::*;

use crate::convert::text_of;
use crate::errors::guard;

/// The words `text` is matched by, those from lossy scripts marked with `^`.
#[pyfunction]
pub(crate) fn _match_words(text: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let text = text_of(text, "the text")?;
    guard(|| canonica::normalize::match_words(&text))
}

/// How alike a query word is to a knowledge-base word by spelling alone.
#[pyfunction]
pub(crate) fn _word_similarity(query: &Bound<'_, PyAny>, word: &Bound<'_, PyAny>) -> PyResult<f32> {
    let query = text_of(query, "the query word")?;
    let word = text_of(word, "the word")?;
    guard(|| canonica::rules::word_similarity(&query, &word))
}

/// True for a small word ("of", "the", "de"), weighed lightly and left out of acronyms.
#[pyfunction]
pub(crate) fn _is_small_word(word: &Bound<'_, PyAny>) -> PyResult<bool> {
    let word = text_of(word, "the word")?;
    Ok(canonica::rules::is_small_word(&word))
}
