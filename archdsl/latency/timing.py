"""Timing repeated calls: wall-clock and this thread's CPU time, median and quartiles.

Wall-clock is what a user waits for. On a shared machine it includes the time other
processes hold the CPU, so the thread's CPU time is recorded beside it: with one
interpreter thread (the default) it is the work the network itself needs, and a
measurement taken under load can be judged by how far the two are apart.

Even CPU time is inflated while other processes run (they share the caches, the memory bus
and, on a virtual machine, the host's cores), in phases of seconds: on this project's 2-core
machine under load, even the fastest run of a 0.15 s window of mnasnet_a1 rose up to 1.7x
in busy phases. The fastest run over many short windows spread over minutes is the time of
a run that had the machine to itself, and it is what agrees with itself: split each of 104
networks' runs (16 windows of at least 0.15 s) into the odd and the even windows, and the two fastest runs
agreed within 10% for 95% of the networks under a load average of 4 to 6, the two 10th
percentiles for 80%, the medians for 48% (docs/latency.md). So the fastest run is what the
latency table stores and predicts (a table entry keeps nothing else: `archdsl latency` prints
a whole network's median, quartiles and 10th percentile beside it).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Samples:
    """Per-call milliseconds by both clocks."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def stats(self, clock: str = "wall") -> Stats:
        return Stats.of(self.wall if clock == "wall" else self.cpu)


@dataclass(frozen=True)
class Stats:
    median: float
    q1: float
    q3: float
    runs: int
    p10: float  # the 10th percentile
    min: float  # the fastest run

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        if len(values) == 1:
            return cls(values[0], values[0], values[0], 1, values[0], values[0])
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        p10 = statistics.quantiles(values, n=10, method="inclusive")[0]
        return cls(median, q1, q3, len(values), p10, min(values))

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1


def time_calls(
    call: Callable[[], object],
    samples: Samples,
    *,
    min_runs: int,
    min_seconds: float,
    max_runs: int = 100_000,
) -> None:
    """Call ``call`` until ``min_runs`` calls are timed and ``min_seconds`` have passed,
    adding each timed call's time to ``samples``. A call over which the thread's CPU clock
    did not advance is not timed: on this project's KVM guest that happened now and then to
    calls of a few microseconds, and a CPU time of 0 would be a table entry's fastest run.
    (Its wall-clock time goes too, so each clock's samples are of the same calls.)"""
    perf, cpu = time.perf_counter, time.thread_time
    start = perf()
    calls = runs = 0
    while calls < max_runs and (runs < min_runs or perf() - start < min_seconds):
        w0, c0 = perf(), cpu()
        call()
        c1, w1 = cpu(), perf()
        calls += 1
        if c1 > c0:
            samples.wall.append((w1 - w0) * 1e3)
            samples.cpu.append((c1 - c0) * 1e3)
            runs += 1


def warm_up(call: Callable[[], object], *, runs: int, seconds: float) -> None:
    start = time.perf_counter()
    done = 0
    while done < runs or time.perf_counter() - start < seconds:
        call()
        done += 1
