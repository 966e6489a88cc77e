"""Clustering a data frame's column (pandas and polars): `cluster_frame`, the pure-Python side of
`canonica.cluster`."""

from __future__ import annotations

import json
from typing import IO, Any

from canonica._core import CanonicaError, Clustering, KnowledgeBase, Resolver, cluster
from canonica._frames import with_columns


def cluster_columns(clustering: Clustering) -> tuple[list[str | None], list[str | None]]:
    """For each input of a clustering, its cluster's entity id and canonical name (None for
    inputs without a cluster)."""
    clusters = clustering.clusters
    ids = [c.entity_id for c in clusters]
    names = [c.name for c in clusters]
    labels = clustering.labels
    return (
        [None if label is None else ids[label] for label in labels],
        [None if label is None else names[label] for label in labels],
    )


def cluster_frame(
    df: Any,
    column: str,
    prefix: str = "cluster_",
    threshold: float | None = None,
    kb: KnowledgeBase | Resolver | None = None,
) -> Any:
    """A copy of a pandas or polars DataFrame with `{prefix}id` (the cluster's entity id) and
    `{prefix}name` (its canonical name) appended, null where a name is missing. No knowledge
    base is needed; with `kb`, names that resolve take their entity."""
    module = type(df).__module__.split(".")[0]
    if module not in ("pandas", "polars"):
        raise CanonicaError(
            f"cluster_frame takes a pandas or polars DataFrame, not {type(df).__name__}"
        )
    if not isinstance(column, str):
        raise CanonicaError(f"the column must be a string, not {type(column).__name__}")
    if not isinstance(prefix, str):
        raise CanonicaError(f"the prefix must be a string, not {type(prefix).__name__}")
    columns = [str(c) for c in df.columns]
    if column not in columns:
        raise CanonicaError(f"the frame has no column {column!r} (columns: {', '.join(columns)})")
    id_col, name_col = f"{prefix}id", f"{prefix}name"
    taken = [n for n in (id_col, name_col) if n in columns]
    if taken:
        raise CanonicaError(
            f"the frame already has column(s) {', '.join(map(repr, taken))}; "
            "pass prefix= (for example prefix='group_') to keep both"
        )
    ids, names = cluster_columns(cluster(df[column], threshold=threshold, kb=kb))
    return with_columns(df, [(id_col, ids), (name_col, names)])


def write_knowledge_base(out: IO[str], kb: KnowledgeBase) -> None:
    """Writes a knowledge base as JSON Lines that `KnowledgeBase.from_jsonl` reads back: `id`,
    `name`, and `aliases`, `kind`, `weight` and `data` when they are set."""
    for entity in kb.entities():
        record: dict[str, Any] = {"id": entity.id, "name": entity.name}
        if entity.aliases:
            record["aliases"] = entity.aliases
        if entity.kind is not None:
            record["kind"] = entity.kind
        if entity.weight != 1.0:
            record["weight"] = entity.weight
        if entity.data:
            record["data"] = entity.data
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
