"""Shared test helpers: running the archdsl command as a user would."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# Copied from the reference material handed to the project (measured with TF 2.21 / Keras 3.15,
# see its "about"): tests read the project's copy, never ../shared, which a clone does not have.
MODELS_JSON = ROOT / "tests" / "reference" / "models.json"


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m archdsl ARGS`` in a fresh process, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "archdsl", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def reference_models() -> list[dict]:
    """The entries of tests/reference/models.json (exact figures of the reference networks)."""
    return json.loads(MODELS_JSON.read_text())["models"]


def spec_and_overrides(entry: dict) -> tuple[str, list[str]]:
    """The built-in spec name and --set arguments for a models.json entry."""
    sets = [arg for key, value in entry["overrides"].items() for arg in ("--set", f"{key}={value}")]
    return entry["spec"], sets


def randomize(model: Any, rng: np.random.Generator) -> None:
    """He-scaled kernels, small biases, non-trivial BatchNorm statistics: logits of order 1+."""
    for weight in model.weights:
        shape, role = tuple(weight.shape), weight.path.rsplit("/", 1)[-1]
        if role in ("kernel", "depthwise_kernel"):
            fan_in = math.prod(shape[:-1]) if role == "kernel" else math.prod(shape[:2])
            value = rng.normal(0, math.sqrt(2 / fan_in), shape)
        elif role in ("gamma", "moving_variance", "variance"):
            value = rng.uniform(0.5, 1.5, shape)
        elif role == "count":
            continue
        else:  # bias, beta, moving_mean, mean
            value = rng.normal(0, 0.1, shape)
        weight.assign(value.astype("float32"))


def modules_after_cli(
    args: list[str], modules: tuple[str, ...], env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run ``archdsl ARGS`` in a fresh process and name which of ``modules`` it imported.

    The first-run tests use it to keep costly imports off a command's path; the names go to
    stderr after the command's own output, on a last line of their own.
    """
    probe = (
        "import sys; from archdsl.cli import main; code = main(sys.argv[2:]);"
        " print('imported:', *sorted(m for m in sys.argv[1].split(',') if m in sys.modules),"
        " file=sys.stderr); sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, ",".join(modules), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    last = result.stderr.strip().splitlines()[-1:] or [""]
    assert last[0].startswith("imported:"), result.stderr
    return result, last[0].split()[1:]
