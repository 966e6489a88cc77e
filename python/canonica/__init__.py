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

from canonica._core import (
    DEFAULT_MARGIN,
    DEFAULT_THRESHOLD,
    CanonicaError,
    Entity,
    KnowledgeBase,
    Match,
    Mention,
    Resolver,
    __version__,
    countries,
    normalize,
    similarity,
)

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_THRESHOLD",
    "CanonicaError",
    "Entity",
    "KnowledgeBase",
    "Match",
    "Mention",
    "Resolver",
    "__version__",
    "countries",
    "normalize",
    "similarity",
]
