"""canonica's build backend: maturin's, with one difference. Building from source needs Rust's
`cargo`; when it is not on the PATH, maturin would silently download a Rust toolchain (about
750 MB) into a temporary directory. This backend stops instead, saying what is missing and how
to get a prebuilt wheel. Set CANONICA_ALLOW_RUST_DOWNLOAD=1 to let maturin download Rust.

pyproject.toml names this module as the build backend (`backend-path = ["backend"]`); every
hook is maturin's own."""

from __future__ import annotations

import os
import shutil
from typing import Any

import maturin
from maturin import build_sdist

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_wheel",
]

MISSING_CARGO = """\
canonica: building from source needs Rust's cargo, which is not on the PATH.

  - To install without building, use a prebuilt wheel:
        pip install canonica                      (a release, from the package index)
        pip install dist/canonica-*-abi3-*.whl    (a wheel built elsewhere with `pip wheel .`)
  - To build from source, install Rust 1.85 or newer (https://rustup.rs, or your system's
    rustc and cargo packages), make sure `cargo` is on the PATH, and run the command again.
  - To let the build download a temporary Rust toolchain (about 750 MB), set
    CANONICA_ALLOW_RUST_DOWNLOAD=1.
"""


def _check_cargo() -> None:
    """Stops the build, with what to do, when cargo is missing and no download was allowed."""
    if os.environ.get("CANONICA_ALLOW_RUST_DOWNLOAD") == "1":
        return
    # maturin downloads Rust only when this variable is unset: never, from here on.
    os.environ["MATURIN_NO_INSTALL_RUST"] = "1"
    if shutil.which("cargo") is None:
        raise SystemExit(MISSING_CARGO)


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    _check_cargo()
    return list(maturin.get_requires_for_build_wheel(config_settings))


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    _check_cargo()
    return list(maturin.get_requires_for_build_editable(config_settings))


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    _check_cargo()
    return str(maturin.prepare_metadata_for_build_wheel(metadata_directory, config_settings))


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    _check_cargo()
    return str(maturin.build_wheel(wheel_directory, config_settings, metadata_directory))


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    _check_cargo()
    return str(maturin.build_editable(wheel_directory, config_settings, metadata_directory))


def get_requires_for_build_sdist(config_settings: dict[str, Any] | None = None) -> list[str]:
    # An sdist holds sources only; building one needs no compiler, and never a download.
    os.environ.setdefault("MATURIN_NO_INSTALL_RUST", "1")
    return list(maturin.get_requires_for_build_sdist(config_settings))
