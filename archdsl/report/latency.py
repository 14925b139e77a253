"""Predicted latency as the reports show it: per layer, per block and stage, and in total."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from archdsl.analysis.analyze import Analysis, GroupStats
from archdsl.ir.graph import Node
from archdsl.latency.predict import Prediction
from archdsl.latency.table import Identity

CLOCKS = {
    "cpu": "CPU time of the interpreter's thread (not inflated by other processes)",
    "wall": "wall-clock time",
}


class Latency(NamedTuple):  # not a dataclass: see errors.Location
    prediction: Prediction
    identity: Identity
    table: Path | None

    def layer_ms(self, layer: Node) -> float:
        return self.prediction.layers.get(layer.name, 0.0)

    def fused_into(self, layer: Node) -> str | None:
        return self.prediction.fused_into.get(layer.name)

    def group_ms(self, analysis: Analysis, group: GroupStats) -> float:
        by_stage = group.kind == "stage"
        return sum(
            self.layer_ms(layer)
            for layer in analysis.layers
            if (layer.stage if by_stage else layer.block) == group.name
        )

    @property
    def total_ms(self) -> float:
        return self.prediction.total_ms

    def total_lines(self) -> list[tuple[str, str]]:
        """(label, value) lines of the summary's totals."""
        p = self.prediction
        return [
            (
                "Latency",
                f"{p.total_ms:.3f} ms predicted = layers {p.total_ms - p.overhead_ms:.3f}"
                f" + per-inference overhead {p.overhead_ms:.3f}"
                + (" (the table's fitted correction)" if p.corrected else ""),
            ),
            ("  table of", self.identity.describe()),
            ("  clock", CLOCKS[p.clock]),
        ]

    def record(self) -> dict[str, Any]:
        p = self.prediction
        return {
            "total_ms": p.total_ms,
            "overhead_ms": p.overhead_ms,
            "clock": p.clock,
            "runtime": self.identity.runtime,
            "threads": self.identity.threads,
            "machine": dict(self.identity.machine),
            "table": str(self.table) if self.table else None,
        }
