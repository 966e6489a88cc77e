//! What resolving and linking give back: `Match` and `Mention`.

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::convert::quote;
use crate::pickle;
use crate::signals::check_every;

/// An entity a name resolved to, with how well and why.
#[pyclass(module = "canonica._core", frozen, name = "Match")]
pub(crate) struct PyMatch {
    pub(crate) inner: canonica::Match,
}

#[pymethods]
impl PyMatch {
    /// The entity's canonical ID.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// The entity's display name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    /// How well the name matches, in [0, 1].
    #[getter]
    fn score(&self) -> f64 {
        self.inner.score
    }
    /// The knowledge-base name or alias that matched (a generated acronym in capitals).
    #[getter]
    fn alias(&self) -> &str {
        &self.inner.alias
    }
    /// The entity's kind.
    #[getter]
    fn kind(&self) -> Option<&str> {
        self.inner.kind.as_deref()
    }
    /// How the match was found: "exact", "exact_without_titles", "compact", "acronym",
    /// "tokens", "spelling" or "romanized".
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method.as_str()
    }
    /// Which tokens met which, with what similarity.
    #[getter]
    fn evidence(&self) -> &str {
        &self.inner.evidence
    }
    fn __repr__(&self) -> String {
        format!(
            "Match(id={}, name={}, score={}, alias={})",
            quote(&self.inner.id),
            quote(&self.inner.name),
            self.inner.score,
            quote(&self.inner.alias)
        )
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyMatch>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<pickle::Reduced<'py, (pickle::MatchState, u32)>> {
        pickle::reduce_match(py, &self.inner)
    }
}

/// A match of the core, when there is one, as a Python `Match`.
pub(crate) fn wrap_match(m: Option<canonica::Match>) -> Option<PyMatch> {
    m.map(|inner| PyMatch { inner })
}

/// The matches of a batch as a list of `Match` or None, made with a look for signals every
/// few items (see `signals`).
pub(crate) fn wrap_matches(
    py: Python<'_>,
    found: Vec<Option<canonica::Match>>,
) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for (i, m) in found.into_iter().enumerate() {
        check_every(py, i + 1)?;
        match wrap_match(m) {
            Some(m) => list.append(Bound::new(py, m)?)?,
            None => list.append(py.None())?,
        }
    }
    py.check_signals()?;
    Ok(list)
}

/// One mention of an entity in a text; `start` and `end` are code-point offsets, so that
/// `text[m.start:m.end] == m.text`.
#[pyclass(module = "canonica._core", frozen, name = "Mention")]
#[derive(PartialEq)]
pub(crate) struct PyMention {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) text: String,
    pub(crate) score: f64,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: Option<String>,
}

#[pymethods]
impl PyMention {
    /// Where the mention starts in the text, in code points.
    #[getter]
    fn start(&self) -> usize {
        self.start
    }
    /// Where the mention ends in the text (exclusive), in code points.
    #[getter]
    fn end(&self) -> usize {
        self.end
    }
    /// The mention as written, a title or role before a person included.
    #[getter]
    fn text(&self) -> &str {
        &self.text
    }
    /// The entity's canonical ID.
    #[getter]
    fn id(&self) -> &str {
        &self.id
    }
    /// The entity's display name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }
    /// 1.0 for an alias matched whole; less for a surname linked through an earlier
    /// full mention or a misspelled name.
    #[getter]
    fn score(&self) -> f64 {
        self.score
    }
    /// The entity's kind.
    #[getter]
    fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }
    fn __repr__(&self) -> String {
        format!(
            "Mention(start={}, end={}, text={}, id={}, score={})",
            self.start,
            self.end,
            quote(&self.text),
            quote(&self.id),
            self.score
        )
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyMention>().is_ok_and(|o| *o.get() == *self)
    }
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<pickle::Reduced<'py, (pickle::MentionState, u32)>> {
        pickle::reduce_mention(py, self)
    }
}

/// Mentions with byte offsets to mentions with code-point offsets. The offsets are sorted
/// (overlapping mentions come out of order) and counted in one walk through the text, so the
/// memory taken is the mentions'.
pub(crate) fn to_mentions(text: &str, mentions: Vec<canonica::Mention>) -> Vec<PyMention> {
    let mut bytes: Vec<usize> = mentions.iter().flat_map(|m| [m.start, m.end]).collect();
    bytes.sort_unstable();
    bytes.dedup();
    let mut chars = Vec::with_capacity(bytes.len());
    let (mut at_byte, mut at_char) = (0, 0);
    for &b in &bytes {
        let b = b.min(text.len());
        at_char += text[at_byte..b].chars().count();
        at_byte = b;
        chars.push(at_char);
    }
    let at = |byte: usize| chars[bytes.partition_point(|&b| b < byte)];
    mentions
        .into_iter()
        .map(|m| PyMention {
            start: at(m.start),
            end: at(m.end),
            text: m.text,
            score: m.score,
            id: m.id,
            name: m.name,
            kind: m.kind,
        })
        .collect()
}
