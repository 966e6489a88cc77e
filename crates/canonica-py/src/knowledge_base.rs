//! The knowledge base and its entities: thin wrappers over `canonica::KnowledgeBase` and
//! `canonica::Entity`, records converted from Python values through JSON.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{RwLock, RwLockReadGuard};

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use serde_json::{Map, Value};

use crate::convert::{from_json, path_of, quote, text_of, to_json, type_name};
use crate::errors::{error, guard, record_error, run_detached, to_py_err, CanonicaError};
use crate::fork::{self, KbLock};
use crate::pickle;
use crate::signals::{check_every, refuse};

/// One entity of a knowledge base: an id, a name, aliases, a kind, a weight and data.
#[pyclass(module = "canonica._core", frozen, name = "Entity")]
pub(crate) struct PyEntity {
    pub(crate) inner: canonica::Entity,
}

#[pymethods]
impl PyEntity {
    /// The canonical ID every variant resolves to.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// The preferred display name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    /// Other names the entity goes by.
    #[getter]
    fn aliases(&self) -> Vec<String> {
        self.inner.aliases.clone()
    }
    /// An optional type ("person", "country", ...); persons may be found by surname.
    #[getter]
    fn kind(&self) -> Option<&str> {
        self.inner.kind.as_deref()
    }
    /// A prior that breaks near-ties between entities (1.0 by default).
    #[getter]
    fn weight(&self) -> f64 {
        self.inner.weight
    }
    /// Every other field of the record, as given.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(py, &Value::Object(self.inner.data.clone()))
    }
    fn __repr__(&self) -> String {
        format!(
            "Entity(id={}, name={})",
            quote(&self.inner.id),
            quote(&self.inner.name)
        )
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyEntity>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<pickle::Reduced<'py, (String, u32)>> {
        pickle::reduce_entity(py, &self.inner)
    }
}

/// Builds a core entity from Python arguments.
fn entity_from_args(
    id: &Bound<'_, PyAny>,
    name: &Bound<'_, PyAny>,
    aliases: Option<&Bound<'_, PyAny>>,
    kind: Option<&Bound<'_, PyAny>>,
    weight: Option<&Bound<'_, PyAny>>,
    data: Option<&Bound<'_, PyAny>>,
) -> PyResult<Value> {
    let mut record = Map::new();
    record.insert("id".into(), to_json(id, 0)?);
    record.insert("name".into(), to_json(name, 0)?);
    if let Some(aliases) = aliases {
        // One string is split on `|` by the core, as every loader splits it.
        let value = if aliases.is_instance_of::<PyString>() {
            to_json(aliases, 0)?
        } else {
            let items: PyResult<Vec<Value>> = aliases
                .try_iter()
                .map_err(|err| {
                    refuse(aliases.py(), err, || {
                        format!(
                            "aliases must be a list of strings, not {}",
                            type_name(aliases)
                        )
                    })
                })?
                .map(|a| to_json(&a?, 1))
                .collect();
            Value::Array(items?)
        };
        record.insert("aliases".into(), value);
    }
    if let Some(kind) = kind {
        record.insert("kind".into(), to_json(kind, 0)?);
    }
    if let Some(weight) = weight {
        record.insert("weight".into(), to_json(weight, 0)?);
    }
    if let Some(data) = data {
        record.insert("data".into(), to_json(data, 0)?);
    }
    Ok(Value::Object(record))
}

/// A validated set of entities, each with a unique id.
///
/// Invalid records (missing or empty id or name, a field of the wrong type, a duplicate id, a
/// malformed line) raise CanonicaError naming the file, line or record, and field. Knowledge
/// bases, entities, matches and mentions pickle (for Spark, Dask and multiprocessing workers).
/// `Resolver.knowledge_base` is a view of a resolver's entities, which copies none of them to
/// be counted, searched or walked through.
//
// Its lock, and the resolver's, are taken only with the GIL released, so that a fork waiting
// for them never waits for a thread that waits for the GIL (see `fork.rs`).
#[pyclass(module = "canonica._core", frozen, name = "KnowledgeBase")]
pub(crate) struct PyKnowledgeBase {
    backing: Backing,
}

enum Backing {
    Own(KbLock),
    Resolver(canonica::Resolver),
}

impl PyKnowledgeBase {
    pub(crate) fn wrap(kb: canonica::KnowledgeBase) -> PyKnowledgeBase {
        PyKnowledgeBase {
            backing: Backing::Own(fork::register(kb)),
        }
    }

    /// A view of the entities of `resolver`, which follows its updates.
    pub(crate) fn view(resolver: canonica::Resolver) -> PyKnowledgeBase {
        PyKnowledgeBase {
            backing: Backing::Resolver(resolver),
        }
    }

    /// A copy of the knowledge base, for a resolver to index or a pickle to hold.
    pub(crate) fn snapshot(&self) -> canonica::KnowledgeBase {
        match &self.backing {
            Backing::Own(kb) => read(kb).clone(),
            Backing::Resolver(r) => r.knowledge_base(),
        }
    }

    /// The number of entities.
    fn len(&self) -> usize {
        match &self.backing {
            Backing::Own(kb) => read(kb).len(),
            Backing::Resolver(r) => r.len(),
        }
    }

    /// The entity with this id.
    fn get(&self, id: &str) -> Option<canonica::Entity> {
        match &self.backing {
            Backing::Own(kb) => read(kb).get(id).cloned(),
            Backing::Resolver(r) => r.entity(id),
        }
    }

    /// The entity at `position` when walking through them, and the next position to try:
    /// positions are a resolver's slots, some of which removed entities left empty.
    fn entity_from(&self, position: usize) -> Option<(canonica::Entity, usize)> {
        match &self.backing {
            Backing::Own(kb) => read(kb)
                .entities()
                .get(position)
                .map(|e| (e.clone(), position + 1)),
            Backing::Resolver(r) => {
                (position..r.slots()).find_map(|slot| r.entity_at(slot).map(|e| (e, slot + 1)))
            }
        }
    }
}

/// The knowledge base, for reading. Core calls under the lock are guarded, so no panic unwinds
/// through it; a poisoned lock is read all the same.
fn read(kb: &RwLock<canonica::KnowledgeBase>) -> RwLockReadGuard<'_, canonica::KnowledgeBase> {
    kb.read().unwrap_or_else(|e| e.into_inner())
}

/// One row of records as a JSON object: each value converted, errors naming the record and
/// the field.
fn record_of(row: &Bound<'_, PyDict>, record: u64) -> PyResult<Value> {
    let py = row.py();
    let mut map = Map::new();
    for (i, (key, value)) in row.iter().enumerate() {
        check_every(py, i + 1)?;
        let key = text_of(&key, "a key")
            .map_err(|e| record_error(format!("record {record}: {}", e.value(py)), record, None))?;
        let value = to_json(&value, 0).map_err(|e| {
            if e.is_instance_of::<CanonicaError>(py) {
                let message = format!("record {record}, field {key:?}: {}", e.value(py));
                record_error(message, record, Some(&key))
            } else {
                e
            }
        })?;
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

/// Records given as Python values (an iterable of dicts, or a pandas or polars DataFrame) as
/// a validated knowledge base: every record checked, errors naming the record and field.
pub(crate) fn records_of(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
) -> PyResult<canonica::KnowledgeBase> {
    if let Ok(kb) = rows.cast::<PyKnowledgeBase>() {
        let kb = kb.get();
        return Ok(py.detach(|| kb.snapshot()));
    }
    let rows = if rows.hasattr("to_dicts")? {
        rows.call_method0("to_dicts")?
    } else if rows.hasattr("to_dict")? && rows.hasattr("columns")? {
        rows.call_method1("to_dict", ("records",))?
    } else if rows.is_instance_of::<PyDict>() {
        return Err(error(
            "rows must be an iterable of dicts, not a single dict; wrap it in a list",
        ));
    } else if rows.is_instance_of::<PyString>() {
        return Err(error("rows must be an iterable of dicts, not str"));
    } else {
        rows.clone()
    };
    let mut records = Vec::new();
    let iter = rows.try_iter().map_err(|err| {
        refuse(py, err, || {
            format!(
                "rows must be an iterable of dicts, not {}",
                type_name(&rows)
            )
        })
    })?;
    for (i, row) in iter.enumerate() {
        check_every(py, i + 1)?;
        let row = row?;
        let record = i as u64 + 1;
        let Ok(row) = row.cast::<PyDict>() else {
            return Err(record_error(
                format!(
                    "record {record}: expected a dict, found {}",
                    type_name(&row)
                ),
                record,
                None,
            ));
        };
        records.push(record_of(row, record)?);
    }
    let kb = run_detached(py, || canonica::KnowledgeBase::from_records(&records));
    // The records as JSON values take a few times the entities' memory: handed back, so that
    // a resolver built next does not keep them on top of its own peak.
    drop(records);
    crate::release_freed_memory();
    kb
}

#[pymethods]
impl PyKnowledgeBase {
    /// An empty knowledge base; fill it with `add`.
    #[new]
    fn new() -> PyKnowledgeBase {
        PyKnowledgeBase::wrap(canonica::KnowledgeBase::new())
    }

    /// From dicts with `id`, `name` and optionally `aliases`, `kind`, `weight`, `data`;
    /// other keys are kept as entity data. A pandas or polars DataFrame is taken row by row
    /// (NaN and nulls mean "absent").
    ///
    /// Every loader reads fields by the same rules: `aliases` is a list of strings or one
    /// string of aliases separated by `|` (as in CSV); `kind` is a string (blank: none);
    /// `weight` is a number or a string holding one (blank: 1); `data` is a dict or a string
    /// holding a JSON object, whose fields join the other data.
    #[staticmethod]
    fn from_records(py: Python<'_>, rows: &Bound<'_, PyAny>) -> PyResult<PyKnowledgeBase> {
        records_of(py, rows).map(PyKnowledgeBase::wrap)
    }

    /// From JSON Lines: one record per line (fields as for `from_records`).
    #[staticmethod]
    fn from_jsonl(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<PyKnowledgeBase> {
        let path = path_of(path)?;
        let kb = run_detached(py, || canonica::KnowledgeBase::from_jsonl(&path))?;
        Ok(PyKnowledgeBase::wrap(kb))
    }

    /// From a JSON array of records (fields as for `from_records`).
    #[staticmethod]
    fn from_json(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<PyKnowledgeBase> {
        let path = path_of(path)?;
        let kb = run_detached(py, || canonica::KnowledgeBase::from_json(&path))?;
        Ok(PyKnowledgeBase::wrap(kb))
    }

    /// From CSV with a header naming at least `id` and `name`; `aliases` holds several
    /// aliases separated by `alias_separator`; `kind`, `weight` and `data` are read as
    /// `from_records` reads strings; other columns are kept as data (strings).
    #[staticmethod]
    #[pyo3(
        signature = (path, delimiter=None, alias_separator=None),
        text_signature = "(path, delimiter=',', alias_separator='|')"
    )]
    fn from_csv(
        py: Python<'_>,
        path: &Bound<'_, PyAny>,
        delimiter: Option<&Bound<'_, PyAny>>,
        alias_separator: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyKnowledgeBase> {
        // An option left out keeps the core's default.
        let mut options = canonica::CsvOptions::default();
        if let Some(delimiter) = delimiter {
            let delimiter = text_of(delimiter, "the delimiter")?;
            options.delimiter = match delimiter.as_bytes() {
                [b] => *b,
                _ => {
                    return Err(error(format!(
                        "the delimiter must be one ASCII character, not {delimiter:?}"
                    )))
                }
            };
        }
        if let Some(separator) = alias_separator {
            options.alias_separator = text_of(separator, "the alias separator")?;
        }
        let path = path_of(path)?;
        let kb = run_detached(py, || canonica::KnowledgeBase::from_csv(&path, &options))?;
        Ok(PyKnowledgeBase::wrap(kb))
    }

    /// Adds one entity after validating it; CanonicaError names the field that is wrong.
    /// `aliases` is a list of strings, or one string of aliases separated by `|`.
    #[pyo3(signature = (id, name, aliases=None, kind=None, weight=None, data=None))]
    fn add(
        &self,
        id: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        aliases: Option<&Bound<'_, PyAny>>,
        kind: Option<&Bound<'_, PyAny>>,
        weight: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let Backing::Own(kb) = &self.backing else {
            return Err(error(
                "this knowledge base is a resolver's: add entities with Resolver.add",
            ));
        };
        let record = entity_from_args(id, name, aliases, kind, weight, data)?;
        let entity = guard(|| canonica::Entity::from_json(&record))?.map_err(to_py_err)?;
        let py = id.py();
        py.detach(|| {
            let mut kb = kb.write().unwrap_or_else(|e| e.into_inner());
            guard(|| kb.add(entity))
        })?
        .map_err(to_py_err)
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        py.detach(|| self.len())
    }

    /// The entity with this id; KeyError if there is none.
    fn __getitem__(&self, id: &Bound<'_, PyAny>) -> PyResult<PyEntity> {
        let found = match id.cast::<PyString>().ok().and_then(|s| s.to_str().ok()) {
            Some(text) => id.py().detach(|| self.get(text)),
            None => None,
        };
        found
            .map(|inner| PyEntity { inner })
            .ok_or_else(|| PyKeyError::new_err(id.clone().unbind()))
    }

    /// True when an entity has this id (False for anything that is not a string).
    fn __contains__(&self, id: &Bound<'_, PyAny>) -> bool {
        let py = id.py();
        let Some(id) = id.cast::<PyString>().ok().and_then(|s| s.to_str().ok()) else {
            return false;
        };
        py.detach(|| match &self.backing {
            Backing::Own(kb) => read(kb).get(id).is_some(),
            Backing::Resolver(r) => r.contains(id),
        })
    }

    /// The entities in the order they were added.
    fn entities(&self, py: Python<'_>) -> Vec<PyEntity> {
        py.detach(|| {
            let mut out = Vec::with_capacity(self.len());
            match &self.backing {
                Backing::Own(kb) => out.extend(
                    read(kb)
                        .entities()
                        .iter()
                        .map(|e| PyEntity { inner: e.clone() }),
                ),
                Backing::Resolver(r) => {
                    r.for_each_entity(|e| out.push(PyEntity { inner: e.clone() }))
                }
            }
            out
        })
    }

    /// The entities in order, each copied as it comes.
    fn __iter__(slf: Bound<'_, Self>) -> PyEntityIterator {
        PyEntityIterator {
            kb: slf.unbind(),
            next: AtomicUsize::new(0),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("KnowledgeBase({} entities)", self.__len__(py))
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<pickle::Reduced<'py, (Bound<'py, PyBytes>, u32)>> {
        pickle::reduce_knowledge_base(py, self)
    }
}

/// Walks through the entities of a knowledge base.
#[pyclass(module = "canonica._core", frozen, name = "KnowledgeBaseIterator")]
pub(crate) struct PyEntityIterator {
    kb: Py<PyKnowledgeBase>,
    next: AtomicUsize,
}

#[pymethods]
impl PyEntityIterator {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// The next entity.
    fn __next__(&self, py: Python<'_>) -> Option<PyEntity> {
        let kb = self.kb.bind(py).get();
        let position = self.next.load(Ordering::Relaxed);
        let (inner, next) = py.detach(|| kb.entity_from(position))?;
        self.next.store(next, Ordering::Relaxed);
        Some(PyEntity { inner })
    }
}
