"""What a benchmark ran on: the CPU, the commit of canonica and the peers' versions, so that
results files say what produced them."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import canonica

HERE = Path(__file__).resolve().parent


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def commit() -> str:
    """The short commit of the checkout, marked when tracked files have uncommitted changes."""

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], capture_output=True, text=True, check=True, cwd=HERE)
        return run.stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + (" (with uncommitted changes)" if dirty else "")


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def describe(packages: list[str], extra: str = "") -> str:
    """One line: platform, CPU, memory, Python, canonica's commit, and the packages' versions."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = ", ".join(f"{p} {package_version(p)}" for p in packages)
    return (
        f"{platform.platform()}, {cpu_model()}, {os.cpu_count()} logical CPUs, "
        f"{memory_gib:.0f} GiB; Python {platform.python_version()}; "
        f"canonica {canonica.__version__} at commit {commit()}{extra}; {versions}"
    )


def write_results(
    output: Path, title: str, command: str, started: float, packages: list[str], body: list[str]
) -> None:
    """Writes a results file (title, command, date and duration since `started`, machine, then
    `body`) and prints it."""
    header = [
        f"# {title}",
        "",
        f"- command: `{command}`",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"({time.perf_counter() - started:.0f} s)",
        f"- machine: {describe(packages)}",
    ]
    text = "\n".join([*header, *body])
    output.write_text(text + "\n", encoding="utf-8")
    print(text)
