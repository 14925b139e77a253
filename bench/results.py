"""What a benchmark hands to the report: figures against a reference, plain measurements,
findings, and benchmarks that could not run."""

from __future__ import annotations

from dataclasses import dataclass

from bench.stats import Sample


@dataclass(frozen=True)
class Goal:
    """A bound on a ratio: ``ratio >= value`` (``at_least``) or ``ratio <= value``."""

    value: float
    at_least: bool = True

    def met(self, ratio: float) -> bool:
        return ratio >= self.value if self.at_least else ratio <= self.value

    def __str__(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {self.value:g}x"


@dataclass(frozen=True)
class Figure:
    """One of our measurements set against its reference, measured in the same rounds.

    ``ratio`` is per round, and ``ratio_meaning`` says which way it reads (e.g.
    "reference time / ours": above 1 means we are faster).
    """

    benchmark: str
    name: str
    ours: Sample
    reference: Sample
    reference_name: str
    ratio: Sample
    ratio_meaning: str
    goal: Goal | None = None

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return "info"
        return "pass" if self.goal.met(self.ratio.median) else "FAIL"


@dataclass(frozen=True)
class Measurement:
    """A figure with no reference of its own (e.g. one point of a scaling curve)."""

    benchmark: str
    name: str
    sample: Sample


@dataclass(frozen=True)
class Note:
    """A finding that explains figures (e.g. where two models' TensorFlow graphs differ)."""

    benchmark: str
    text: str


@dataclass(frozen=True)
class NotRun:
    """A benchmark or figure that could not be measured, and why."""

    benchmark: str
    reason: str


Row = Figure | Measurement | Note | NotRun


class Unavailable(Exception):
    """Raised by a benchmark whose subject does not exist on this checkout or machine."""
