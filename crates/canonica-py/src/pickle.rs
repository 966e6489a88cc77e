//! Pickling, one format per class: what `__reduce__` gives pickle, and the function of this
//! module that rebuilds the object from it, in this process or another. A rebuilt object is
//! checked as when it was first made, so a tampered pickle is a `CanonicaError`, never a broken
//! object.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::Value;

use crate::errors::{error, guard, run_detached, to_py_err};
use crate::knowledge_base::{PyEntity, PyKnowledgeBase};
use crate::resolver::PyResolver;
use crate::results::{PyMatch, PyMention};

/// What `__reduce__` returns: a function of this module and the arguments it is called with.
pub(crate) type Reduced<'py, A> = (Bound<'py, PyAny>, A);

/// A function of this module, by name: what `__reduce__` gives pickle to rebuild an object with.
fn rebuilder<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("canonica._core")?.getattr(name)
}

/// The state of a pickled object, or a `CanonicaError` for a tampered pickle.
fn state_of<'a, 'py, T: FromPyObject<'a, 'py>>(
    state: &'a Bound<'py, PyAny>,
    what: &str,
) -> PyResult<T> {
    state
        .extract()
        .map_err(|_| error(format!("not a pickled {what}")))
}

/// An entity pickles as its JSON record.
pub(crate) fn reduce_entity<'py>(
    py: Python<'py>,
    entity: &canonica::Entity,
) -> PyResult<Reduced<'py, (String,)>> {
    let record = entity.to_json().to_string();
    Ok((rebuilder(py, "_entity_from_json")?, (record,)))
}

/// Rebuilds a pickled entity from its JSON record, checked as when it was first added.
#[pyfunction]
pub(crate) fn _entity_from_json(record: &Bound<'_, PyAny>) -> PyResult<PyEntity> {
    let record: String = state_of(record, "Entity")?;
    let record: Value = serde_json::from_str(&record).map_err(|_| error("not a pickled Entity"))?;
    let inner =
        guard(|| canonica::Entity::from_json(&record).and_then(|e| e.validate().map(|()| e)))?
            .map_err(to_py_err)?;
    Ok(PyEntity { inner })
}

/// A knowledge base pickles as JSON Lines, one record per entity.
pub(crate) fn reduce_knowledge_base<'py>(
    py: Python<'py>,
    kb: &PyKnowledgeBase,
) -> PyResult<Reduced<'py, (Bound<'py, PyBytes>,)>> {
    let jsonl = run_detached(py, || {
        let mut jsonl = Vec::new();
        kb.snapshot().write_jsonl(&mut jsonl).map(|()| jsonl)
    })?;
    Ok((
        rebuilder(py, "_knowledge_base_from_jsonl")?,
        (PyBytes::new(py, &jsonl),),
    ))
}

/// Rebuilds a pickled knowledge base from its JSON Lines, every record checked again.
#[pyfunction]
pub(crate) fn _knowledge_base_from_jsonl(
    py: Python<'_>,
    jsonl: &Bound<'_, PyAny>,
) -> PyResult<PyKnowledgeBase> {
    let jsonl: Vec<u8> = state_of(jsonl, "KnowledgeBase")?;
    let kb = run_detached(py, || canonica::KnowledgeBase::read_jsonl(jsonl.as_slice()))?;
    Ok(PyKnowledgeBase::wrap(kb))
}

/// A match as pickled: id, name, score, alias, kind, method, evidence.
pub(crate) type MatchState = (String, String, f64, String, Option<String>, String, String);

/// A match pickles as a tuple of its fields, its method by name.
pub(crate) fn reduce_match<'py>(
    py: Python<'py>,
    m: &canonica::Match,
) -> PyResult<Reduced<'py, (MatchState,)>> {
    let state = (
        m.id.clone(),
        m.name.clone(),
        m.score,
        m.alias.clone(),
        m.kind.clone(),
        m.method.as_str().to_string(),
        m.evidence.clone(),
    );
    Ok((rebuilder(py, "_match_from_state")?, (state,)))
}

/// Rebuilds a pickled match.
#[pyfunction]
pub(crate) fn _match_from_state(state: &Bound<'_, PyAny>) -> PyResult<PyMatch> {
    let (id, name, score, alias, kind, method, evidence): MatchState = state_of(state, "Match")?;
    let method =
        canonica::Method::from_name(&method).ok_or_else(|| error("not a pickled Match"))?;
    let inner = canonica::Match {
        id,
        name,
        score,
        alias,
        kind,
        method,
        evidence,
    };
    Ok(PyMatch { inner })
}

/// A mention as pickled: start, end, text, score, id, name, kind.
pub(crate) type MentionState = (usize, usize, String, f64, String, String, Option<String>);

/// A mention pickles as a tuple of its fields.
pub(crate) fn reduce_mention<'py>(
    py: Python<'py>,
    m: &PyMention,
) -> PyResult<Reduced<'py, (MentionState,)>> {
    let state = (
        m.start,
        m.end,
        m.text.clone(),
        m.score,
        m.id.clone(),
        m.name.clone(),
        m.kind.clone(),
    );
    Ok((rebuilder(py, "_mention_from_state")?, (state,)))
}

/// Rebuilds a pickled mention.
#[pyfunction]
pub(crate) fn _mention_from_state(state: &Bound<'_, PyAny>) -> PyResult<PyMention> {
    let (start, end, text, score, id, name, kind): MentionState = state_of(state, "Mention")?;
    Ok(PyMention {
        start,
        end,
        text,
        score,
        id,
        name,
        kind,
    })
}

/// A resolver pickles as the bytes `save` writes.
pub(crate) fn reduce_resolver<'py>(
    py: Python<'py>,
    resolver: &PyResolver,
) -> PyResult<Reduced<'py, (Bound<'py, PyBytes>,)>> {
    Ok((
        rebuilder(py, "_resolver_from_bytes")?,
        (resolver.to_bytes(py)?,),
    ))
}

/// Rebuilds a pickled resolver.
#[pyfunction]
pub(crate) fn _resolver_from_bytes(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
) -> PyResult<PyResolver> {
    PyResolver::from_bytes(py, data)
}
