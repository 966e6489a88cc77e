"""mkdocs hooks of the documentation site (`mkdocs.yml`, `make docs`): pages made from files
that live outside docs/, so that each text is written once.

- index.md: the README, whose examples run as tests (tests/test_readme.py);
- reference.md: the Python API, rendered by mkdocstrings from the type stubs;
- cli.md: the `--help` of each command, from the command line's own parser;
- architecture.md and changelog.md: ARCHITECTURE.md and CHANGELOG.md.

Links between these files are rewritten to the site's pages; a link to another file of the
repository points at the repository.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent

#: Pages made from files of the repository: page -> source.
COPIED = {
    "index.md": "README.md",
    "architecture.md": "ARCHITECTURE.md",
    "changelog.md": "CHANGELOG.md",
}
#: The public names of the Python API, in the order the reference shows them.
API = [
    "KnowledgeBase",
    "Entity",
    "Resolver",
    "Match",
    "Mention",
    "normalize",
    "similarity",
    "countries",
    "set_num_threads",
    "num_threads",
    "CanonicaError",
    "CanonicaFileNotFoundError",
    "CanonicaPermissionError",
    "CanonicaIsADirectoryError",
    "CanonicaOSError",
]


def _links(text: str, repo_url: str) -> str:
    """Markdown links written for the repository, as links of the site."""
    pages = {source: page for page, source in COPIED.items()}

    def target(match: re.Match[str]) -> str:
        label, href = match.group(1), match.group(2)
        if re.match(r"[a-z]+:|#", href):
            return match.group(0)
        path, _, anchor = href.partition("#")
        anchor = f"#{anchor}" if anchor else ""
        if path in pages:
            return f"[{label}]({pages[path]}{anchor})"
        if path.startswith("docs/"):
            return f"[{label}]({path.removeprefix('docs/')}{anchor})"
        return f"[{label}]({repo_url.rstrip('/')}/blob/main/{path}{anchor})"

    return re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", target, text)


def _reference() -> str:
    lines = [
        "# Python API",
        "",
        "Everything `import canonica` gives. The same text is what `help()` and Jupyter's `?`",
        "show: it is written once, in the bindings, and the type stubs carry it.",
        "",
    ]
    for name in API:
        lines += [f"::: canonica.{name}", ""]
    return "\n".join(lines)


def _cli() -> str:
    os.environ["COLUMNS"] = "100"
    from canonica import cli

    parser = cli.build_parser()
    lines = [
        "# Command line",
        "",
        "`canonica COMMAND --help` prints each of these. Exit codes: 0 success, 1 error, 2 usage",
        "error, 130 interrupted (SIGINT), 143 terminated (SIGTERM).",
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
        "",
    ]
    commands = next(a for a in parser._actions if a.dest == "command")
    for name, sub in commands.choices.items():  # type: ignore[union-attr]
        lines += [f"## canonica {name}", "", "```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(lines)


def on_files(files: Files, config: Any) -> Files:
    repo_url = config["repo_url"] or ""
    for page, source in COPIED.items():
        text = (ROOT / source).read_text(encoding="utf-8")
        files.append(File.generated(config, page, content=_links(text, repo_url)))
    files.append(File.generated(config, "reference.md", content=_reference()))
    files.append(File.generated(config, "cli.md", content=_cli()))
    return files
