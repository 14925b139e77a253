"""A candidate of a space: its choices, its plain document and its figures."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archdsl.analysis.analyze import analyze
from archdsl.compile import compile_document
from archdsl.ir.graph import Graph
from archdsl.space.space import Assignment, Space
from archdsl.spec.document import Document
from archdsl.spec.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from archdsl.latency.table import Table

# The figures a candidate gets without training; search objectives name them.
FIGURES = ("params", "macs", "memory", "memory_access")


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
        "memory_access": analysis.total.memory_access,
    }
    return Candidate(index, assignment, doc, graph, figures)


def draw(space: Space, seed: int) -> Iterator[Assignment]:
    """Uniform random assignments; the same seed gives the same stream."""
    rng = random.Random(seed)
    while True:
        yield space.sample(rng)


class Evaluator:
    """Candidates' figures: from stage segments where the space allows it (the same numbers
    as compiling each candidate whole, a test checks, in a fraction of the time), else by
    compiling each. With a latency table, ``latency`` (predicted ms) too."""

    def __init__(
        self, space: Space, limits: Limits = DEFAULT_LIMITS, table: Table | None = None
    ) -> None:
        from archdsl.space.figures import StageFigures

        self.space = space
        self.limits = limits
        self.stages = StageFigures(space, limits)
        self.latency = None
        if table is not None:
            from archdsl.space.latency import SpaceLatency

            self.latency = SpaceLatency(self.stages, table)

    def figures(self, assignment: Assignment, index: int) -> dict[str, float]:
        """The candidate's figures; a SpecError (from compiling it whole) if it cannot compile,
        MissingEntries if the latency table lacks its layers."""
        from archdsl.space.figures import totals

        if self.stages.applies:
            parts = self.stages.parts(assignment)
            if parts is not None:
                figures: dict[str, float] = dict(totals(parts))
                if self.latency is not None:
                    figures["latency"] = self.latency.of_parts(parts)
                return figures
        candidate = evaluate(self.space, assignment, index, self.limits)
        figures = dict(candidate.figures)
        if self.latency is not None:
            figures["latency"] = self.latency.of_graph(candidate.graph)
        return figures
