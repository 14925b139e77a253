"""A candidate of a space: its choices, its plain document and its figures."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from archdsl.analysis.analyze import analyze
from archdsl.compile import compile_document
from archdsl.ir.graph import Graph
from archdsl.space.space import Assignment, Space
from archdsl.spec.document import Document
from archdsl.spec.limits import DEFAULT_LIMITS, Limits

# The figures a candidate gets without training; search objectives name them.
FIGURES = ("params", "macs", "memory")


@dataclass(frozen=True)
class Candidate:
    index: int
    assignment: Assignment
    doc: Document
    graph: Graph
    figures: dict[str, int]

    def record(self, space: Space) -> dict[str, Any]:
        """One JSON line: the candidate's number, its choices' values and its figures."""
        return {"index": self.index, "choices": space.values(self.assignment), **self.figures}


def candidate_name(space: Space, index: int) -> str:
    return f"{space.doc.data.get('name', 'candidate')}_{index:05d}"


def evaluate(
    space: Space, assignment: Assignment, index: int, limits: Limits = DEFAULT_LIMITS
) -> Candidate:
    """Resolve, compile and analyze one assignment (a SpecError if it cannot compile)."""
    doc = space.resolve(assignment, candidate_name(space, index))
    graph = compile_document(doc, limits=limits)
    analysis = analyze(graph)
    figures = {
        "params": analysis.total.params,
        "macs": analysis.total.macs,
        "memory": analysis.peak_activation_bytes,
    }
    return Candidate(index, assignment, doc, graph, figures)


def draw(space: Space, seed: int) -> Iterator[Assignment]:
    """Uniform random assignments; the same seed gives the same stream."""
    rng = random.Random(seed)
    while True:
        yield space.sample(rng)
