"""What a sum of one-unit timings misses, fitted per machine on whole networks.

A table entry is a unit timed alone: its weights and activations stay hot in the cache
from one invoke to the next, and the invoke pays the interpreter's fixed cost. In a whole
network a layer's weights were evicted by the layers before it, and the fixed cost is paid
once. How much that changes each kind of unit depends on the machine (its caches, its
memory), so no factor is written here: ``archdsl latency calibrate`` measures a set of
reference networks whole (``archdsl.latency.references``) and fits, by least squares on
the relative error, a network's time as

    intercept + per_unit x units + per_gmac x (its units' MACs, in billions)
        + sum over kinds of scale[kind] x (table time of its units)

The MAC term is there because the shortfall is not proportional to the table's times:
fitted with it, the correction adds most to the units that do the most arithmetic per
millisecond alone (wide convolutions) and least to the smallest ones. Fitted on half of a
benchmark run's networks, the form predicts more of the other half within 10% with the
term than without it (docs/latency.md, bench/latency_refit.py). The fit and its figures
are stored in the table beside the entries. Pure Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from archdsl.latency.units import Unit

KINDS = ("conv", "depthwise", "other")
INTERCEPT = "intercept_ms"
PER_UNIT = "per_unit_ms"
PER_GMAC = "per_gmac_ms"  # ms per billion multiply-adds
TERMS = (INTERCEPT, PER_UNIT, PER_GMAC, *(f"scale_{kind}" for kind in KINDS))
MIN_NETWORKS = 2 * len(TERMS)  # fewer reference networks than this fit nothing


def kind(unit: Unit) -> str:
    """Dense convolutions (and dense layers), depthwise convolutions, or the rest
    (element-wise ops, pooling, concatenation, shuffles, reshapes)."""
    head = unit.nodes[0]
    if head.op == "depthwise_conv2d" or (
        head.op == "conv2d" and head.attrs.get("groups", 1) == head.attrs.get("filters", 0) > 1
    ):
        return "depthwise"
    if head.op in ("conv2d", "dense"):
        return "conv"
    return "other"


class Correction(NamedTuple):  # not a dataclass: see errors.Location
    """The fitted terms (``TERMS``) and how well they fit the reference networks."""

    terms: Mapping[str, float]
    fit: Mapping[str, Any]

    def unit_ms(self, unit: Unit, table_ms: float) -> float:
        return (
            self.terms[f"scale_{kind(unit)}"] * table_ms
            + self.terms[PER_UNIT]
            + self.terms[PER_GMAC] * gmacs(unit)
        )

    @property
    def intercept_ms(self) -> float:
        return self.terms[INTERCEPT]

    def as_dict(self) -> dict[str, Any]:
        return {"terms": dict(self.terms), "fit": dict(self.fit)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Correction:
        """A stored correction; one fitted before the MAC term (not ``complete``) reads as it
        was fitted, with that term 0."""
        stored = data["terms"]
        terms = {
            name: float(stored.get(name, 0.0) if name == PER_GMAC else stored[name])
            for name in TERMS
        }
        return cls(terms, dict(data["fit"]))


def complete(data: Mapping[str, Any]) -> bool:
    """Whether a stored correction has every term of this archdsl's form: the next
    calibration refits one that lacks some."""
    return all(name in data["terms"] for name in TERMS)


def gmacs(unit: Unit) -> float:
    return sum(node.cost.macs for node in unit.nodes) / 1e9


def features(unit_times: Sequence[tuple[Unit, float]]) -> dict[str, float]:
    """A network's regressors: 1, its unit count, its units' MACs (billions), and its
    table time per kind."""
    row = {INTERCEPT: 1.0, PER_UNIT: float(len(unit_times)), PER_GMAC: 0.0}
    row.update({f"scale_{k}": 0.0 for k in KINDS})
    for unit, ms in unit_times:
        row[f"scale_{kind(unit)}"] += ms
        row[PER_GMAC] += gmacs(unit)
    return row


def fit(rows: Sequence[Mapping[str, float]], measured: Sequence[float]) -> Correction:
    """Least squares on the relative error over the reference networks (``rows`` from
    ``features``, ``measured`` in ms), with the intercept and the scales kept >= 0 (a kind
    cannot take negative time). A kind no reference network runs keeps scale 1."""
    if len(rows) < MIN_NETWORKS:
        raise ValueError(f"a correction needs {MIN_NETWORKS} reference networks, got {len(rows)}")
    present = [t for t in TERMS if t in (INTERCEPT, PER_UNIT) or any(r[t] > 0 for r in rows)]
    design = [[r[t] / m for t in present] for r, m in zip(rows, measured, strict=True)]
    solved = _bounded_least_squares(design, [1.0] * len(rows), [t != PER_UNIT for t in present])
    terms = {t: 1.0 for t in TERMS} | dict(zip(present, solved, strict=True))
    errors = [
        predict_from(Correction(terms, {}), r) / m - 1 for r, m in zip(rows, measured, strict=True)
    ]
    return Correction(terms, fit_figures(errors))


def predict_from(correction: Correction, row: Mapping[str, float]) -> float:
    return sum(correction.terms[t] * row[t] for t in TERMS)


def fit_figures(errors: Sequence[float]) -> dict[str, Any]:
    """How the fit did on its own networks (relative errors, predicted / measured - 1)."""
    import statistics  # here, not at the top: a table's reader never fits (6 ms of imports)

    absolute = [abs(e) for e in errors]
    return {
        "networks": len(errors),
        "within_10_percent": sum(a <= 0.1 for a in absolute) / len(errors),
        "median_abs_error": statistics.median(absolute),
        "max_abs_error": max(absolute),
    }


def _bounded_least_squares(
    design: list[list[float]], target: list[float], nonnegative: list[bool]
) -> list[float]:
    """min |design x - target| with x[i] >= 0 where ``nonnegative[i]``: the best of the
    unconstrained solutions with each subset of those terms held at 0 that keeps the rest
    non-negative (exact for the few columns a correction has)."""
    bounded = [i for i, flag in enumerate(nonnegative) if flag]
    best: tuple[float, list[float]] | None = None
    for mask in range(1 << len(bounded)):
        zero = {bounded[k] for k in range(len(bounded)) if mask >> k & 1}
        keep = [i for i in range(len(nonnegative)) if i not in zero]
        try:
            part = _least_squares([[row[i] for i in keep] for row in design], target)
        except ValueError:
            continue
        x = [0.0] * len(nonnegative)
        for i, value in zip(keep, part, strict=True):
            x[i] = value
        if any(x[i] < 0 for i in bounded):
            continue
        residual = sum(
            (sum(a * b for a, b in zip(row, x, strict=True)) - t) ** 2
            for row, t in zip(design, target, strict=True)
        )
        if best is None or residual < best[0]:
            best = (residual, x)
    if best is None:
        raise ValueError("the reference networks cannot separate the correction's terms")
    return best[1]


def _least_squares(design: list[list[float]], target: list[float]) -> list[float]:
    """Solve min |design x - target| by the normal equations (a few columns only)."""
    n = len(design[0]) if design and design[0] else 0
    if n == 0:
        return []
    gram = [[sum(row[i] * row[j] for row in design) for j in range(n)] for i in range(n)]
    rhs = [sum(row[i] * t for row, t in zip(design, target, strict=True)) for i in range(n)]
    return _solve(gram, rhs)


def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting."""
    n = len(rhs)
    a = [[*row, value] for row, value in zip(matrix, rhs, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) <= 1e-12 * max(1.0, max(abs(v) for v in a[col])):
            raise ValueError("the reference networks cannot separate the correction's terms")
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in reversed(range(n)):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x
