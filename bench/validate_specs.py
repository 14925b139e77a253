"""1. `archdsl validate specs/*.arch` as a whole process: against Python's own start-up and
against the compiler before issue 10."""

from __future__ import annotations

import sys

from bench import baseline
from bench.config import Config
from bench.results import Figure, Goal, NotRun, Row, Unavailable
from bench.stats import Sample, paired_ratios
from bench.timing import interleave, process_seconds

TITLE = "1. validate the .arch specs"
# Issue 10: at most 0.25 s where `python -c pass` takes 0.04 s.
PYTHON_GOAL = 0.25 / 0.04
METHOD = f"""`archdsl validate -q` of every built-in spec in the text DSL (the `.arch` twins of
specs/*.yaml, as the baseline has them: `out/baseline-{baseline.COMMIT}/archdsl/specs/*.arch`,
so both sides read the same files) run as a whole process, against `python -c pass` (goal:
at most {PYTHON_GOAL:g}x it, i.e. 0.25 s where Python starts in 0.04 s, issue 10) and against
the same command on {baseline.NAME}. The processes alternate, after one warm-up round, with
Python's bytecode cache on; Lark's parser cache is warm after the first round."""

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
    times = interleave(
        {
            "validate": lambda: process_seconds(validate),
            "python": lambda: process_seconds(PYTHON),
            "old": lambda: process_seconds(validate, old),
        },
        rounds=config.process_rounds,
    )
    name = f"`archdsl validate` of the {len(specs)} `.arch` specs, process"
    ours = Sample.of(times["validate"], "s")
    rows += [
        Figure(
            TITLE,
            name,
            ours,
            Sample.of(times["python"], "s"),
            "`python -c pass` process",
            paired_ratios(times["validate"], times["python"]),
            "validate time / Python start-up",
            Goal(PYTHON_GOAL, at_least=False),
        ),
        Figure(
            TITLE,
            name,
            ours,
            Sample.of(times["old"], "s"),
            f"the same command on {baseline.NAME}",
            paired_ratios(times["old"], times["validate"]),
            "before time / our time",
        ),
    ]
    return rows
