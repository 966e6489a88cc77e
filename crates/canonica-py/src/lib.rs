//! Python bindings of canonica: thin wrappers over the core types, error mapping, and the GIL
//! released around work in Rust.

mod arrow;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::RwLock;

use pyo3::create_exception;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// mimalloc: the core allocates many small strings (tokens, keys), which it serves faster
/// than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

create_exception!(
    canonica,
    CanonicaError,
    PyValueError,
    "Every error canonica raises: bad records, malformed files, saved files that cannot be read, \
     out-of-range arguments. A subclass of ValueError; `file`, `line`, `record` and `field` say \
     where, when known."
);

/// Converts a core error into a `CanonicaError` with its location as attributes.
fn to_py_err(err: canonica::Error) -> PyErr {
    Python::attach(|py| {
        let py_err = CanonicaError::new_err(err.to_string());
        let value = py_err.value(py);
        let loc = err.location();
        let file = loc.file.as_ref().map(|f| f.display().to_string());
        let _ = value.setattr("file", file);
        let _ = value.setattr("line", loc.line);
        let _ = value.setattr("record", loc.record);
        let _ = value.setattr("field", loc.field.clone());
        py_err
    })
}

fn error(message: impl Into<String>) -> PyErr {
    CanonicaError::new_err(message.into())
}

/// Runs core code so that a bug there surfaces as a `CanonicaError`, never as a panic in Python.
fn guard<T>(f: impl FnOnce() -> T) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        error(format!("internal error in canonica: {what}"))
    })
}

/// Runs fallible core work with the GIL released, guarded against panics, with core errors
/// mapped to `CanonicaError`.
fn run_detached<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> canonica::Result<T> + Send,
) -> PyResult<T> {
    py.detach(|| guard(f))?.map_err(to_py_err)
}

/// A file path from a `str` or `os.PathLike`, or a `CanonicaError` naming the wrong type.
fn path_of(obj: &Bound<'_, PyAny>) -> PyResult<std::path::PathBuf> {
    obj.extract().map_err(|_| {
        error(format!(
            "path must be a str or os.PathLike, not {}",
            type_name(obj)
        ))
    })
}

/// A Python string as UTF-8, or a `CanonicaError` for strings that cannot be (lone surrogates).
fn text_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let s = obj
        .cast::<PyString>()
        .map_err(|_| error(format!("{what} must be a string, not {}", type_name(obj))))?;
    s.to_str().map(str::to_string).map_err(|_| {
        error(format!(
            "{what} is not valid Unicode (it holds a lone surrogate)"
        ))
    })
}

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

/// A string as Python writes it in a repr: single quotes, escaped.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// True for the values data frames use for "missing": None, NaN, pandas.NA, NaT.
fn is_missing(obj: &Bound<'_, PyAny>) -> bool {
    if obj.is_none() {
        return true;
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return f.value().is_nan();
    }
    matches!(type_name(obj).as_str(), "NAType" | "NaTType")
}

/// True for pandas objects (Series, Index, extension arrays), whose Arrow export, when they have
/// one, may convert objects that are not strings instead of refusing them.
fn is_pandas(obj: &Bound<'_, PyAny>) -> bool {
    obj.get_type().module().is_ok_and(|m| {
        m.to_str()
            .is_ok_and(|m| m == "pandas" || m.starts_with("pandas."))
    })
}

/// An optional name: `None`, NaN, pandas.NA and "" are no name.
fn optional_text(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<String>> {
    if is_missing(obj) {
        return Ok(None);
    }
    let text = text_of(obj, what)?;
    Ok((!text.is_empty()).then_some(text))
}

/// An optional `kind` argument: None or a string.
fn kind_of(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => text_of(o, "kind").map(Some),
    }
}

/// An optional number in [0, 1] (`threshold`, `margin`): None, or anything `float()` accepts
/// except strings and bools; the range itself is checked by the core.
fn unit_of(obj: Option<&Bound<'_, PyAny>>, what: &str, default: f64) -> PyResult<f64> {
    match obj {
        None => Ok(default),
        Some(o) if o.is_none() => Ok(default),
        Some(o) if o.is_instance_of::<PyString>() => Err(error(format!(
            "{what} must be a number between 0 and 1, not a string"
        ))),
        Some(o) if o.is_instance_of::<PyBool>() => Err(error(format!(
            "{what} must be a number between 0 and 1, not bool"
        ))),
        Some(o) => o.extract::<f64>().map_err(|_| {
            error(format!(
                "{what} must be a number between 0 and 1, not {}",
                type_name(o)
            ))
        }),
    }
}

/// A whole-number argument (`limit`, the number of threads): a Python int that fits in 64 bits.
fn whole_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyFloat>() {
        return Err(error(format!(
            "{what} must be a whole number, not {}",
            type_name(obj)
        )));
    }
    obj.extract::<i64>().map_err(|_| {
        error(format!(
            "{what} must be a whole number that fits in 64 bits, not {}",
            type_name(obj)
        ))
    })
}

/// A flag argument: True or False.
fn flag_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<bool> {
    obj.cast::<PyBool>().map(|b| b.is_true()).map_err(|_| {
        error(format!(
            "{what} must be True or False, not {}",
            type_name(obj)
        ))
    })
}

/// Argument types whose conversion errors are `CanonicaError`s naming the argument, for
/// arguments with a default (the others take `&Bound<PyAny>` and convert it themselves).
macro_rules! argument {
    ($(#[$doc:meta])* $name:ident($inner:ty) = $convert:ident, $what:literal) => {
        $(#[$doc])*
        struct $name($inner);

        impl<'a, 'py> FromPyObject<'a, 'py> for $name {
            type Error = PyErr;

            fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                $convert(&obj, $what).map($name)
            }
        }
    };
}

argument!(
    /// `limit` of `candidates`.
    Limit(i64) = whole_of, "limit"
);
argument!(
    /// `overlapping` of `link`.
    Overlapping(bool) = flag_of, "overlapping"
);
argument!(
    /// `fuzzy` of `link`.
    Fuzzy(bool) = flag_of, "fuzzy"
);

/// The bytes of a saved resolver: bytes, bytearray or memoryview.
fn bytes_of(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if obj.is_instance_of::<PyString>() {
        return Err(error("a saved resolver is bytes, not a string"));
    }
    obj.extract::<Vec<u8>>()
        .or_else(|_| {
            obj.py()
                .import("builtins")?
                .getattr("bytes")?
                .call1((obj,))?
                .extract::<Vec<u8>>()
        })
        .map_err(|_: PyErr| error(format!("a saved resolver is bytes, not {}", type_name(obj))))
}

/// A Python value as JSON. NaN and the other missing markers of data frames become null.
fn to_json(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > 100 {
        return Err(error("data is nested more than 100 levels deep"));
    }
    if is_missing(obj) {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::String(text_of(obj, "a value")?));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| error(format!("the number {} cannot be stored", f.value())));
    }
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::Number(i.into()));
    }
    if let Ok(i) = obj.extract::<u64>() {
        return Ok(Value::Number(i.into()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = text_of(&k, "a key")?;
            map.insert(key, to_json(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let items: PyResult<Vec<Value>> =
            obj.try_iter()?.map(|v| to_json(&v?, depth + 1)).collect();
        return Ok(Value::Array(items?));
    }
    Err(error(format!(
        "a value of type {} cannot be stored",
        type_name(obj)
    )))
}

/// JSON as a Python value.
fn from_json<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(from_json(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, from_json(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// One entity of a knowledge base.
#[pyclass(module = "canonica._core", frozen, name = "Entity")]
struct PyEntity {
    inner: canonica::Entity,
}

#[pymethods]
impl PyEntity {
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    #[getter]
    fn aliases(&self) -> Vec<String> {
        self.inner.aliases.clone()
    }
    #[getter]
    fn kind(&self) -> Option<&str> {
        self.inner.kind.as_deref()
    }
    #[getter]
    fn weight(&self) -> f64 {
        self.inner.weight
    }
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
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let record = self.inner.to_json().to_string();
        Ok((rebuilder(py, "_entity_from_json")?, (record,)))
    }
}

/// Rebuilds a pickled entity from its JSON record, checked as when it was first added.
#[pyfunction]
fn _entity_from_json(record: &Bound<'_, PyAny>) -> PyResult<PyEntity> {
    let record: String = state_of(record, "Entity")?;
    let record: Value = serde_json::from_str(&record).map_err(|_| error("not a pickled Entity"))?;
    let inner =
        guard(|| canonica::Entity::from_json(&record).and_then(|e| e.validate().map(|()| e)))?
            .map_err(to_py_err)?;
    Ok(PyEntity { inner })
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
        if aliases.is_instance_of::<PyString>() {
            return Err(error(
                "aliases must be a list of strings, not a single string",
            ));
        }
        let items: PyResult<Vec<Value>> = aliases
            .try_iter()
            .map_err(|_| {
                error(format!(
                    "aliases must be a list of strings, not {}",
                    type_name(aliases)
                ))
            })?
            .map(|a| to_json(&a?, 1))
            .collect();
        record.insert("aliases".into(), Value::Array(items?));
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
#[pyclass(module = "canonica._core", frozen, name = "KnowledgeBase")]
struct PyKnowledgeBase {
    inner: RwLock<canonica::KnowledgeBase>,
}

impl PyKnowledgeBase {
    fn wrap(kb: canonica::KnowledgeBase) -> PyKnowledgeBase {
        PyKnowledgeBase {
            inner: RwLock::new(kb),
        }
    }

    fn snapshot(&self) -> canonica::KnowledgeBase {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[pymethods]
impl PyKnowledgeBase {
    #[new]
    fn new() -> PyKnowledgeBase {
        PyKnowledgeBase::wrap(canonica::KnowledgeBase::new())
    }

    /// Rows: an iterable of dicts, or a pandas or polars DataFrame.
    #[staticmethod]
    fn from_records(py: Python<'_>, rows: &Bound<'_, PyAny>) -> PyResult<PyKnowledgeBase> {
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
        for (i, row) in rows
            .try_iter()
            .map_err(|_| {
                error(format!(
                    "rows must be an iterable of dicts, not {}",
                    type_name(&rows)
                ))
            })?
            .enumerate()
        {
            let row = row?;
            if !row.is_instance_of::<PyDict>() {
                return Err(error(format!(
                    "record {}: expected a dict, found {}",
                    i + 1,
                    type_name(&row)
                )));
            }
            records.push(
                to_json(&row, 0)
                    .map_err(|e| error(format!("record {}: {}", i + 1, e.value(py))))?,
            );
        }
        let kb = guard(|| canonica::KnowledgeBase::from_records(&records))?.map_err(to_py_err)?;
        Ok(PyKnowledgeBase::wrap(kb))
    }

    #[staticmethod]
    fn from_jsonl(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<PyKnowledgeBase> {
        let path = path_of(path)?;
        let kb = run_detached(py, || canonica::KnowledgeBase::from_jsonl(&path))?;
        Ok(PyKnowledgeBase::wrap(kb))
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<PyKnowledgeBase> {
        let path = path_of(path)?;
        let kb = run_detached(py, || canonica::KnowledgeBase::from_json(&path))?;
        Ok(PyKnowledgeBase::wrap(kb))
    }

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
        let record = entity_from_args(id, name, aliases, kind, weight, data)?;
        let mut kb = self.inner.write().unwrap_or_else(|e| e.into_inner());
        guard(|| canonica::Entity::from_json(&record).and_then(|e| kb.add(e)))?.map_err(to_py_err)
    }

    fn __len__(&self) -> usize {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn __getitem__(&self, id: &Bound<'_, PyAny>) -> PyResult<PyEntity> {
        let kb = self.inner.read().unwrap_or_else(|e| e.into_inner());
        id.cast::<PyString>()
            .ok()
            .and_then(|s| kb.get(s.to_str().ok()?))
            .map(|e| PyEntity { inner: e.clone() })
            .ok_or_else(|| PyKeyError::new_err(id.clone().unbind()))
    }

    /// False for anything that is not the id of an entity, strings or not.
    fn __contains__(&self, id: &Bound<'_, PyAny>) -> bool {
        let kb = self.inner.read().unwrap_or_else(|e| e.into_inner());
        id.cast::<PyString>()
            .ok()
            .and_then(|s| kb.get(s.to_str().ok()?).map(|_| ()))
            .is_some()
    }

    /// The entities in the order they were added.
    fn entities(&self) -> Vec<PyEntity> {
        let kb = self.inner.read().unwrap_or_else(|e| e.into_inner());
        kb.entities()
            .iter()
            .map(|e| PyEntity { inner: e.clone() })
            .collect()
    }

    fn __repr__(&self) -> String {
        format!("KnowledgeBase({} entities)", self.__len__())
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let jsonl = run_detached(py, || {
            let mut jsonl = Vec::new();
            let kb = self.inner.read().unwrap_or_else(|e| e.into_inner());
            kb.write_jsonl(&mut jsonl).map(|()| jsonl)
        })?;
        Ok((
            rebuilder(py, "_knowledge_base_from_jsonl")?,
            (PyBytes::new(py, &jsonl),),
        ))
    }
}

/// Rebuilds a pickled knowledge base from its JSON Lines, every record checked again.
#[pyfunction]
fn _knowledge_base_from_jsonl(
    py: Python<'_>,
    jsonl: &Bound<'_, PyAny>,
) -> PyResult<PyKnowledgeBase> {
    let jsonl: Vec<u8> = state_of(jsonl, "KnowledgeBase")?;
    let kb = run_detached(py, || canonica::KnowledgeBase::read_jsonl(jsonl.as_slice()))?;
    Ok(PyKnowledgeBase::wrap(kb))
}

/// One entity a name resolved to.
#[pyclass(module = "canonica._core", frozen, name = "Match")]
struct PyMatch {
    inner: canonica::Match,
}

#[pymethods]
impl PyMatch {
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    #[getter]
    fn score(&self) -> f64 {
        self.inner.score
    }
    #[getter]
    fn alias(&self) -> &str {
        &self.inner.alias
    }
    #[getter]
    fn kind(&self) -> Option<&str> {
        self.inner.kind.as_deref()
    }
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method.as_str()
    }
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
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (MatchState,))> {
        let m = &self.inner;
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
}

/// A match as pickled: id, name, score, alias, kind, method, evidence.
type MatchState = (String, String, f64, String, Option<String>, String, String);

/// Rebuilds a pickled match.
#[pyfunction]
fn _match_from_state(state: &Bound<'_, PyAny>) -> PyResult<PyMatch> {
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

fn wrap_match(m: Option<canonica::Match>) -> Option<PyMatch> {
    m.map(|inner| PyMatch { inner })
}

/// One mention of an entity in a text; `start` and `end` are code-point offsets, so that
/// `text[m.start:m.end] == m.text`.
#[pyclass(module = "canonica._core", frozen, name = "Mention")]
#[derive(PartialEq)]
struct PyMention {
    start: usize,
    end: usize,
    text: String,
    score: f64,
    id: String,
    name: String,
    kind: Option<String>,
}

/// A mention as pickled: start, end, text, score, id, name, kind.
type MentionState = (usize, usize, String, f64, String, String, Option<String>);

#[pymethods]
impl PyMention {
    #[getter]
    fn start(&self) -> usize {
        self.start
    }
    #[getter]
    fn end(&self) -> usize {
        self.end
    }
    #[getter]
    fn text(&self) -> &str {
        &self.text
    }
    #[getter]
    fn id(&self) -> &str {
        &self.id
    }
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }
    #[getter]
    fn score(&self) -> f64 {
        self.score
    }
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
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (MentionState,))> {
        let state = (
            self.start,
            self.end,
            self.text.clone(),
            self.score,
            self.id.clone(),
            self.name.clone(),
            self.kind.clone(),
        );
        Ok((rebuilder(py, "_mention_from_state")?, (state,)))
    }
}

/// Rebuilds a pickled mention.
#[pyfunction]
fn _mention_from_state(state: &Bound<'_, PyAny>) -> PyResult<PyMention> {
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

/// Linked spans (byte offsets) to mentions with code-point offsets. Overlapping mentions come
/// out of order, so offsets are looked up in the list of character starts.
fn to_mentions(
    text: &str,
    spans: Vec<canonica::LinkedSpan>,
    resolver: &canonica::Resolver,
) -> Vec<PyMention> {
    let char_starts: Vec<u32> = text.char_indices().map(|(b, _)| b as u32).collect();
    let at = |byte: usize| char_starts.partition_point(|&b| (b as usize) < byte);
    let mut out = Vec::with_capacity(spans.len());
    let entities = resolver.knowledge_base().entities();
    for span in spans {
        let entity = &entities[span.entity];
        out.push(PyMention {
            start: at(span.start),
            end: at(span.end),
            text: text[span.start..span.end].to_string(),
            score: span.score,
            id: entity.id.clone(),
            name: entity.name.clone(),
            kind: entity.kind.clone(),
        });
    }
    out
}

/// Resolves names to the entities of a knowledge base.
#[pyclass(module = "canonica._core", frozen, name = "Resolver")]
struct PyResolver {
    inner: canonica::Resolver,
}

#[pymethods]
impl PyResolver {
    #[new]
    #[pyo3(signature = (kb, threshold=None, margin=None))]
    fn new(
        py: Python<'_>,
        kb: &Bound<'_, PyAny>,
        threshold: Option<&Bound<'_, PyAny>>,
        margin: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyResolver> {
        let kb = kb
            .cast::<PyKnowledgeBase>()
            .map_err(|_| {
                error(format!(
                    "kb must be a KnowledgeBase, not {}; build one with \
                     KnowledgeBase.from_records(rows)",
                    type_name(kb)
                ))
            })?
            .get()
            .snapshot();
        let builder = canonica::Resolver::builder()
            .threshold(unit_of(
                threshold,
                "threshold",
                canonica::DEFAULT_THRESHOLD,
            )?)
            .margin(unit_of(margin, "margin", canonica::DEFAULT_MARGIN)?);
        let inner = run_detached(py, || builder.build(kb))?;
        Ok(PyResolver { inner })
    }

    #[getter]
    fn threshold(&self) -> f64 {
        self.inner.threshold()
    }

    #[getter]
    fn margin(&self) -> f64 {
        self.inner.margin()
    }

    #[getter]
    fn knowledge_base(&self) -> PyKnowledgeBase {
        PyKnowledgeBase::wrap(self.inner.knowledge_base().clone())
    }

    fn __len__(&self) -> usize {
        self.inner.knowledge_base().len()
    }

    #[pyo3(signature = (name, kind=None))]
    fn resolve(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        kind: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<PyMatch>> {
        let kind = kind_of(kind)?;
        let Some(name) = optional_text(name, "the name")? else {
            return Ok(None);
        };
        let found = py.detach(|| guard(|| self.inner.resolve(&name, kind.as_deref())))?;
        Ok(wrap_match(found))
    }

    #[pyo3(signature = (names, kind=None))]
    fn resolve_many(
        &self,
        py: Python<'_>,
        names: &Bound<'_, PyAny>,
        kind: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Option<PyMatch>>> {
        let kind_text = kind_of(kind)?;
        if names.is_instance_of::<PyString>() {
            return Err(error(
                "names must be a list of strings, not a single string",
            ));
        }
        if is_pandas(names) {
            // pandas: its Arrow data when it has some, else one list of objects made in C.
            let converted = py
                .import("canonica._frames")?
                .call_method1("pandas_names", (names,))?;
            return self.resolve_many(py, &converted, kind);
        }
        use_worker_default(py)?;
        if let Some(source) = arrow::ArrowNames::from_py(names)? {
            let source = source.map_err(error)?;
            let texts = guard(|| source.texts())?.map_err(error)?;
            let found = py.detach(|| {
                guard(|| {
                    self.inner
                        .resolve_many_optional(&texts, kind_text.as_deref())
                })
            })?;
            return Ok(found.into_iter().map(wrap_match).collect());
        }
        let mut texts: Vec<Option<String>> = Vec::new();
        let iter = names
            .try_iter()
            .map_err(|_| error(format!("names must be iterable, not {}", type_name(names))))?;
        for (i, item) in iter.enumerate() {
            texts.push(optional_text(&item?, &format!("name {}", i + 1))?);
        }
        let found = py.detach(|| {
            guard(|| {
                self.inner
                    .resolve_many_optional(&texts, kind_text.as_deref())
            })
        })?;
        Ok(found.into_iter().map(wrap_match).collect())
    }

    #[pyo3(
        signature = (name, limit=Limit(5), kind=None),
        text_signature = "($self, name, limit=5, kind=None)"
    )]
    fn candidates(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        limit: Limit,
        kind: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PyMatch>> {
        let kind = kind_of(kind)?;
        let Limit(limit) = limit;
        if limit < 0 {
            return Err(error(format!("limit must be zero or more, not {limit}")));
        }
        let Some(name) = optional_text(name, "the name")? else {
            return Ok(Vec::new());
        };
        let found = py.detach(|| {
            guard(|| {
                self.inner
                    .candidates(&name, limit as usize, kind.as_deref())
            })
        })?;
        Ok(found.into_iter().map(|inner| PyMatch { inner }).collect())
    }

    #[pyo3(
        signature = (text, kind=None, overlapping=Overlapping(false), fuzzy=Fuzzy(false)),
        text_signature = "($self, text, kind=None, overlapping=False, fuzzy=False)"
    )]
    fn link(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        kind: Option<&Bound<'_, PyAny>>,
        overlapping: Overlapping,
        fuzzy: Fuzzy,
    ) -> PyResult<Vec<PyMention>> {
        let options = canonica::LinkOptions {
            kind: kind_of(kind)?,
            overlapping: overlapping.0,
            fuzzy: fuzzy.0,
        };
        let text = text_of(text, "the text")?;
        py.detach(|| {
            guard(|| to_mentions(&text, self.inner.link_spans(&text, &options), &self.inner))
        })
    }

    #[pyo3(
        signature = (df, column, prefix=None, kind=None),
        text_signature = "(self, df, column, prefix='', kind=None)"
    )]
    fn resolve_frame<'py>(
        slf: &Bound<'py, Self>,
        df: &Bound<'py, PyAny>,
        column: &Bound<'py, PyAny>,
        prefix: Option<&Bound<'py, PyAny>>,
        kind: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let column = text_of(column, "the column")?;
        let prefix = match prefix {
            Some(prefix) => text_of(prefix, "the prefix")?,
            None => String::new(),
        };
        let kind = kind_of(kind)?;
        let frames = slf.py().import("canonica._frames")?;
        frames.call_method1("resolve_frame", (slf, df, column, prefix, kind))
    }

    fn save(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<()> {
        let path = path_of(path)?;
        run_detached(py, || self.inner.save(&path))
    }

    #[staticmethod]
    fn load(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<PyResolver> {
        let path = path_of(path)?;
        let inner = run_detached(py, || canonica::Resolver::load(&path))?;
        Ok(PyResolver { inner })
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| guard(|| self.inner.to_bytes()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<PyResolver> {
        let data = bytes_of(data)?;
        let inner = run_detached(py, || canonica::Resolver::from_bytes(&data))?;
        Ok(PyResolver { inner })
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        Ok((
            rebuilder(py, "_resolver_from_bytes")?,
            (self.to_bytes(py)?,),
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "Resolver({} entities, threshold={})",
            self.inner.knowledge_base().len(),
            self.inner.threshold()
        )
    }
}

/// Rebuilds a pickled resolver.
#[pyfunction]
fn _resolver_from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<PyResolver> {
    PyResolver::from_bytes(py, data)
}

/// The normalized form of a text: folded case and accents, Latin letters, one space between
/// tokens.
#[pyfunction]
fn normalize(text: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = text_of(text, "the text")?;
    guard(|| canonica::normalize(&text))
}

/// How alike two names are, in [0, 1], under the rules resolution uses.
#[pyfunction]
fn similarity(py: Python<'_>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<f64> {
    let a = text_of(a, "the first name")?;
    let b = text_of(b, "the second name")?;
    py.detach(|| guard(|| canonica::similarity(&a, &b)))
}

/// The built-in knowledge base of every ISO 3166-1 country (id = alpha-2).
#[pyfunction]
fn countries(py: Python<'_>) -> PyResult<PyKnowledgeBase> {
    let kb = py.detach(|| guard(canonica::countries))?;
    Ok(PyKnowledgeBase::wrap(kb))
}

/// Sets how many threads `resolve_many` uses; 0 means one per core (or CANONICA_NUM_THREADS).
#[pyfunction]
fn set_num_threads(threads: &Bound<'_, PyAny>) -> PyResult<()> {
    let threads = whole_of(threads, "the number of threads")?;
    let threads = usize::try_from(threads).map_err(|_| {
        error(format!(
            "the number of threads must be 0 or more, not {threads}"
        ))
    })?;
    canonica::set_num_threads(threads).map_err(to_py_err)
}

/// How many threads `resolve_many` will use.
#[pyfunction]
fn num_threads(py: Python<'_>) -> PyResult<usize> {
    use_worker_default(py)?;
    Ok(canonica::num_threads())
}

/// One thread per batch by default inside Spark, Dask and Ray workers (see `canonica._workers`):
/// sets the calling thread's default, which an explicit setting overrides.
fn use_worker_default(py: Python<'_>) -> PyResult<()> {
    static ENGINE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let engine = ENGINE.import(py, "canonica._workers", "engine")?.call0()?;
    canonica::threads::set_thread_default((!engine.is_none()).then_some(1));
    Ok(())
}

/// Called in every forked child: forgets the thread pool inherited from the parent.
#[pyfunction]
fn _after_fork() {
    canonica::threads::after_fork();
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CanonicaError", m.py().get_type::<CanonicaError>())?;
    m.add("DEFAULT_THRESHOLD", canonica::DEFAULT_THRESHOLD)?;
    m.add("DEFAULT_MARGIN", canonica::DEFAULT_MARGIN)?;
    m.add_class::<PyEntity>()?;
    m.add_class::<PyKnowledgeBase>()?;
    m.add_class::<PyMatch>()?;
    m.add_class::<PyResolver>()?;
    m.add_class::<PyMention>()?;
    m.add_function(wrap_pyfunction!(normalize, m)?)?;
    m.add_function(wrap_pyfunction!(similarity, m)?)?;
    m.add_function(wrap_pyfunction!(countries, m)?)?;
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(_after_fork, m)?)?;
    m.add_function(wrap_pyfunction!(_resolver_from_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(_knowledge_base_from_jsonl, m)?)?;
    m.add_function(wrap_pyfunction!(_entity_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(_match_from_state, m)?)?;
    m.add_function(wrap_pyfunction!(_mention_from_state, m)?)?;
    Ok(())
}
