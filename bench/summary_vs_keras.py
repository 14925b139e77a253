"""1. `archdsl summary` as a whole process: against building the network with Keras, against
Python's own start-up, and against the compiler before issue 10."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from bench import baseline
from bench.availability import require_keras_backend
from bench.config import Config
from bench.results import Figure, Goal, NotRun, Row, Unavailable
from bench.stats import Sample, paired_ratios
from bench.timing import interleave, process_seconds, user_environment

TITLE = "1. summary vs Keras build"
SPEC = "mnasnet_a1"
KERAS_GOAL = 40.0  # issue 10: at least 40x faster than the Keras route
# Issue 10: summary in at most 0.15 s where `python -c pass` takes 0.04 s.
PYTHON_GOAL = 0.15 / 0.04
WARM = "document cache warm"
COLD = "document cache empty"
METHOD = f"""`archdsl summary {SPEC}` run as a whole process, against three other processes: one
that imports TensorFlow, builds the same network with
`archdsl.to_keras(archdsl.load("{SPEC}"))` and calls `count_params()` (what a user would
otherwise run to get the same totals; goal: at least {KERAS_GOAL:g}x); `python -c pass`, Python's
own start-up (goal: summary at most {PYTHON_GOAL:g}x it, i.e. 0.15 s where Python starts in
0.04 s, issue 10); and the same command on {baseline.NAME}. The processes alternate, after one
warm-up round, with Python's bytecode cache on (as after `pip install`; PYTHONDONTWRITEBYTECODE
is dropped from their environment). archdsl keeps the checked document of a spec file in the
user's cache folder (`archdsl.spec.doc_cache`): `summary` is measured both ways, each row
says which: {WARM} (a repeated run of an unchanged file: the usual case at a terminal) and
{COLD} (a first run: the file read, parsed and checked, and its entry written)."""

SUMMARY = [sys.executable, "-m", "archdsl", "summary", SPEC]
PYTHON = [sys.executable, "-c", "pass"]
KERAS = [
    sys.executable,
    "-c",
    f"import archdsl; archdsl.to_keras(archdsl.load({SPEC!r})).count_params()",
]


def run(config: Config) -> list[Row]:
    require_keras_backend()
    with tempfile.TemporaryDirectory(prefix="archdsl-bench-") as folder:
        warm = {**user_environment(), "XDG_CACHE_HOME": os.path.join(folder, "warm")}
        cold = os.path.join(folder, "cold")
        return _run(config, warm, cold)


def _run(config: Config, warm: dict[str, str], cold: str) -> list[Row]:
    def first_run() -> float:
        shutil.rmtree(cold, ignore_errors=True)
        return process_seconds(SUMMARY, {**warm, "XDG_CACHE_HOME": cold})

    sides = {
        "summary": lambda: process_seconds(SUMMARY, warm),
        "summary cold": first_run,
        "keras": lambda: process_seconds(KERAS),
        "python": lambda: process_seconds(PYTHON),
    }
    rows: list[Row] = []
    try:
        old, folder = baseline.environment(), str(baseline.folder())
        sides["old"] = lambda: process_seconds(SUMMARY, old, folder)
    except Unavailable as exc:
        rows.append(NotRun(TITLE, f"{baseline.NAME}: {exc}"))
    times = interleave(sides, rounds=config.process_rounds)
    for side, case in (("summary", WARM), ("summary cold", COLD)):
        ours = Sample.of(times[side], "s")
        name = f"`archdsl summary {SPEC}` process, {case}"
        rows += [
            Figure(
                TITLE,
                name,
                ours,
                Sample.of(times["keras"], "s"),
                "`to_keras(load(...)).count_params()` process, TF import included",
                paired_ratios(times["keras"], times[side]),
                "Keras time / summary time",
                Goal(KERAS_GOAL),
            ),
            Figure(
                TITLE,
                name,
                ours,
                Sample.of(times["python"], "s"),
                "`python -c pass` process",
                paired_ratios(times[side], times["python"]),
                "summary time / Python start-up",
                Goal(PYTHON_GOAL, at_least=False),
            ),
        ]
        if "old" in times:
            rows.append(
                Figure(
                    TITLE,
                    name,
                    ours,
                    Sample.of(times["old"], "s"),
                    f"the same command on {baseline.NAME}",
                    paired_ratios(times["old"], times[side]),
                    "before time / our time",
                )
            )
    return rows
