//! The resolver: a thin wrapper over `canonica::Resolver`. Arguments are converted here and
//! the work runs in the core with the GIL released; what stays in Python (data frames, which
//! engine's worker runs a task) is reached through the hooks the package registers.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

use crate::convert::{
    bytes_of, kind_of, optional_text, path_of, str_of, text_of, type_name, unit_of, with_names,
    Fuzzy, Limit, Overlapping,
};
use crate::errors::{error, guard, run_detached};
use crate::hooks;
use crate::knowledge_base::{records_of, PyKnowledgeBase};
use crate::pickle;
use crate::results::{to_mentions, wrap_match, wrap_matches, PyMatch, PyMention};
use crate::signals::{self, check_every, refuse};
use crate::threads::use_worker_default;

/// Texts at least this long are linked and normalized under a watch for signals (see
/// `signals::run`); shorter ones take too little time to be worth it.
pub(crate) const LONG_TEXT: usize = 1 << 16;

/// Resolves names to the entities of a knowledge base.
#[pyclass(module = "canonica._core", frozen, name = "Resolver")]
pub(crate) struct PyResolver {
    inner: canonica::Resolver,
}

impl PyResolver {
    /// The core resolver, for the other bindings (clustering against a knowledge base).
    pub(crate) fn core(&self) -> &canonica::Resolver {
        &self.inner
    }
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
        let kb = kb.cast::<PyKnowledgeBase>().map_err(|_| {
            error(format!(
                "kb must be a KnowledgeBase, not {}; build one with \
                 KnowledgeBase.from_records(rows)",
                type_name(kb)
            ))
        })?;
        let kb = kb.get();
        let kb = py.detach(|| kb.snapshot());
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
    fn threshold(&self, py: Python<'_>) -> f64 {
        py.detach(|| self.inner.threshold())
    }

    #[getter]
    fn margin(&self, py: Python<'_>) -> f64 {
        py.detach(|| self.inner.margin())
    }

    #[getter]
    fn knowledge_base(&self) -> PyKnowledgeBase {
        PyKnowledgeBase::view(self.inner.clone())
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        py.detach(|| self.inner.len())
    }

    fn add(&self, py: Python<'_>, records: &Bound<'_, PyAny>) -> PyResult<()> {
        let kb = records_of(py, records)?;
        run_detached(py, || self.inner.add(kb.entities().iter().cloned()))
    }

    fn update(&self, py: Python<'_>, records: &Bound<'_, PyAny>) -> PyResult<()> {
        let kb = records_of(py, records)?;
        run_detached(py, || self.inner.update(kb.entities().iter().cloned()))
    }

    fn remove(&self, py: Python<'_>, ids: &Bound<'_, PyAny>) -> PyResult<()> {
        if ids.is_instance_of::<PyString>() {
            return Err(error("ids must be a list of ids, not a single string"));
        }
        let iter = ids.try_iter().map_err(|err| {
            refuse(py, err, || {
                format!("ids must be a list of ids, not {}", type_name(ids))
            })
        })?;
        let mut texts = Vec::new();
        for (i, id) in iter.enumerate() {
            check_every(py, i + 1)?;
            texts.push(text_of(&id?, &format!("id {}", i + 1))?);
        }
        run_detached(py, || self.inner.remove(&texts))
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
    fn resolve_many<'py>(
        &self,
        py: Python<'py>,
        names: &Bound<'py, PyAny>,
        kind: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let kind_text = kind_of(kind)?;
        use_worker_default(py)?;
        let found = with_names(py, names, |texts| {
            signals::run(py, || {
                Ok(self
                    .inner
                    .resolve_many_optional(texts, kind_text.as_deref()))
            })
        })?;
        wrap_matches(py, found)
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
        let text = str_of(text, "the text")?;
        let link = || Ok(to_mentions(text, self.inner.link_with(text, &options)));
        if options.fuzzy || text.len() >= LONG_TEXT {
            signals::run(py, link)
        } else {
            py.detach(|| guard(link))?.map_err(crate::errors::to_py_err)
        }
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
        hooks::resolve_frame(slf, df, column, prefix, kind)
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

    pub(crate) fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = run_detached(py, || Ok(self.inner.to_bytes()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    #[staticmethod]
    pub(crate) fn from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<PyResolver> {
        let data = bytes_of(data)?;
        let inner = run_detached(py, || canonica::Resolver::from_bytes(&data))?;
        Ok(PyResolver { inner })
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<pickle::Reduced<'py, (Bound<'py, PyBytes>,)>> {
        pickle::reduce_resolver(py, self)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (len, threshold) = py.detach(|| (self.inner.len(), self.inner.threshold()));
        format!("Resolver({len} entities, threshold={threshold})")
    }
}
