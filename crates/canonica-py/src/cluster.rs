//! Clustering a column of names, and OpenRefine's keys: thin wrappers over `canonica::cluster`.
//! Names are read as `resolve_many` reads them (lists, data-frame columns through the package's
//! hook, Arrow arrays in place); the work runs in the core with the GIL released, on a thread of
//! its own so that the calling thread can report progress and notice Ctrl-C.

use std::time::Duration;

use pyo3::prelude::*;

use crate::convert::{text_of, type_name, unit_of, whole_of, with_names};
use crate::errors::{error, guard, to_py_err};
use crate::knowledge_base::PyKnowledgeBase;
use crate::resolver::PyResolver;
use crate::threads::use_worker_default;

/// How often the progress callback is called and Ctrl-C looked for while clustering.
const POLL: Duration = Duration::from_millis(100);

/// OpenRefine's fingerprint key of a text.
#[pyfunction]
pub(crate) fn fingerprint(s: &Bound<'_, PyAny>) -> PyResult<String> {
    let s = text_of(s, "the text")?;
    guard(|| canonica::fingerprint(&s))
}

/// OpenRefine's n-gram fingerprint key of a text.
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
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<canonica::Clustering> {
    let state = canonica::Progress::new();
    let callback = progress.map(|p| p.clone().unbind());
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
                    if let Some(cb) = &callback {
                        cb.bind(py).call1(state.get())?;
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
    if let Some(e) = raised {
        return Err(e);
    }
    let clustering = result?.map_err(to_py_err)?;
    if let Some(cb) = &callback {
        let (_, total) = state.get();
        cb.bind(py).call1((total, total))?;
    }
    Ok(clustering)
}

/// Clusters a column of names.
#[pyfunction]
#[pyo3(signature = (names, threshold=None, kb=None, *, progress=None))]
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
    let progress = progress.filter(|p| !p.is_none());
    if let Some(p) = progress {
        if !p.is_callable() {
            return Err(error(format!(
                "progress must be a callable taking (done, total), not {}",
                type_name(p)
            )));
        }
    }
    use_worker_default(py)?;
    let inner = with_names(py, names, |texts| run(py, &clusterer, texts, progress))?;
    Ok(PyClustering { inner })
}

/// The result of `cluster`: a label per input and the clusters.
#[pyclass(module = "canonica._core", frozen, name = "Clustering")]
pub(crate) struct PyClustering {
    inner: canonica::Clustering,
}

#[pymethods]
impl PyClustering {
    #[getter]
    fn labels(&self) -> Vec<Option<usize>> {
        self.inner.labels().to_vec()
    }

    #[getter]
    fn clusters(&self) -> Vec<PyCluster> {
        self.inner
            .clusters()
            .iter()
            .map(|c| PyCluster { inner: c.clone() })
            .collect()
    }

    fn to_knowledge_base(&self, py: Python<'_>) -> PyResult<PyKnowledgeBase> {
        let kb = py
            .detach(|| guard(|| self.inner.to_knowledge_base()))?
            .map_err(to_py_err)?;
        Ok(PyKnowledgeBase::wrap(kb))
    }

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
    #[getter]
    fn id(&self) -> usize {
        self.inner.id
    }
    #[getter]
    fn entity_id(&self) -> &str {
        &self.inner.entity_id
    }
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    #[getter]
    fn members(&self) -> Vec<usize> {
        self.inner.members.clone()
    }
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

/// One step of the evidence that joined two names.
#[pyclass(module = "canonica._core", frozen, name = "Join")]
pub(crate) struct PyJoin {
    inner: canonica::Join,
}

#[pymethods]
impl PyJoin {
    #[getter]
    fn a(&self) -> &str {
        &self.inner.a
    }
    #[getter]
    fn b(&self) -> &str {
        &self.inner.b
    }
    #[getter]
    fn score(&self) -> f64 {
        self.inner.score
    }
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
