"""Clocks for the benchmarks: interleaved rounds of in-process calls and of whole processes."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence


def seconds(call: Callable[[], object], times: int = 1) -> float:
    """Wall time of ``times`` consecutive calls (perf_counter)."""
    start = time.perf_counter()
    for _ in range(times):
        call()
    return time.perf_counter() - start


def interleave(
    sides: Mapping[str, Callable[[], float]], rounds: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Run every side once per round and collect what each returns (a time in seconds).

    The order of the sides rotates from round to round, so a slow drift of the machine
    (other work starting or stopping, frequency changes) falls on all sides alike. The
    first ``warmup`` rounds are run and thrown away.
    """
    names = list(sides)
    results: dict[str, list[float]] = {name: [] for name in names}
    for index in range(warmup + rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            value = sides[name]()
            if index >= warmup:
                results[name].append(value)
    return results


def user_environment() -> dict[str, str]:
    """This environment, with Python's bytecode cache on, as after ``pip install``.

    Without it (PYTHONDONTWRITEBYTECODE set, as in some sandboxes), every process compiles
    archdsl's modules from source again, which costs ~50 ms of summary's ~250 ms.
    """
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def process_seconds(
    argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: str | None = None
) -> float:
    """Wall time of one whole process, start to exit, in ``env`` (default:
    ``user_environment()``) and folder ``cwd``; it must succeed.

    ``python -m`` puts the current folder first on sys.path, ahead of PYTHONPATH: a process
    that must import another archdsl than the one in the current folder runs elsewhere.
    """
    start = time.perf_counter()
    completed = subprocess.run(
        list(argv),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else user_environment(),
        cwd=cwd,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        tail = completed.stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"{' '.join(argv)} exited {completed.returncode}: " + " | ".join(tail))
    return elapsed


def calibrate(call: Callable[[], object], target: float, limit: int = 10_000) -> int:
    """How many calls take about ``target`` seconds (at least one), after one untimed call."""
    call()
    once = seconds(call)
    return max(1, min(limit, round(target / max(once, 1e-9))))
