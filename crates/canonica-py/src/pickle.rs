//! Pickling, one format per class: what `__reduce__` gives pickle, and the function of this
//! module that rebuilds the object from it, in this process or another.
//!
//! Every pickled state carries a CRC-32 of its content, as saved resolvers do, and a rebuilt
//! object is checked as when it was first made (a knowledge base's records validated again, a
//! score in [0, 1], a mention's offsets in order and as long as its text), so a tampered or
//! damaged pickle is a `CanonicaError`, never a broken object or one whose content changed.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::{json, Value};

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

/// Checks the CRC-32 a pickle carries against its content. A state without one (made by hand,
/// or pickled by an older canonica) is only validated.
fn check_sum(content: &[u8], checksum: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<()> {
    let Some(checksum) = checksum else {
        return Ok(());
    };
    let checksum: u32 = state_of(checksum, what)?;
    if crc32fast::hash(content) != checksum {
        return Err(error(format!(
            "the pickled {what} is corrupted (checksum mismatch)"
        )));
    }
    Ok(())
}

/// An entity pickles as its JSON record and the record's checksum.
pub(crate) fn reduce_entity<'py>(
    py: Python<'py>,
    entity: &canonica::Entity,
) -> PyResult<Reduced<'py, (String, u32)>> {
    let record = entity.to_json().to_string();
    let checksum = crc32fast::hash(record.as_bytes());
    Ok((rebuilder(py, "_entity_from_json")?, (record, checksum)))
}

/// Rebuilds a pickled entity from its JSON record, checked as when it was first added.
#[pyfunction]
#[pyo3(signature = (record, checksum=None))]
pub(crate) fn _entity_from_json(
    record: &Bound<'_, PyAny>,
    checksum: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyEntity> {
    let record: String = state_of(record, "Entity")?;
    check_sum(record.as_bytes(), checksum, "Entity")?;
    let record: Value = serde_json::from_str(&record).map_err(|_| error("not a pickled Entity"))?;
    let inner =
        guard(|| canonica::Entity::from_json(&record).and_then(|e| e.validate().map(|()| e)))?
            .map_err(to_py_err)?;
    Ok(PyEntity { inner })
}

/// A knowledge base pickles as JSON Lines, one record per entity, and their checksum.
pub(crate) fn reduce_knowledge_base<'py>(
    py: Python<'py>,
    kb: &PyKnowledgeBase,
) -> PyResult<Reduced<'py, (Bound<'py, PyBytes>, u32)>> {
    let (jsonl, checksum) = run_detached(py, || {
        let mut jsonl = Vec::new();
        kb.snapshot().write_jsonl(&mut jsonl)?;
        let checksum = crc32fast::hash(&jsonl);
        Ok((jsonl, checksum))
    })?;
    Ok((
        rebuilder(py, "_knowledge_base_from_jsonl")?,
        (PyBytes::new(py, &jsonl), checksum),
    ))
}

/// Rebuilds a pickled knowledge base from its JSON Lines, every record checked again.
#[pyfunction]
#[pyo3(signature = (jsonl, checksum=None))]
pub(crate) fn _knowledge_base_from_jsonl(
    py: Python<'_>,
    jsonl: &Bound<'_, PyAny>,
    checksum: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyKnowledgeBase> {
    let jsonl: Vec<u8> = state_of(jsonl, "KnowledgeBase")?;
    check_sum(&jsonl, checksum, "KnowledgeBase")?;
    let kb = run_detached(py, || canonica::KnowledgeBase::read_jsonl(jsonl.as_slice()))?;
    Ok(PyKnowledgeBase::wrap(kb))
}

/// A match as pickled: id, name, score, alias, kind, method, evidence.
pub(crate) type MatchState = (String, String, f64, String, Option<String>, String, String);

/// The bytes a match's checksum is taken of.
fn match_content(s: &MatchState) -> Vec<u8> {
    json!([s.0, s.1, s.2, s.3, s.4, s.5, s.6])
        .to_string()
        .into_bytes()
}

/// A match pickles as a tuple of its fields, its method by name, and their checksum.
pub(crate) fn reduce_match<'py>(
    py: Python<'py>,
    m: &canonica::Match,
) -> PyResult<Reduced<'py, (MatchState, u32)>> {
    let state = (
        m.id.clone(),
        m.name.clone(),
        m.score,
        m.alias.clone(),
        m.kind.clone(),
        m.method.as_str().to_string(),
        m.evidence.clone(),
    );
    let checksum = crc32fast::hash(&match_content(&state));
    Ok((rebuilder(py, "_match_from_state")?, (state, checksum)))
}

/// Checks what every result has: an id, a score in [0, 1], a kind that is not empty.
fn check_result(id: &str, score: f64, kind: Option<&str>, what: &str) -> PyResult<()> {
    if id.trim().is_empty() {
        return Err(error(format!("not a pickled {what}: the id is empty")));
    }
    if !(0.0..=1.0).contains(&score) {
        return Err(error(format!(
            "not a pickled {what}: the score {score} is not between 0 and 1"
        )));
    }
    if kind.is_some_and(|k| k.trim().is_empty()) {
        return Err(error(format!("not a pickled {what}: the kind is empty")));
    }
    Ok(())
}

/// Rebuilds a pickled match.
#[pyfunction]
#[pyo3(signature = (state, checksum=None))]
pub(crate) fn _match_from_state(
    state: &Bound<'_, PyAny>,
    checksum: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyMatch> {
    let state: MatchState = state_of(state, "Match")?;
    check_sum(&match_content(&state), checksum, "Match")?;
    let (id, name, score, alias, kind, method, evidence) = state;
    check_result(&id, score, kind.as_deref(), "Match")?;
    if name.trim().is_empty() || alias.trim().is_empty() {
        return Err(error("not a pickled Match: the name or alias is empty"));
    }
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

/// The bytes a mention's checksum is taken of.
fn mention_content(s: &MentionState) -> Vec<u8> {
    json!([s.0, s.1, s.2, s.3, s.4, s.5, s.6])
        .to_string()
        .into_bytes()
}

/// A mention pickles as a tuple of its fields and their checksum.
pub(crate) fn reduce_mention<'py>(
    py: Python<'py>,
    m: &PyMention,
) -> PyResult<Reduced<'py, (MentionState, u32)>> {
    let state = (
        m.start,
        m.end,
        m.text.clone(),
        m.score,
        m.id.clone(),
        m.name.clone(),
        m.kind.clone(),
    );
    let checksum = crc32fast::hash(&mention_content(&state));
    Ok((rebuilder(py, "_mention_from_state")?, (state, checksum)))
}

/// Rebuilds a pickled mention: its offsets in order, and as far apart as its text is long.
#[pyfunction]
#[pyo3(signature = (state, checksum=None))]
pub(crate) fn _mention_from_state(
    state: &Bound<'_, PyAny>,
    checksum: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyMention> {
    let state: MentionState = state_of(state, "Mention")?;
    check_sum(&mention_content(&state), checksum, "Mention")?;
    let (start, end, text, score, id, name, kind) = state;
    check_result(&id, score, kind.as_deref(), "Mention")?;
    if start > end || end - start != text.chars().count() {
        return Err(error(format!(
            "not a pickled Mention: the offsets {start}..{end} do not span its text"
        )));
    }
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

/// A resolver pickles as the bytes `save` writes, which carry their own checksum.
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
