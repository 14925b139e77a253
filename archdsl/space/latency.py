"""Predicted latency of a space's candidates, from the latency table, segment by segment.

The table predicts a network as the sum of its units' times plus the interpreter's
overhead once, or the fitted intercept when the table has a correction
(archdsl.latency.predict). A unit never spans two stages (a conv fuses only
the BatchNorm and activation of its own block), so a candidate's prediction is the sum of
its segments' unit times, each segment predicted once, plus the overhead.
"""

from __future__ import annotations

from archdsl.ir.graph import Graph
from archdsl.latency.predict import MissingEntries, default_clock, predict, predict_layers
from archdsl.latency.table import Table, overhead_key
from archdsl.latency.units import Unit, distinct, units
from archdsl.space.figures import Segment, StageFigures


class SpaceLatency:
    """Predicted milliseconds of one inference (batch 1) of a space's candidates."""

    def __init__(self, stages: StageFigures, table: Table) -> None:
        self.stages = stages
        self.table = table
        self.clock = default_clock(table)
        self.overhead = table.ms(overhead_key(1), self.clock)
        correction = table.correction(1, self.clock)
        if correction is not None and self.overhead is not None:
            self.overhead = correction.intercept_ms
        self.cache: dict[int, float] = {}

    def missing(self) -> tuple[list[Unit], int]:
        """The layer configurations of the space's candidates the table lacks, and how many
        distinct ones the candidates have in all (only for spaces whose choices are all in
        the stages: the others are checked candidate by candidate)."""
        wanted: dict[str, Unit] = {}
        for segment in self.stages.reachable():
            wanted.update(distinct(units(segment.graph)))
        lacking = [unit for key, unit in wanted.items() if key not in self.table.entries]
        return lacking, len(wanted)

    def graphs(self) -> list[Graph]:
        """Graphs holding every layer configuration of the space (what calibrating needs)."""
        return [segment.graph for segment in self.stages.reachable()]

    def of_parts(self, parts: list[tuple[Segment, int]]) -> float:
        """A candidate's prediction from its segments; MissingEntries if the table lacks one."""
        if self.overhead is None:
            raise MissingEntries([])
        return self.overhead + sum(self._segment(part) * times for part, times in parts)

    def of_graph(self, graph: Graph) -> float:
        return predict(graph, self.table, clock=self.clock)

    def _segment(self, segment: Segment) -> float:
        found = self.cache.get(id(segment))
        if found is None:
            prediction = predict_layers(segment.graph, self.table, clock=self.clock)
            if prediction.missing:
                raise MissingEntries(prediction.missing)
            found = self.cache[id(segment)] = sum(prediction.layers.values())
        return found
