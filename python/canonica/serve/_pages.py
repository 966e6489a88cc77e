"""The HTML the service serves: an entity's preview card (for OpenRefine's hover) and its page
(the manifest's `view` URL). Every text from the knowledge base is escaped."""

from __future__ import annotations

import json
from html import escape
from typing import Any

import canonica

#: Aliases and data fields a preview card shows (the entity page shows them all).
PREVIEW_ALIASES = 6
PREVIEW_FIELDS = 4

_STYLE = (
    "body{font:14px/1.4 system-ui,sans-serif;margin:8px;color:#222}"
    "h1{font-size:16px;margin:0 0 4px}"
    ".id,.kind{color:#555;font-size:12px}"
    "dl{margin:6px 0;display:grid;grid-template-columns:max-content auto;gap:2px 8px}"
    "dt{color:#555}dd{margin:0}"
)


def _text(value: Any) -> str:
    """A data value as text: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def _header(entity: canonica.Entity) -> str:
    kind = "" if entity.kind is None else f' <span class="kind">{escape(entity.kind)}</span>'
    return f'<h1>{escape(entity.name)}</h1><div class="id">{escape(entity.id)}</div>{kind}'


def _fields(rows: list[tuple[str, str]]) -> str:
    if not rows:
        return ""
    items = "".join(f"<dt>{escape(key)}</dt><dd>{escape(value)}</dd>" for key, value in rows)
    return f"<dl>{items}</dl>"


def preview(entity: canonica.Entity) -> str:
    """A small card: name, id, kind, the first aliases and data fields."""
    aliases = entity.aliases
    rows: list[tuple[str, str]] = []
    if aliases:
        shown = ", ".join(aliases[:PREVIEW_ALIASES])
        more = len(aliases) - PREVIEW_ALIASES
        rows.append(("aliases", shown + (f" and {more} more" if more > 0 else "")))
    rows += [(key, _text(value)) for key, value in list(entity.data.items())[:PREVIEW_FIELDS]]
    return _page(entity.name, _header(entity) + _fields(rows))


def entity_page(entity: canonica.Entity) -> str:
    """The entity's page: every alias and data field, and a link to its JSON."""
    rows = [("alias", alias) for alias in entity.aliases]
    rows += [(key, _text(value)) for key, value in entity.data.items()]
    rows.append(("weight", _text(entity.weight)))
    link = '<p><a href="?format=json">JSON</a></p>'
    return _page(entity.name, _header(entity) + _fields(rows) + link)
