"""1. `archdsl validate specs/*.arch` as a whole process: against Python's own start-up and
against the compiler before issue 10."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from bench import baseline
from bench.config import Config
from bench.results import Figure, Goal, NotRun, Row, Unavailable
from bench.stats import Sample, paired_ratios
from bench.timing import interleave, process_seconds, user_environment

TITLE = "1. validate the .arch specs"
# Issue 10: at most 0.25 s where `python -c pass` takes 0.04 s.
PYTHON_GOAL = 0.25 / 0.04
WARM = "document cache warm"
COLD = "document cache empty"
METHOD = f"""`archdsl validate -q` of every built-in spec in the text DSL (the `.arch` twins of
specs/*.yaml, as the baseline has them: `out/baseline-{baseline.COMMIT}/archdsl/specs/*.arch`,
so both sides read the same files) run as a whole process, against `python -c pass` (goal:
at most {PYTHON_GOAL:g}x it, i.e. 0.25 s where Python starts in 0.04 s, issue 10) and against
the same command on {baseline.NAME}. The processes alternate, after one warm-up round, with
Python's bytecode cache on; Lark's parser cache is warm after the first round. archdsl keeps
the checked document of each spec file in the user's cache folder (`archdsl.spec.doc_cache`):
`validate` is measured both ways, each row says which: {WARM} (a repeated run of unchanged
files) and {COLD} (every file read, parsed and checked, and its entry written)."""

PYTHON = [sys.executable, "-c", "pass"]


def run(config: Config) -> list[Row]:
    rows: list[Row] = []
    try:
        folder = baseline.folder() / "archdsl" / "specs"
        old = baseline.environment()
    except Unavailable as exc:
        return [NotRun(TITLE, f"{baseline.NAME}: {exc}")]
    specs = sorted(str(path) for path in folder.glob("*.arch"))
    validate = [sys.executable, "-m", "archdsl", "validate", "-q", *specs]
    with tempfile.TemporaryDirectory(prefix="archdsl-bench-") as caches:
        warm = {**user_environment(), "XDG_CACHE_HOME": os.path.join(caches, "warm")}
        cold = os.path.join(caches, "cold")

        def first_run() -> float:
            shutil.rmtree(cold, ignore_errors=True)
            return process_seconds(validate, {**warm, "XDG_CACHE_HOME": cold})

        times = interleave(
            {
                "validate": lambda: process_seconds(validate, warm),
                "validate cold": first_run,
                "python": lambda: process_seconds(PYTHON),
                "old": lambda: process_seconds(validate, old, str(baseline.folder())),
            },
            rounds=config.process_rounds,
        )
    for side, case in (("validate", WARM), ("validate cold", COLD)):
        name = f"`archdsl validate` of the {len(specs)} `.arch` specs, process, {case}"
        ours = Sample.of(times[side], "s")
        rows += [
            Figure(
                TITLE,
                name,
                ours,
                Sample.of(times["python"], "s"),
                "`python -c pass` process",
                paired_ratios(times[side], times["python"]),
                "validate time / Python start-up",
                Goal(PYTHON_GOAL, at_least=False),
            ),
            Figure(
                TITLE,
                name,
                ours,
                Sample.of(times["old"], "s"),
                f"the same command on {baseline.NAME}",
                paired_ratios(times["old"], times[side]),
                "before time / our time",
            ),
        ]
    return rows
