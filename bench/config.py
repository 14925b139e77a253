"""How hard the benchmarks try: the full run, or a quick smoke run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    name: str
    process_rounds: int  # rounds of whole-process comparisons (each round runs every side once)
    rounds: int  # rounds of in-process comparisons
    target_seconds: float  # about how long one timed batch of in-process calls should last
    # Inference figures whose single call is slow (XLA's CPU depthwise convolution) get fewer
    # rounds: as many as fit in figure_seconds, but never fewer than min_rounds.
    figure_seconds: float
    min_rounds: int


FULL = Config(
    "full", process_rounds=9, rounds=15, target_seconds=0.25, figure_seconds=40.0, min_rounds=3
)
QUICK = Config(
    "quick", process_rounds=2, rounds=3, target_seconds=0.05, figure_seconds=2.0, min_rounds=1
)
