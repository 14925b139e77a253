"""1. `archdsl summary` as a whole process: against building the network with Keras, against
Python's own start-up, and against the compiler before issue 10."""

from __future__ import annotations

import sys

from bench import baseline
from bench.availability import require_keras_backend
from bench.config import Config
from bench.process_cases import COLD, PYTHON, WARM, before_figure, cache_cases, startup_figure
from bench.results import Figure, Goal, NotRun, Row, Unavailable
from bench.stats import Sample, paired_ratios
from bench.timing import interleave, process_seconds

TITLE = "1. summary vs Keras build"
SPEC = "mnasnet_a1"
KERAS_GOAL = 40.0  # issue 10: at least 40x faster than the Keras route
# Issue 10: summary in at most 0.15 s where `python -c pass` takes 0.04 s.
PYTHON_GOAL = 0.15 / 0.04
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
KERAS = [
    sys.executable,
    "-c",
    f"import archdsl; archdsl.to_keras(archdsl.load({SPEC!r})).count_params()",
]


def run(config: Config) -> list[Row]:
    require_keras_backend()
    with cache_cases(SUMMARY) as cases:
        sides = {
            **cases,
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
    for case in (WARM, COLD):
        name = f"`archdsl summary {SPEC}` process, {case}"
        rows += [
            Figure(
                TITLE,
                name,
                Sample.of(times[case], "s"),
                Sample.of(times["keras"], "s"),
                "`to_keras(load(...)).count_params()` process, TF import included",
                paired_ratios(times["keras"], times[case]),
                "Keras time / summary time",
                Goal(KERAS_GOAL),
            ),
            startup_figure(TITLE, name, times[case], times["python"], "summary", PYTHON_GOAL),
        ]
        if "old" in times:
            rows.append(before_figure(TITLE, name, times[case], times["old"]))
    return rows
