"""1. `archdsl summary` as a whole process against building the network with Keras."""

from __future__ import annotations

import sys

from bench.availability import require_keras_backend
from bench.config import Config
from bench.results import Figure, Goal, Row
from bench.stats import Sample, paired_ratios
from bench.timing import interleave, process_seconds

TITLE = "1. summary vs Keras build"
SPEC = "mnasnet_a1"
METHOD = f"""`archdsl summary {SPEC}` run as a whole process, against a fresh process that imports
TensorFlow, builds the same network with `archdsl.to_keras(archdsl.load("{SPEC}"))` and calls
`count_params()`: what a user would otherwise run to get the same totals. The two processes
alternate, after one warm-up round, with Python's bytecode cache on (as after `pip install`;
PYTHONDONTWRITEBYTECODE is dropped from their environment). The ratio is the Keras process's
time over summary's, per round (goal: at least 20x)."""

SUMMARY = [sys.executable, "-m", "archdsl", "summary", SPEC]
KERAS = [
    sys.executable,
    "-c",
    f"import archdsl; archdsl.to_keras(archdsl.load({SPEC!r})).count_params()",
]


def run(config: Config) -> list[Row]:
    require_keras_backend()
    times = interleave(
        {"summary": lambda: process_seconds(SUMMARY), "keras": lambda: process_seconds(KERAS)},
        rounds=config.process_rounds,
    )
    return [
        Figure(
            TITLE,
            f"`archdsl summary {SPEC}` process",
            Sample.of(times["summary"], "s"),
            Sample.of(times["keras"], "s"),
            "`to_keras(load(...)).count_params()` process, TF import included",
            paired_ratios(times["keras"], times["summary"]),
            "Keras time / summary time",
            Goal(20.0),
        )
    ]
