"""Checks for the parts of archdsl that some benchmarks need, made before measuring."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

from bench.results import Unavailable


def require_keras_backend() -> None:
    if importlib.util.find_spec("archdsl.backends.keras_backend") is None:
        raise Unavailable("the Keras backend (archdsl.backends.keras_backend) does not exist yet")


def require_command(name: str) -> None:
    """An archdsl subcommand must exist (``archdsl NAME --help`` succeeds)."""
    probe = subprocess.run(
        [sys.executable, "-m", "archdsl", name, "--help"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        raise Unavailable(f"`archdsl {name}` does not exist yet")


def require_program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise Unavailable(f"`{name}` is not installed (Debian package graphviz)")
    return path
