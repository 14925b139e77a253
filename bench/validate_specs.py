"""1. `archdsl validate specs/*.arch` as a whole process: against Python's own start-up and
against the compiler before issue 10."""

from __future__ import annotations

import sys

from bench import baseline
from bench.config import Config
from bench.process_cases import COLD, PYTHON, WARM, before_figure, cache_cases, startup_figure
from bench.results import NotRun, Row, Unavailable
from bench.timing import interleave, process_seconds

TITLE = "1. validate the .arch specs"
# Issue 10: at most 0.25 s where `python -c pass` takes 0.04 s.
PYTHON_GOAL = 0.25 / 0.04
METHOD = f"""`archdsl validate -q` of every built-in spec in the text DSL (the `.arch` twins of
specs/*.yaml, as the baseline has them: `out/baseline-{baseline.COMMIT}/archdsl/specs/*.arch`,
so both sides read the same files) run as a whole process, against `python -c pass` (goal:
at most {PYTHON_GOAL:g}x it, i.e. 0.25 s where Python starts in 0.04 s, issue 10) and against
the same command on {baseline.NAME}. The processes alternate, after one warm-up round, with
Python's bytecode cache on; the baseline's Lark parser cache is warm after the first round. archdsl keeps
the checked document of each spec file in the user's cache folder (`archdsl.spec.doc_cache`):
`validate` is measured both ways, each row says which: {WARM} (a repeated run of unchanged
files) and {COLD} (every file read, parsed and checked, and its entry written)."""


def run(config: Config) -> list[Row]:
    try:
        folder = baseline.folder() / "archdsl" / "specs"
        old = baseline.environment()
    except Unavailable as exc:
        return [NotRun(TITLE, f"{baseline.NAME}: {exc}")]
    specs = sorted(str(path) for path in folder.glob("*.arch"))
    validate = [sys.executable, "-m", "archdsl", "validate", "-q", *specs]
    with cache_cases(validate) as cases:
        times = interleave(
            {
                **cases,
                "python": lambda: process_seconds(PYTHON),
                "old": lambda: process_seconds(validate, old, str(baseline.folder())),
            },
            rounds=config.process_rounds,
        )
    rows: list[Row] = []
    for case in (WARM, COLD):
        name = f"`archdsl validate` of the {len(specs)} `.arch` specs, process, {case}"
        rows += [
            startup_figure(TITLE, name, times[case], times["python"], "validate", PYTHON_GOAL),
            before_figure(TITLE, name, times[case], times["old"]),
        ]
    return rows
