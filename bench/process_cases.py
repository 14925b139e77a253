"""Whole-process figures benchmark 1 shares between `summary` and `validate`: an archdsl
command timed with its document cache warm and empty, against Python's own start-up and
against the same command on the baseline."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from bench import baseline
from bench.results import Figure, Goal
from bench.stats import Sample, paired_ratios
from bench.timing import process_seconds, user_environment

PYTHON = [sys.executable, "-c", "pass"]
WARM = "document cache warm"
COLD = "document cache empty"


@contextmanager
def cache_cases(argv: Sequence[str]) -> Iterator[dict[str, Callable[[], float]]]:
    """Two sides timing ``argv`` in a temporary cache folder: WARM keeps the document cache
    between runs (a repeated run of unchanged files), COLD empties it before every run (a
    first run: the files read, parsed and checked, their entries written)."""
    with tempfile.TemporaryDirectory(prefix="archdsl-bench-") as folder:
        warm = {**user_environment(), "XDG_CACHE_HOME": os.path.join(folder, "warm")}
        cold = os.path.join(folder, "cold")

        def first_run() -> float:
            shutil.rmtree(cold, ignore_errors=True)
            return process_seconds(argv, {**warm, "XDG_CACHE_HOME": cold})

        yield {WARM: lambda: process_seconds(argv, warm), COLD: first_run}


def startup_figure(
    title: str, name: str, ours: list[float], python: list[float], command: str, goal: float
) -> Figure:
    """``command``'s time against `python -c pass`'s, round by round (at most ``goal``)."""
    return Figure(
        title,
        name,
        Sample.of(ours, "s"),
        Sample.of(python, "s"),
        "`python -c pass` process",
        paired_ratios(ours, python),
        f"{command} time / Python start-up",
        Goal(goal, at_least=False),
    )


def before_figure(title: str, name: str, ours: list[float], old: list[float]) -> Figure:
    """The baseline's time for the same command against ours, round by round."""
    return Figure(
        title,
        name,
        Sample.of(ours, "s"),
        Sample.of(old, "s"),
        f"the same command on {baseline.NAME}",
        paired_ratios(old, ours),
        "before time / our time",
    )
