"""Samples of repeated measurements: median and spread, and ratios of paired rounds."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """Repeated measurements of one quantity, in ``unit``."""

    values: tuple[float, ...]
    unit: str

    @classmethod
    def of(cls, values: Sequence[float], unit: str) -> Sample:
        if not values:
            raise ValueError("a sample needs at least one value")
        return cls(tuple(values), unit)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def q1(self) -> float:
        return self._quartiles()[0]

    @property
    def q3(self) -> float:
        return self._quartiles()[2]

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    def _quartiles(self) -> tuple[float, float, float]:
        if len(self.values) == 1:
            return (self.values[0],) * 3
        q1, q2, q3 = statistics.quantiles(self.values, n=4, method="inclusive")
        return q1, q2, q3

    def scaled(self, factor: float, unit: str) -> Sample:
        return Sample(tuple(value * factor for value in self.values), unit)


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Sample:
    """Round-by-round ratios of two interleaved series (drift cancels within a round)."""
    return Sample.of([a / b for a, b in zip(numerators, denominators, strict=True)], "x")


def rates(seconds: Sequence[float], items: float, unit: str) -> Sample:
    """Per-round throughputs: ``items`` done in each round's ``seconds``."""
    return Sample.of([items / s for s in seconds], unit)


@dataclass(frozen=True)
class Stat:
    """What the report shows of a Sample, kept in a benchmark's results file.

    The report needs only these six numbers, so a stored run can be shown again without
    its raw values, and a benchmark's rows survive runs of the others.
    """

    unit: str
    median: float
    q1: float
    q3: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, sample: Sample) -> Stat:
        return cls(
            sample.unit,
            sample.median,
            sample.q1,
            sample.q3,
            sample.min,
            sample.max,
            len(sample.values),
        )

    def scaled(self, factor: float, unit: str) -> Stat:
        return Stat(
            unit,
            self.median * factor,
            self.q1 * factor,
            self.q3 * factor,
            self.min * factor,
            self.max * factor,
            self.n,
        )
