"""Pareto fronts and the two-objective hypervolume, for minimized objectives."""

from __future__ import annotations

from collections.abc import Sequence


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(
        x < y for x, y in zip(a, b, strict=True)
    )


def front(points: Sequence[Sequence[float]]) -> list[int]:
    """Indices of the points no other point dominates (the first of equal points only)."""
    kept: list[int] = []
    for i, point in enumerate(points):
        if any(dominates(other, point) for other in points):
            continue
        if any(tuple(points[j]) == tuple(point) for j in kept):
            continue
        kept.append(i)
    return kept


def hypervolume_2d(points: Sequence[Sequence[float]], reference: Sequence[float]) -> float:
    """The area dominated by ``points`` and bounded by ``reference`` (both minimized)."""
    inside = sorted((x, y) for x, y in points if x < reference[0] and y < reference[1])
    area = 0.0
    best_y = reference[1]
    for x, y in inside:  # sweep in x; each point adds the strip below the best y so far
        if y < best_y:
            area += (reference[0] - x) * (best_y - y)
            best_y = y
    return area
