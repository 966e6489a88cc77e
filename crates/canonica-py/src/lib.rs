//! Python bindings of canonica: thin wrappers over the core types, error mapping, and the GIL
//! released around work in Rust. One file per concern: errors, argument and JSON conversions,
//! the knowledge base, the resolver, its results, pickling, threads, Arrow input, the hooks
//! through which the work that stays in Python (data frames, worker detection) is reached, and
//! the matching rules for one word or name that the project's scripts use.

mod arrow;
mod cluster;
mod convert;
mod errors;
mod fork;
mod functions;
mod hooks;
mod knowledge_base;
mod pickle;
mod progress;
mod resolver;
mod results;
mod rules;
mod signals;
mod threads;

use pyo3::prelude::*;

/// mimalloc: the core allocates many small strings (tokens, keys), which it serves faster
/// than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Hands the memory the allocator keeps for reuse back to the system. Loading a saved index
/// reads the whole file into one buffer and frees it once decoded; without this, a serving
/// process would hold the file's size in RSS for good.
pub(crate) fn release_freed_memory() {
    // SAFETY: `mi_collect` takes no pointers; it only returns free pages to the OS.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CanonicaError", m.py().get_type::<errors::CanonicaError>())?;
    errors::add_location_defaults(m.py())?;
    errors::add_os_errors(m)?;
    m.add("DEFAULT_THRESHOLD", canonica::DEFAULT_THRESHOLD)?;
    m.add("DEFAULT_MARGIN", canonica::DEFAULT_MARGIN)?;
    m.add("REBUILD_SHARE", canonica::REBUILD_SHARE)?;
    m.add("MAX_FILE_BYTES", canonica::MAX_FILE_BYTES)?;
    m.add("MAX_LINE_BYTES", canonica::MAX_LINE_BYTES)?;
    m.add_class::<knowledge_base::PyEntity>()?;
    m.add_class::<knowledge_base::PyKnowledgeBase>()?;
    m.add_class::<knowledge_base::PyEntityIterator>()?;
    m.add_class::<results::PyMatch>()?;
    m.add_class::<resolver::PyResolver>()?;
    m.add_class::<results::PyMention>()?;
    m.add(
        "DEFAULT_CLUSTER_THRESHOLD",
        canonica::DEFAULT_CLUSTER_THRESHOLD,
    )?;
    m.add_class::<cluster::PyClustering>()?;
    m.add_class::<cluster::PyCluster>()?;
    m.add_class::<cluster::PyJoin>()?;
    m.add_function(wrap_pyfunction!(cluster::cluster, m)?)?;
    m.add_function(wrap_pyfunction!(cluster::fingerprint, m)?)?;
    m.add_function(wrap_pyfunction!(cluster::ngram_fingerprint, m)?)?;
    m.add_function(wrap_pyfunction!(functions::normalize, m)?)?;
    m.add_function(wrap_pyfunction!(functions::similarity, m)?)?;
    m.add_function(wrap_pyfunction!(functions::similarity_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(functions::similarity_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(functions::countries, m)?)?;
    m.add_function(wrap_pyfunction!(threads::set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(threads::num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(fork::_before_fork, m)?)?;
    m.add_function(wrap_pyfunction!(fork::_after_fork_in_parent, m)?)?;
    m.add_function(wrap_pyfunction!(fork::_after_fork, m)?)?;
    m.add_function(wrap_pyfunction!(hooks::_set_hooks, m)?)?;
    m.add_function(wrap_pyfunction!(pickle::_resolver_from_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(pickle::_knowledge_base_from_jsonl, m)?)?;
    m.add_function(wrap_pyfunction!(pickle::_entity_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(pickle::_match_from_state, m)?)?;
    m.add_function(wrap_pyfunction!(pickle::_mention_from_state, m)?)?;
    m.add_function(wrap_pyfunction!(rules::_match_words, m)?)?;
    m.add_function(wrap_pyfunction!(rules::_word_similarity, m)?)?;
    m.add_function(wrap_pyfunction!(rules::_is_small_word, m)?)?;
    Ok(())
}
