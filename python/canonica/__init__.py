"""canonica: resolve the many ways people write a name to one canonical ID.

>>> import canonica
>>> kb = canonica.KnowledgeBase.from_records([
...     {"id": "tokayev", "name": "Kassym-Jomart Tokayev", "kind": "person"},
...     {"id": "AE", "name": "United Arab Emirates", "kind": "country"},
... ])
>>> r = canonica.Resolver(kb)
>>> r.resolve("President Tokayev").id
'tokayev'
>>> r.resolve("U.A.E.").id
'AE'
>>> r.resolve("President") is None
True
"""

import os as _os

from canonica import _core, _frames, _progress, _workers
from canonica._cluster import cluster_frame
from canonica._core import (
    DEFAULT_CLUSTER_THRESHOLD,
    DEFAULT_MARGIN,
    DEFAULT_THRESHOLD,
    MAX_FILE_BYTES,
    MAX_LINE_BYTES,
    REBUILD_SHARE,
    CanonicaError,
    CanonicaFileNotFoundError,
    CanonicaIsADirectoryError,
    CanonicaOSError,
    CanonicaPermissionError,
    Cluster,
    Clustering,
    Entity,
    Join,
    KnowledgeBase,
    Match,
    Mention,
    Resolver,
    __version__,
    cluster,
    countries,
    fingerprint,
    ngram_fingerprint,
    normalize,
    num_threads,
    set_num_threads,
    similarity,
    similarity_matrix,
    similarity_pairs,
)

__all__ = [
    "DEFAULT_CLUSTER_THRESHOLD",
    "DEFAULT_MARGIN",
    "DEFAULT_THRESHOLD",
    "CanonicaError",
    "CanonicaFileNotFoundError",
    "CanonicaIsADirectoryError",
    "CanonicaOSError",
    "CanonicaPermissionError",
    "Cluster",
    "Clustering",
    "Entity",
    "Join",
    "KnowledgeBase",
    "MAX_FILE_BYTES",
    "MAX_LINE_BYTES",
    "Match",
    "Mention",
    "REBUILD_SHARE",
    "Resolver",
    "__version__",
    "cluster",
    "cluster_frame",
    "countries",
    "fingerprint",
    "ngram_fingerprint",
    "normalize",
    "num_threads",
    "set_num_threads",
    "similarity",
    "similarity_matrix",
    "similarity_pairs",
]

# A forked child has only the thread that forked: before a fork that thread takes canonica's
# locks, so that none is left held by a thread the child does not have, and lets them go after;
# the child forgets the thread pool inherited from the parent.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(
        before=_core._before_fork,
        after_in_parent=_core._after_fork_in_parent,
        after_in_child=_core._after_fork,
    )

# What stays in Python: data frames, and which engine's worker runs a task. The compiled core
# calls these for `resolve_frame`, `resolve_many` and `num_threads`.
_core._set_hooks(
    resolve_frame=_frames.resolve_frame,
    names=_frames.names_to_resolve,
    worker_engine=_workers.engine,
    progress_bar=_progress.bar,
)


def __dir__() -> list[str]:
    """The public API: what `from canonica import *` gives."""
    return sorted(__all__)
