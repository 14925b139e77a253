"""Refit the latency correction offline, on a run of benchmark 8, with and without its terms.

    python bench/latency_refit.py [POINTS]   # default: docs/bench/latency_points.json

Benchmark 8 keeps, per network, the correction's regressors (``archdsl.latency.correction
.features`` of the run's table) and the measured fastest run. Here the correction is fitted
(``archdsl.latency.correction.fit``, as calibrate fits it) on half of the networks and
scored on the other half, over repeated random halvings: how far each form of the
correction predicts networks it was not fitted on, on this run's table and measurement.
In sample (fitted on all of them) is an upper bound for a form. Pure Python.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script
    sys.path.insert(0, str(REPO))

from archdsl.latency.correction import PER_GMAC, Correction, fit, predict_from  # noqa: E402
from bench.latency import _within  # noqa: E402

POINTS = REPO / "docs" / "bench" / "latency_points.json"
REPEATS = 20
SEED = 0
FORMS = {"the correction": (), "the correction without its MAC term": (PER_GMAC,)}


def load(path: Path) -> tuple[list[dict[str, float]], list[float]]:
    """Each network's regressors and its measured fastest run (CPU time, ms)."""
    networks = json.loads(path.read_text(encoding="utf-8"))["networks"]
    rows = [dict(n["cpu_correction_features"]) for n in networks]
    return rows, [n["cpu_measured_ms"] for n in networks]


def without(rows: Sequence[Mapping[str, float]], terms: Sequence[str]) -> list[dict[str, float]]:
    """The rows with ``terms``' regressors at 0, which ``fit`` leaves out of the form."""
    return [{name: 0.0 if name in terms else value for name, value in row.items()} for row in rows]


def within(
    rows: Sequence[Mapping[str, float]], measured: Sequence[float], correction: Correction
) -> float:
    """Share of the networks the correction predicts within ±10% (benchmark 8's measure)."""
    return _within([predict_from(correction, row) for row in rows], measured)


def cross_validated(rows: list[dict[str, float]], measured: list[float]) -> float:
    """Mean share within ±10% of the held-out half, fitting on the other half, over
    ``REPEATS`` random halvings (fixed seed)."""
    rng = random.Random(SEED)
    shares = []
    for _ in range(REPEATS):
        order = list(range(len(rows)))
        rng.shuffle(order)
        halves = order[: len(order) // 2], order[len(order) // 2 :]
        for fitted_on, scored_on in (halves, halves[::-1]):
            correction = fit([rows[i] for i in fitted_on], [measured[i] for i in fitted_on])
            held_out = [rows[i] for i in scored_on], [measured[i] for i in scored_on]
            shares.append(within(*held_out, correction))
    return statistics.mean(shares)


def report(path: Path = POINTS) -> list[str]:
    rows, measured = load(path)
    lines = []
    for name, dropped in FORMS.items():
        form = without(rows, dropped)
        in_sample = within(form, measured, fit(form, measured))
        lines.append(
            f"refit on {len(rows)} networks, {name}: {cross_validated(form, measured):.1%}"
            f" within ±10% of the half it was not fitted on ({REPEATS} random halvings);"
            f" {in_sample:.1%} in sample"
        )
    return lines


if __name__ == "__main__":
    for line in report(Path(sys.argv[1]) if len(sys.argv) > 1 else POINTS):
        print(line)
