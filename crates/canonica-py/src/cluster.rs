//! Clustering a column of names, and OpenRefine's keys: thin wrappers over `canonica::cluster`.
//! Names are read as `resolve_many` reads them (lists, data-frame columns through the package's
//! hook, Arrow arrays in place); the work runs in the core with the GIL released, on a thread of
//! its own so that the calling thread can report progress and notice Ctrl-C.

use std::time::Duration;

use pyo3::prelude::*;

use crate::convert::{text_of, type_name, unit_of, whole_of, with_names};
use crate::errors::{error, guard, to_py_err};
use crate::knowledge_base::PyKnowledgeBase;
use crate::progress::Reporter;
use crate::resolver::PyResolver;
use crate::threads::use_worker_default;

/// How often the progress callback is called and Ctrl-C looked for while clustering.
const POLL: Duration = Duration::from_millis(100);

/// OpenRefine's fingerprint key, byte for byte: case and accents folded, punctuation
/// removed, the words sorted and each kept once.
#[pyfunction]
pub(crate) fn fingerprint(s: &Bound<'_, PyAny>) -> PyResult<String> {
    let s = text_of(s, "the text")?;
    guard(|| canonica::fingerprint(&s))
}

/// OpenRefine's n-gram fingerprint key, byte for byte: the text folded as for
/// `fingerprint`, spaces removed, its distinct n-grams sorted and concatenated.
#[pyfunction]
#[pyo3(signature = (s, n=None), text_signature = "(s, n=2)")]
pub(crate) fn ngram_fingerprint(
    s: &Bound<'_, PyAny>,
    n: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let s = text_of(s, "the text")?;
    let n = match n {
        Some(n) => whole_of(n, "n")?,
        None => 2,
    };
    if n < 1 {
        return Err(error(format!(
            "the n-gram size n must be at least 1, not {n}"
        )));
    }
    guard(|| canonica::ngram_fingerprint(&s, n as usize))?.map_err(to_py_err)
}

/// The resolver `kb=` stands for: a KnowledgeBase is indexed, a Resolver used as it is.
fn resolver_of(py: Python<'_>, kb: &Bound<'_, PyAny>) -> PyResult<canonica::Resolver> {
    if let Ok(r) = kb.cast::<PyResolver>() {
        return Ok(r.get().core().clone());
    }
    let kb = kb.cast::<PyKnowledgeBase>().map_err(|_| {
        error(format!(
            "kb must be a KnowledgeBase or a Resolver, not {}",
            type_name(kb)
        ))
    })?;
    // The knowledge base's lock is taken with the GIL released (see `fork.rs`).
    let kb = kb.get();
    py.detach(|| guard(|| canonica::Resolver::new(kb.snapshot())))?
        .map_err(to_py_err)
}

/// Runs the clustering on a thread of its own; meanwhile the calling thread calls `progress`
/// with (done, total) and looks for Ctrl-C, cancelling the work when either raises.
fn run(
    py: Python<'_>,
    clusterer: &canonica::Clusterer,
    names: &[Option<&str>],
    reporter: Option<Reporter>,
) -> PyResult<canonica::Clustering> {
    let state = canonica::Progress::new();
    let mut raised: Option<PyErr> = None;
    let result = py.detach(|| {
        std::thread::scope(|scope| {
            let work = scope.spawn(|| guard(|| clusterer.cluster_with(names, &state)));
            while !work.is_finished() {
                std::thread::park_timeout(POLL);
                if raised.is_some() {
                    continue;
                }
                let outcome = Python::attach(|py| -> PyResult<()> {
                    py.check_signals()?;
                    if let Some(reporter) = &reporter {
                        let (done, total) = state.get();
                        reporter.report(py, done, total)?;
                    }
                    Ok(())
                });
                if let Err(e) = outcome {
                    state.cancel();
                    raised = Some(e);
                }
            }
            work.join().unwrap_or_else(|_| {
                Err(error(
                    "internal error in canonica: the clustering thread died",
                ))
            })
        })
    });
    let finished = (|| -> PyResult<canonica::Clustering> {
        if let Some(e) = raised {
            return Err(e);
        }
        let clustering = result?.map_err(to_py_err)?;
        if let Some(reporter) = &reporter {
            let (_, total) = state.get();
            reporter.report(py, total, total)?;
        }
        Ok(clustering)
    })();
    let closed = reporter.map_or(Ok(()), |reporter| reporter.close(py));
    let clustering = finished?;
    closed?;
    Ok(clustering)
}

/// Groups the names that mean the same entity, in parallel with the GIL released.
///
/// `names` is read as `Resolver.resolve_many` reads it (a list or iterable, a pandas or polars
/// Series, an Arrow array). `threshold` (None: DEFAULT_CLUSTER_THRESHOLD) is the least score
/// of a pair of spellings that may join their clusters. With `kb`, names that resolve take
/// their entity and the rest are clustered among themselves. `progress=True` shows a progress
/// bar on standard error; a callable is called as `progress(done, total)` about ten times a
/// second with the spellings compared so far, and an exception it raises (like Ctrl-C) stops
/// the clustering. The same names give the same labels, whatever the threads.
#[pyfunction]
#[pyo3(
    signature = (names, threshold=None, kb=None, *, progress=None),
    text_signature = "(names, threshold=None, kb=None, *, progress=False)"
)]
pub(crate) fn cluster(
    py: Python<'_>,
    names: &Bound<'_, PyAny>,
    threshold: Option<&Bound<'_, PyAny>>,
    kb: Option<&Bound<'_, PyAny>>,
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyClustering> {
    let threshold = unit_of(threshold, "threshold", canonica::DEFAULT_CLUSTER_THRESHOLD)?;
    let mut clusterer = canonica::Clusterer::new().threshold(threshold);
    if let Some(kb) = kb.filter(|kb| !kb.is_none()) {
        clusterer = clusterer.knowledge_base(resolver_of(py, kb)?);
    }
    use_worker_default(py)?;
    let inner = with_names(py, names, |texts| {
        let reporter = Reporter::from_arg(py, progress, texts.len(), "clustering")?;
        run(py, &clusterer, texts, reporter)
    })?;
    Ok(PyClustering { inner })
}

/// The result of `cluster`: a label per input and the clusters.
#[pyclass(module = "canonica._core", frozen, name = "Clustering")]
pub(crate) struct PyClustering {
    inner: canonica::Clustering,
}

#[pymethods]
impl PyClustering {
    /// The cluster of each input (an index into `clusters`); None for None, NaN, "" and
    /// names without letters or digits.
    #[getter]
    fn labels(&self) -> Vec<Option<usize>> {
        self.inner.labels().to_vec()
    }

    /// The clusters, in the order of their first members.
    #[getter]
    fn clusters(&self) -> Vec<PyCluster> {
        self.inner
            .clusters()
            .iter()
            .map(|c| PyCluster { inner: c.clone() })
            .collect()
    }

    /// One entity per cluster: id `entity_id`, name the canonical name, the other spellings
    /// as aliases; a cluster of names that resolved keeps its entity's record and adds the
    /// spellings it did not list.
    fn to_knowledge_base(&self, py: Python<'_>) -> PyResult<PyKnowledgeBase> {
        let kb = py
            .detach(|| guard(|| self.inner.to_knowledge_base()))?
            .map_err(to_py_err)?;
        Ok(PyKnowledgeBase::wrap(kb))
    }

    /// Why inputs `i` and `j` are in one cluster: the pairs that joined them, one to the
    /// next, each with its score and evidence; None when they are not in one cluster.
    fn explain(
        &self,
        py: Python<'_>,
        i: &Bound<'_, PyAny>,
        j: &Bound<'_, PyAny>,
    ) -> PyResult<Option<Vec<PyJoin>>> {
        let position = |p: &Bound<'_, PyAny>, what: &str| -> PyResult<usize> {
            let p = whole_of(p, what)?;
            usize::try_from(p).map_err(|_| error(format!("{what} must be a position, not {p}")))
        };
        let (i, j) = (position(i, "i")?, position(j, "j")?);
        let steps = py
            .detach(|| guard(|| self.inner.explain(i, j)))?
            .map_err(to_py_err)?;
        Ok(steps.map(|s| s.into_iter().map(|inner| PyJoin { inner }).collect()))
    }

    /// The number of clusters.
    fn __len__(&self) -> usize {
        self.inner.clusters().len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Clustering({} names, {} clusters)",
            self.inner.labels().len(),
            self.inner.clusters().len()
        )
    }
}

/// One group of names that mean the same entity.
#[pyclass(module = "canonica._core", frozen, name = "Cluster")]
pub(crate) struct PyCluster {
    inner: canonica::Cluster,
}

#[pymethods]
impl PyCluster {
    /// The cluster's number: its position in `Clustering.clusters`, in the order of the
    /// clusters' first members.
    #[getter]
    fn id(&self) -> usize {
        self.inner.id
    }
    /// The id of its entity in `to_knowledge_base()`: the knowledge base's id for names that
    /// resolved, otherwise the number as text (`cluster-<number>` should the knowledge base
    /// use that number as an id).
    #[getter]
    fn entity_id(&self) -> &str {
        &self.inner.entity_id
    }
    /// The canonical name: the most frequent spelling, ties to the most complete (more
    /// words, then more characters), then to the first seen; for names that resolved, the
    /// entity's name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    /// The positions of the members in the input, in order.
    #[getter]
    fn members(&self) -> Vec<usize> {
        self.inner.members.clone()
    }
    /// The distinct spellings, most frequent first.
    #[getter]
    fn spellings(&self) -> Vec<String> {
        self.inner.spellings.clone()
    }
    fn __len__(&self) -> usize {
        self.inner.members.len()
    }
    fn __repr__(&self) -> String {
        format!(
            "Cluster(id={}, name={:?}, {} members, {} spellings)",
            self.inner.id,
            self.inner.name,
            self.inner.members.len(),
            self.inner.spellings.len()
        )
    }
}

/// One step of the evidence that joined two names: `a` met `b` with `score`.
#[pyclass(module = "canonica._core", frozen, name = "Join")]
pub(crate) struct PyJoin {
    inner: canonica::Join,
}

#[pymethods]
impl PyJoin {
    /// One of the two spellings that met.
    #[getter]
    fn a(&self) -> &str {
        &self.inner.a
    }
    /// The spelling `a` met, or for names that resolved the entity's name.
    #[getter]
    fn b(&self) -> &str {
        &self.inner.b
    }
    /// How well they matched, in [0, 1].
    #[getter]
    fn score(&self) -> f64 {
        self.inner.score
    }
    /// Which words met which, as `Match.evidence` tells.
    #[getter]
    fn evidence(&self) -> &str {
        &self.inner.evidence
    }
    fn __repr__(&self) -> String {
        format!(
            "Join({:?} ~ {:?}, score={}, evidence={:?})",
            self.inner.a, self.inner.b, self.inner.score, self.inner.evidence
        )
    }
}
