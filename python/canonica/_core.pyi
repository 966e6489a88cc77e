"""Type stubs and documentation of canonica's compiled core."""

from collections.abc import Callable, Iterable, Mapping
from os import PathLike
from typing import Any, Protocol, final

__version__: str
DEFAULT_THRESHOLD: float
DEFAULT_MARGIN: float
DEFAULT_CLUSTER_THRESHOLD: float
#: The share of a resolver's index that live updates may change before it is rebuilt.
REBUILD_SHARE: float
#: The largest file canonica reads (a knowledge base, a saved resolver): 4 GiB.
MAX_FILE_BYTES: int
#: The longest line of JSON Lines, or record of CSV, canonica reads: 16 MiB.
MAX_LINE_BYTES: int

_Path = str | PathLike[str]
#: `progress=`: False (none), True (a bar on standard error), or a callable taking (done, total).
_Progress = bool | Callable[[int, int], object] | None

class _ArrowArrayExportable(Protocol):
    """An Arrow array exported through the Arrow PyCapsule interface."""

    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...

class _ArrowStreamExportable(Protocol):
    """An Arrow stream (a chunked array) exported through the Arrow PyCapsule interface."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...

class CanonicaError(ValueError):
    """Every error canonica raises: bad records, malformed files, saved files that cannot be
    read, out-of-range arguments. A subclass of ValueError; `file`, `line`, `column`,
    `record` and `field` say where, when known.

    A file that cannot be read or written raises a subclass that is also the OSError
    Python raises for it: CanonicaFileNotFoundError (a FileNotFoundError),
    CanonicaPermissionError (a PermissionError), CanonicaIsADirectoryError (an
    IsADirectoryError) or CanonicaOSError (any other OSError)."""

    file: str | None
    line: int | None
    column: int | None
    record: int | None
    field: str | None

class CanonicaFileNotFoundError(FileNotFoundError, CanonicaError):
    """A file canonica was asked to read does not exist.
    A CanonicaError and a built-in FileNotFoundError: `errno`, `strerror` and
    `filename` are set as for FileNotFoundError."""

class CanonicaPermissionError(PermissionError, CanonicaError):
    """A file canonica may not read or write.
    A CanonicaError and a built-in PermissionError: `errno`, `strerror` and
    `filename` are set as for PermissionError."""

class CanonicaIsADirectoryError(IsADirectoryError, CanonicaError):
    """A directory given where canonica reads or writes a file.
    A CanonicaError and a built-in IsADirectoryError: `errno`, `strerror` and
    `filename` are set as for IsADirectoryError."""

class CanonicaOSError(OSError, CanonicaError):
    """Any other failure to read or write a file.
    A CanonicaError and a built-in OSError: `errno`, `strerror` and
    `filename` are set as for OSError."""

@final
class Entity:
    """One entity of a knowledge base: an id, a name, aliases, a kind, a weight and data."""

    @property
    def id(self) -> str:
        """The canonical ID every variant resolves to."""
    @property
    def name(self) -> str:
        """The preferred display name."""
    @property
    def aliases(self) -> list[str]:
        """Other names the entity goes by."""
    @property
    def kind(self) -> str | None:
        """An optional type ("person", "country", ...); persons may be found by surname."""
    @property
    def weight(self) -> float:
        """A prior that breaks near-ties between entities (1.0 by default)."""
    @property
    def data(self) -> dict[str, Any]:
        """Every other field of the record, as given."""
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, tuple[str, int]]: ...
    __hash__: None  # type: ignore[assignment]

@final
class KnowledgeBase:
    """A validated set of entities, each with a unique id.

    Invalid records (missing or empty id or name, a field of the wrong type, a duplicate id, a
    malformed line) raise CanonicaError naming the file, line or record, and field. Knowledge
    bases, entities, matches and mentions pickle (for Spark, Dask and multiprocessing workers).
    `Resolver.knowledge_base` is a view of a resolver's entities, which copies none of them to
    be counted, searched or walked through."""

    def __new__(cls) -> KnowledgeBase: ...
    @staticmethod
    def from_records(rows: Iterable[Mapping[str, Any]] | Any) -> KnowledgeBase:
        """From dicts with `id`, `name` and optionally `aliases`, `kind`, `weight`, `data`;
        other keys are kept as entity data. A pandas or polars DataFrame is taken row by row
        (NaN and nulls mean "absent").

        Every loader reads fields by the same rules: `aliases` is a list of strings or one
        string of aliases separated by `|` (as in CSV); `kind` is a string (blank: none);
        `weight` is a number or a string holding one (blank: 1); `data` is a dict or a string
        holding a JSON object, whose fields join the other data."""
    @staticmethod
    def from_jsonl(path: _Path) -> KnowledgeBase:
        """From JSON Lines: one record per line (fields as for `from_records`)."""
    @staticmethod
    def from_json(path: _Path) -> KnowledgeBase:
        """From a JSON array of records (fields as for `from_records`)."""
    @staticmethod
    def from_csv(path: _Path, delimiter: str = ",", alias_separator: str = "|") -> KnowledgeBase:
        """From CSV with a header naming at least `id` and `name`; `aliases` holds several
        aliases separated by `alias_separator`; `kind`, `weight` and `data` are read as
        `from_records` reads strings; other columns are kept as data (strings)."""
    def add(
        self,
        id: str,
        name: str,
        aliases: Iterable[str] | None = None,
        kind: str | None = None,
        weight: float | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Adds one entity after validating it; CanonicaError names the field that is wrong.
        `aliases` is a list of strings, or one string of aliases separated by `|`."""
    def __len__(self) -> int: ...
    def __getitem__(self, key: str, /) -> Entity:
        """The entity with this id; KeyError if there is none."""
    def __contains__(self, key: str, /) -> bool: ...
    def __iter__(self) -> KnowledgeBaseIterator:
        """The entities in order, each copied as it comes."""
    def entities(self) -> list[Entity]:
        """The entities in the order they were added."""
    def __reduce__(self) -> tuple[Any, tuple[bytes, int]]: ...

@final
class KnowledgeBaseIterator:
    """Walks through the entities of a knowledge base."""

    def __iter__(self) -> KnowledgeBaseIterator: ...
    def __next__(self) -> Entity: ...

@final
class Match:
    """An entity a name resolved to, with how well and why."""

    @property
    def id(self) -> str:
        """The entity's canonical ID."""
    @property
    def name(self) -> str:
        """The entity's display name."""
    @property
    def score(self) -> float:
        """How well the name matches, in [0, 1]."""
    @property
    def alias(self) -> str:
        """The knowledge-base name or alias that matched (a generated acronym in capitals)."""
    @property
    def kind(self) -> str | None:
        """The entity's kind."""
    @property
    def method(self) -> str:
        """How the match was found: "exact", "exact_without_titles", "compact", "acronym",
        "tokens", "spelling" or "romanized"."""
    @property
    def evidence(self) -> str:
        """Which tokens met which, with what similarity."""
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, tuple[tuple[Any, ...], int]]: ...
    __hash__: None  # type: ignore[assignment]

@final
class Mention:
    """One mention of an entity in a text; `start` and `end` are code-point offsets, so that
    `text[m.start:m.end] == m.text`."""

    @property
    def start(self) -> int:
        """Where the mention starts in the text, in code points."""
    @property
    def end(self) -> int:
        """Where the mention ends in the text (exclusive), in code points."""
    @property
    def text(self) -> str:
        """The mention as written, a title or role before a person included."""
    @property
    def id(self) -> str:
        """The entity's canonical ID."""
    @property
    def name(self) -> str:
        """The entity's display name."""
    @property
    def score(self) -> float:
        """1.0 for an alias matched whole; less for a surname linked through an earlier
        full mention or a misspelled name."""
    @property
    def kind(self) -> str | None:
        """The entity's kind."""
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, tuple[tuple[Any, ...], int]]: ...
    __hash__: None  # type: ignore[assignment]

@final
class Resolver:
    """Resolves names to the entities of a knowledge base.

    `threshold`: the lowest score `resolve` accepts (None: DEFAULT_THRESHOLD). `margin`: how
    far the best entity must beat the next (None: DEFAULT_MARGIN). The resolver indexes a copy
    of the knowledge base; later changes to that knowledge base do not affect it (`add`,
    `update` and `remove` change the resolver's own). It is safe to share between threads, and
    pickles (for Spark, Dask and multiprocessing workers)."""

    def __new__(
        cls, kb: KnowledgeBase, threshold: float | None = None, margin: float | None = None
    ) -> Resolver: ...
    @property
    def threshold(self) -> float:
        """The lowest score `resolve` accepts."""
    @property
    def margin(self) -> float:
        """How far the best entity must score above the next for `resolve` to answer."""
    @property
    def knowledge_base(self) -> KnowledgeBase:
        """The resolver's entities as a knowledge base that follows its updates: `len`, `kb[id]`,
        `in` and iteration copy no entity but the ones asked for; `add` is refused (use
        `Resolver.add`); `Resolver(kb)` and pickling take a copy."""
    def __len__(self) -> int: ...
    def add(self, records: Iterable[Mapping[str, Any]] | KnowledgeBase | Any) -> None:
        """Adds entities with new ids, from records of every shape `KnowledgeBase.from_records`
        takes (or a KnowledgeBase). Atomic: a bad record, or an id that exists or comes twice,
        raises CanonicaError naming the record and field, and nothing changes. Afterwards the
        resolver answers exactly as one built from scratch on its entities would. Threads that
        resolve meanwhile see the call whole or not at all."""
    def update(self, records: Iterable[Mapping[str, Any]] | KnowledgeBase | Any) -> None:
        """Replaces the entities with these ids, or adds them when new; atomic as `add`."""
    def remove(self, ids: Iterable[str]) -> None:
        """Removes the entities with these ids; an unknown id, or one given twice, raises
        CanonicaError naming its position, and nothing changes."""
    def resolve(self, name: str | None, kind: str | None = None) -> Match | None:
        """The entity `name` refers to, or None when nothing is good enough or two entities are
        too close to tell apart. None, NaN and "" give None. `kind` keeps only entities of that
        kind."""
    def resolve_many(
        self,
        names: Iterable[Any] | _ArrowArrayExportable | _ArrowStreamExportable,
        kind: str | None = None,
        *,
        progress: _Progress = False,
    ) -> list[Match | None]:
        """Resolves every name in parallel with the GIL released; one result per name, in
        order. None, NaN and "" give None; other non-strings raise CanonicaError.

        `names` may be a list or any iterable, a pandas or polars Series, or an Arrow array or
        chunked array (anything with `__arrow_c_array__` or `__arrow_c_stream__`). Arrow strings
        (utf8, large_utf8, string_view, dictionaries of them) are read in place, without a loop
        in Python; nulls give None. Results equal those for a list of the same names.

        `progress=True` shows a progress bar on standard error (tqdm's when it is installed); a
        callable is called with `(done, total)` as chunks of names finish. Off by default, and
        then the batch runs in one call."""
    def candidates(self, name: str | None, limit: int = 5, kind: str | None = None) -> list[Match]:
        """Up to `limit` entities `name` may refer to, best first, whatever their score, each with
        the evidence for it; entities that tie with the best are all listed."""
    def link(
        self, text: str, kind: str | None = None, overlapping: bool = False, fuzzy: bool = False
    ) -> list[Mention]:
        """Every mention of an entity in `text`, in order, leftmost-longest and without overlaps:
        aliases matched whole after normalization, a title before a person attached, a surname
        after a full mention linked, short aliases ("US") only in capitals.
        `overlapping=True` returns nested and overlapping mentions too; `fuzzy=True` also links
        misspelled, capitalized names (slower)."""
    def link_many(
        self,
        texts: Iterable[str | None] | Any,
        kind: str | None = None,
        overlapping: bool = False,
        fuzzy: bool = False,
        *,
        progress: _Progress = False,
    ) -> list[list[Mention]]:
        """`link` over many texts in parallel with the GIL released: one list of mentions per
        text, in order, each as `link(text, ...)` gives it. `progress` as for `resolve_many`."""
    def resolve_frame(
        self,
        df: Any,
        column: str,
        prefix: str = "canonica_",
        kind: str | None = None,
        *,
        progress: _Progress = False,
    ) -> Any:
        """A copy of a pandas or polars DataFrame (or a polars LazyFrame, which stays lazy) with
        three columns appended: `{prefix}id`, `{prefix}name` and `{prefix}score`, null where
        nothing matched. The default prefix, "canonica_", gives `canonica_id`, `canonica_name`
        and `canonica_score`, so that input columns called `id`, `name` or `score` are kept as
        they are; an added column that would replace an input column raises CanonicaError.
        A cell that is neither a string nor missing raises CanonicaError naming its column and
        row (counted from 0). `progress` as for `resolve_many`."""
    def save(self, path: _Path) -> None:
        """Writes the resolver to a versioned binary file, atomically."""
    @staticmethod
    def load(path: _Path) -> Resolver:
        """Reads a resolver written by `save`."""
    def to_bytes(self) -> bytes:
        """The resolver as bytes (the format `save` writes)."""
    @staticmethod
    def from_bytes(data: bytes) -> Resolver:
        """A resolver from bytes made by `to_bytes`."""
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

@final
class Cluster:
    """One group of names that mean the same entity."""

    @property
    def id(self) -> int:
        """The cluster's number: its position in `Clustering.clusters`, in the order of the
        clusters' first members."""
    @property
    def entity_id(self) -> str:
        """The id of its entity in `to_knowledge_base()`: the knowledge base's id for names that
        resolved, otherwise the number as text (`cluster-<number>` should the knowledge base
        use that number as an id)."""
    @property
    def name(self) -> str:
        """The canonical name: the most frequent spelling, ties to the most complete (more
        words, then more characters), then to the first seen; for names that resolved, the
        entity's name."""
    @property
    def members(self) -> list[int]:
        """The positions of the members in the input, in order."""
    @property
    def spellings(self) -> list[str]:
        """The distinct spellings, most frequent first."""
    def __len__(self) -> int: ...

@final
class Join:
    """One step of the evidence that joined two names: `a` met `b` with `score`."""

    @property
    def a(self) -> str:
        """One of the two spellings that met."""
    @property
    def b(self) -> str:
        """The spelling `a` met, or for names that resolved the entity's name."""
    @property
    def score(self) -> float:
        """How well they matched, in [0, 1]."""
    @property
    def evidence(self) -> str:
        """Which words met which, as `Match.evidence` tells."""

@final
class Clustering:
    """The result of `cluster`: a label per input and the clusters."""

    @property
    def labels(self) -> list[int | None]:
        """The cluster of each input (an index into `clusters`); None for None, NaN, "" and
        names without letters or digits."""
    @property
    def clusters(self) -> list[Cluster]:
        """The clusters, in the order of their first members."""
    def to_knowledge_base(self) -> KnowledgeBase:
        """One entity per cluster: id `entity_id`, name the canonical name, the other spellings
        as aliases; a cluster of names that resolved keeps its entity's record and adds the
        spellings it did not list."""
    def explain(self, i: int, j: int) -> list[Join] | None:
        """Why inputs `i` and `j` are in one cluster: the pairs that joined them, one to the
        next, each with its score and evidence; None when they are not in one cluster."""
    def __len__(self) -> int:
        """The number of clusters."""

def cluster(
    names: Iterable[Any] | _ArrowArrayExportable | _ArrowStreamExportable,
    threshold: float | None = None,
    kb: KnowledgeBase | Resolver | None = None,
    *,
    progress: _Progress = False,
) -> Clustering:
    """Groups the names that mean the same entity, in parallel with the GIL released.

    `names` is read as `Resolver.resolve_many` reads it (a list or iterable, a pandas or polars
    Series, an Arrow array). `threshold` (None: DEFAULT_CLUSTER_THRESHOLD) is the least score
    of a pair of spellings that may join their clusters. With `kb`, names that resolve take
    their entity and the rest are clustered among themselves. `progress=True` shows a progress
    bar on standard error; a callable is called as `progress(done, total)` about ten times a
    second with the spellings compared so far, and an exception it raises (like Ctrl-C) stops
    the clustering. The same names give the same labels, whatever the threads."""

def fingerprint(s: str) -> str:
    """OpenRefine's fingerprint key, byte for byte: case and accents folded, punctuation
    removed, the words sorted and each kept once."""

def ngram_fingerprint(s: str, n: int = 2) -> str:
    """OpenRefine's n-gram fingerprint key, byte for byte: the text folded as for
    `fingerprint`, spaces removed, its distinct n-grams sorted and concatenated."""

def _resolver_from_bytes(data: bytes) -> Resolver: ...
def _knowledge_base_from_jsonl(jsonl: bytes, checksum: int | None = None) -> KnowledgeBase: ...
def _entity_from_json(record: str, checksum: int | None = None) -> Entity: ...
def _match_from_state(state: tuple[Any, ...], checksum: int | None = None) -> Match: ...
def _mention_from_state(state: tuple[Any, ...], checksum: int | None = None) -> Mention: ...
def _match_words(text: str) -> list[str]:
    """The words `text` is matched by: its normalized tokens, those read from a lossy script
    (Han, kana, Arabic, Hebrew) marked with "^" (`canonica::normalize::match_words`)."""

def _word_similarity(query: str, word: str) -> float:
    """How alike a query word is to a knowledge-base word by spelling alone: 1 the same word, a
    typo within the edit budget, another romanization, else 0
    (`canonica::rules::word_similarity`)."""

def _is_small_word(word: str) -> bool:
    """A small word ("of", "the", "de"), weighed lightly and left out of acronyms."""

def normalize(text: str) -> str:
    """The normalized form of a text: NFKC and case folded, accents removed, other scripts
    transliterated to Latin, punctuation rules applied, one space between tokens."""

def countries() -> KnowledgeBase:
    """The built-in knowledge base of every ISO 3166-1 country: id = alpha-2, `alpha3` and
    `numeric` in its data; official, common and former names, demonyms, acronyms and names in
    the major languages and scripts. Names that mean several countries ("Congo", "Korea") are
    aliases of each, so a resolver does not guess between them."""

def set_num_threads(threads: int) -> None:
    """Sets how many threads `resolve_many` and `link_many` use; 0 means one per core, or the
    value of the CANONICA_NUM_THREADS environment variable. Inside Spark, Dask and Ray
    workers, which already run one task per core, the default is 1; a number set here or in
    the environment variable wins over that."""

def num_threads() -> int:
    """How many threads `resolve_many` and `link_many` will use when called from this thread (1
    in a task of a Spark, Dask or Ray worker unless set otherwise)."""

def _before_fork() -> None: ...
def _after_fork_in_parent() -> None: ...
def _after_fork() -> None: ...
def _set_hooks(
    *,
    resolve_frame: Callable[[Resolver, Any, str, str | None, str | None, Any], Any],
    names: Callable[[Any], Any],
    worker_engine: Callable[[], str | None],
    progress_bar: Callable[[int, str], Any],
) -> None:
    """Registers the work that stays in Python; called once, by `canonica/__init__.py`."""

def similarity(a: str, b: str) -> float:
    """How alike two names are, in [0, 1], under the same normalization and rules as
    resolution: titles, initials, legal forms, transliteration, nicknames, typos. Symmetric; a
    name contained in the other (a surname) scores as resolution would score it."""

def similarity_pairs(
    a: Iterable[Any] | _ArrowArrayExportable | _ArrowStreamExportable,
    b: Iterable[Any] | _ArrowArrayExportable | _ArrowStreamExportable,
    score_cutoff: float | None = None,
) -> list[float]:
    """`similarity(a[i], b[i])` for every i, as `rapidfuzz.process.cpdist` is to `fuzz.ratio`: in
    parallel on canonica's threads with the GIL released, each distinct name tokenized once. A
    score below `score_cutoff` (in [0, 1]), and a missing name (None, NaN), give 0. `a` and `b`
    are lists, Series or Arrow arrays of as many names."""

def similarity_matrix(
    queries: Iterable[Any] | _ArrowArrayExportable | _ArrowStreamExportable,
    choices: Iterable[Any] | _ArrowArrayExportable | _ArrowStreamExportable,
    score_cutoff: float | None = None,
) -> list[tuple[int, int, float]]:
    """Every query against every choice, as `rapidfuzz.process.cdist` is to `fuzz.ratio`, but
    sparse: `(query index, choice index, score)` for each pair scoring above 0 and at least
    `score_cutoff`, ordered by query then choice. In parallel with the GIL released; each name is
    prepared once, and most pairs are turned away by a quick check that builds nothing."""

__all__ = [
    "CanonicaError",
    "CanonicaFileNotFoundError",
    "CanonicaIsADirectoryError",
    "CanonicaOSError",
    "CanonicaPermissionError",
    "Cluster",
    "Clustering",
    "DEFAULT_CLUSTER_THRESHOLD",
    "DEFAULT_MARGIN",
    "DEFAULT_THRESHOLD",
    "Entity",
    "Join",
    "MAX_FILE_BYTES",
    "MAX_LINE_BYTES",
    "KnowledgeBase",
    "KnowledgeBaseIterator",
    "Match",
    "Mention",
    "REBUILD_SHARE",
    "Resolver",
    "__version__",
    "_after_fork",
    "_after_fork_in_parent",
    "_before_fork",
    "_entity_from_json",
    "_is_small_word",
    "_knowledge_base_from_jsonl",
    "_match_from_state",
    "_match_words",
    "_mention_from_state",
    "_resolver_from_bytes",
    "_set_hooks",
    "_word_similarity",
    "cluster",
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
