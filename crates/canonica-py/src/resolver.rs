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
use crate::progress::{run_batch, Reporter};
use crate::results::{to_mentions, wrap_match, wrap_matches, PyMatch, PyMention};
use crate::signals::{self, check_every, refuse};
use crate::threads::use_worker_default;

/// Texts at least this long are linked and normalized under a watch for signals (see
/// `signals::run`); shorter ones take too little time to be worth it.
pub(crate) const LONG_TEXT: usize = 1 << 16;

/// The `kind` argument of resolve and candidates as core options.
fn resolve_options(kind: Option<&Bound<'_, PyAny>>) -> PyResult<canonica::ResolveOptions> {
    Ok(canonica::ResolveOptions {
        kind: kind_of(kind)?,
    })
}

/// The arguments of link and link_many as core options.
fn link_options(
    kind: Option<&Bound<'_, PyAny>>,
    overlapping: Overlapping,
    fuzzy: Fuzzy,
) -> PyResult<canonica::LinkOptions> {
    Ok(canonica::LinkOptions {
        kind: kind_of(kind)?,
        overlapping: overlapping.0,
        fuzzy: fuzzy.0,
    })
}

/// Resolves names to the entities of a knowledge base.
///
/// `threshold`: the lowest score `resolve` accepts (None: DEFAULT_THRESHOLD). `margin`: how
/// far the best entity must beat the next (None: DEFAULT_MARGIN). The resolver indexes a copy
/// of the knowledge base; later changes to that knowledge base do not affect it (`add`,
/// `update` and `remove` change the resolver's own). It is safe to share between threads, and
/// pickles (for Spark, Dask and multiprocessing workers).
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
    #[pyo3(
        signature = (kb, threshold=None, margin=None),
        text_signature = "(kb, threshold=None, margin=None)"
    )]
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

    /// The lowest score `resolve` accepts.
    #[getter]
    fn threshold(&self, py: Python<'_>) -> f64 {
        py.detach(|| self.inner.threshold())
    }

    /// How far the best entity must score above the next for `resolve` to answer.
    #[getter]
    fn margin(&self, py: Python<'_>) -> f64 {
        py.detach(|| self.inner.margin())
    }

    /// The resolver's entities as a knowledge base that follows its updates: `len`, `kb[id]`,
    /// `in` and iteration copy no entity but the ones asked for; `add` is refused (use
    /// `Resolver.add`); `Resolver(kb)` and pickling take a copy.
    #[getter]
    fn knowledge_base(&self) -> PyKnowledgeBase {
        PyKnowledgeBase::view(self.inner.clone())
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        py.detach(|| self.inner.len())
    }

    /// Adds entities with new ids, from records of every shape `KnowledgeBase.from_records`
    /// takes (or a KnowledgeBase). Atomic: a bad record, or an id that exists or comes twice,
    /// raises CanonicaError naming the record and field, and nothing changes. Afterwards the
    /// resolver answers exactly as one built from scratch on its entities would. Threads that
    /// resolve meanwhile see the call whole or not at all.
    fn add(&self, py: Python<'_>, records: &Bound<'_, PyAny>) -> PyResult<()> {
        let kb = records_of(py, records)?;
        run_detached(py, || self.inner.add(kb.entities().iter().cloned()))
    }

    /// Replaces the entities with these ids, or adds them when new; atomic as `add`.
    fn update(&self, py: Python<'_>, records: &Bound<'_, PyAny>) -> PyResult<()> {
        let kb = records_of(py, records)?;
        run_detached(py, || self.inner.update(kb.entities().iter().cloned()))
    }

    /// Removes the entities with these ids; an unknown id, or one given twice, raises
    /// CanonicaError naming its position, and nothing changes.
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

    /// The entity `name` refers to, or None when nothing is good enough or two entities are
    /// too close to tell apart. None, NaN and "" give None. `kind` keeps only entities of that
    /// kind.
    #[pyo3(signature = (name, kind=None))]
    fn resolve(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        kind: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<PyMatch>> {
        let options = resolve_options(kind)?;
        let Some(name) = optional_text(name, "the name")? else {
            return Ok(None);
        };
        let found = py.detach(|| guard(|| self.inner.resolve_with(&name, &options)))?;
        Ok(wrap_match(found))
    }

    /// Resolves every name in parallel with the GIL released; one result per name, in
    /// order. None, NaN and "" give None; other non-strings raise CanonicaError.
    ///
    /// `names` may be a list or any iterable, a pandas or polars Series, or an Arrow array or
    /// chunked array (anything with `__arrow_c_array__` or `__arrow_c_stream__`). Arrow strings
    /// (utf8, large_utf8, string_view, dictionaries of them) are read in place, without a loop
    /// in Python; nulls give None. Results equal those for a list of the same names.
    ///
    /// `progress=True` shows a progress bar on standard error (tqdm's when it is installed); a
    /// callable is called with `(done, total)` as chunks of names finish. Off by default, and
    /// then the batch runs in one call.
    #[pyo3(
        signature = (names, kind=None, *, progress=None),
        text_signature = "($self, names, kind=None, *, progress=False)"
    )]
    fn resolve_many<'py>(
        &self,
        py: Python<'py>,
        names: &Bound<'py, PyAny>,
        kind: Option<&Bound<'_, PyAny>>,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let options = resolve_options(kind)?;
        use_worker_default(py)?;
        let resolve =
            |chunk: &[Option<&str>]| self.inner.resolve_many_optional_with(chunk, &options);
        let found = with_names(py, names, |texts| {
            let reporter = Reporter::from_arg(py, progress, texts.len(), "resolving")?;
            run_batch(py, texts, reporter, resolve)
        })?;
        wrap_matches(py, found)
    }

    /// Up to `limit` entities `name` may refer to, best first, whatever their score, each with
    /// the evidence for it; entities that tie with the best are all listed.
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
        let options = resolve_options(kind)?;
        let Limit(limit) = limit;
        if limit < 0 {
            return Err(error(format!("limit must be zero or more, not {limit}")));
        }
        let Some(name) = optional_text(name, "the name")? else {
            return Ok(Vec::new());
        };
        let found =
            py.detach(|| guard(|| self.inner.candidates_with(&name, limit as usize, &options)))?;
        Ok(found.into_iter().map(|inner| PyMatch { inner }).collect())
    }

    /// Every mention of an entity in `text`, in order, leftmost-longest and without overlaps:
    /// aliases matched whole after normalization, a title before a person attached, a surname
    /// after a full mention linked, short aliases ("US") only in capitals.
    /// `overlapping=True` returns nested and overlapping mentions too; `fuzzy=True` also links
    /// misspelled, capitalized names (slower).
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
        let options = link_options(kind, overlapping, fuzzy)?;
        let text = str_of(text, "the text")?;
        let link = || Ok(to_mentions(text, self.inner.link_with(text, &options)));
        if options.fuzzy || text.len() >= LONG_TEXT {
            signals::run(py, link)
        } else {
            py.detach(|| guard(link))?.map_err(crate::errors::to_py_err)
        }
    }

    /// `link` over many texts in parallel with the GIL released: one list of mentions per
    /// text, in order, each as `link(text, ...)` gives it. `progress` as for `resolve_many`.
    #[pyo3(
        signature = (texts, kind=None, overlapping=Overlapping(false), fuzzy=Fuzzy(false), *, progress=None),
        text_signature = "($self, texts, kind=None, overlapping=False, fuzzy=False, *, progress=False)"
    )]
    fn link_many(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        kind: Option<&Bound<'_, PyAny>>,
        overlapping: Overlapping,
        fuzzy: Fuzzy,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Vec<PyMention>>> {
        let options = link_options(kind, overlapping, fuzzy)?;
        if texts.is_instance_of::<PyString>() {
            return Err(error(
                "texts must be a list of strings, not a single string; use link(text)",
            ));
        }
        let texts = &hooks::names(py, texts)?;
        let iter = texts
            .try_iter()
            .map_err(|_| error(format!("texts must be iterable, not {}", type_name(texts))))?;
        let mut owned: Vec<String> = Vec::new();
        for (i, item) in iter.enumerate() {
            let text: String =
                optional_text(&item?, &format!("text {}", i + 1))?.unwrap_or_default();
            owned.push(text);
        }
        use_worker_default(py)?;
        let reporter = Reporter::from_arg(py, progress, owned.len(), "linking")?;
        run_batch(py, &owned, reporter, |chunk| {
            let found = self.inner.link_many(chunk, &options);
            chunk
                .iter()
                .zip(found)
                .map(|(text, mentions)| to_mentions(text, mentions))
                .collect()
        })
    }

    /// A copy of a pandas or polars DataFrame (or a polars LazyFrame, which stays lazy) with
    /// three columns appended: `{prefix}id`, `{prefix}name` and `{prefix}score`, null where
    /// nothing matched. The default prefix, "canonica_", gives `canonica_id`, `canonica_name`
    /// and `canonica_score`, so that input columns called `id`, `name` or `score` are kept as
    /// they are; an added column that would replace an input column raises CanonicaError.
    /// A cell that is neither a string nor missing raises CanonicaError naming its column and
    /// row (counted from 0). `progress` as for `resolve_many`.
    #[pyo3(
        signature = (df, column, prefix=None, kind=None, *, progress=None),
        text_signature = "($self, df, column, prefix='canonica_', kind=None, *, progress=False)"
    )]
    fn resolve_frame<'py>(
        slf: &Bound<'py, Self>,
        df: &Bound<'py, PyAny>,
        column: &Bound<'py, PyAny>,
        prefix: Option<&Bound<'py, PyAny>>,
        kind: Option<&Bound<'py, PyAny>>,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let column = text_of(column, "the column")?;
        let prefix = match prefix.filter(|p| !p.is_none()) {
            Some(prefix) => Some(text_of(prefix, "the prefix")?),
            None => None,
        };
        let kind = kind_of(kind)?;
        hooks::resolve_frame(slf, df, column, prefix, kind, progress)
    }

    /// Writes the resolver to a versioned binary file, atomically.
    fn save(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<()> {
        let path = path_of(path)?;
        run_detached(py, || self.inner.save(&path))
    }

    /// Reads a resolver written by `save`.
    #[staticmethod]
    fn load(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<PyResolver> {
        let path = path_of(path)?;
        let inner = run_detached(py, || canonica::Resolver::load(&path))?;
        crate::release_freed_memory();
        Ok(PyResolver { inner })
    }

    /// The resolver as bytes (the format `save` writes).
    pub(crate) fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = run_detached(py, || Ok(self.inner.to_bytes()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A resolver from bytes made by `to_bytes`.
    #[staticmethod]
    pub(crate) fn from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<PyResolver> {
        let data = bytes_of(data)?;
        let inner = run_detached(py, || canonica::Resolver::from_bytes(&data))?;
        crate::release_freed_memory();
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
