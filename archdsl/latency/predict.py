"""Predicted latency: the table's unit times, corrected as fitted on whole networks.

Pure Python. Each table entry is the time (fastest run) of one invoke of a model
holding only that unit; such an invoke also pays the interpreter's fixed cost per inference (entering
the runtime, walking the execution plan, returning), which a whole network pays once, not
once per layer. So a unit costs its entry minus the overhead entry (the time of an almost
empty model, never below 0), and the network costs the sum of its units plus the overhead
once. A table's first calibration also fits a correction (``archdsl.latency.correction``)
for what timing a unit alone still misses: then each unit costs its kind's scale times its
own time plus a per-unit term and a term per multiply-add, and the network adds the fitted
intercept instead of the overhead (a table calibrated with ``--no-fit`` has none). Fusion
is accounted for by the units themselves: a conv's BatchNorm and activation are measured
inside it, as the converter fuses them.
"""

from __future__ import annotations

from typing import NamedTuple

from archdsl.ir.graph import Graph
from archdsl.latency.table import Table, overhead_key
from archdsl.latency.units import Unit, units


class MissingEntries(Exception):
    """The table lacks some of the network's unit configurations."""

    def __init__(self, missing: list[Unit]) -> None:
        super().__init__(f"the latency table lacks {len(missing)} layer configurations")
        self.missing = missing


class Prediction(NamedTuple):  # not a dataclass: see errors.Location
    """Milliseconds per layer (the unit's time on its head, 0 on what is fused into it),
    and the units the table lacks (one per distinct key)."""

    layers: dict[str, float]
    fused_into: dict[str, str]
    overhead_ms: float
    clock: str
    missing: list[Unit]
    corrected: bool  # by the table's fitted correction (overhead_ms is its intercept)

    @property
    def total_ms(self) -> float:
        return sum(self.layers.values()) + self.overhead_ms

    def sum_ms(self, names: list[str]) -> float:
        return sum(self.layers.get(name, 0.0) for name in names)


def default_clock(table: Table) -> str:
    """CPU time of the interpreter's thread for a 1-thread table (other processes on a shared
    machine inflate wall-clock time, not this), else wall-clock time."""
    return "cpu" if table.identity.threads == 1 else "wall"


def predict_layers(
    graph: Graph, table: Table, batch: int = 1, clock: str | None = None
) -> Prediction:
    """Per-layer predicted times; units the table lacks are listed once per distinct key in
    ``missing`` (and count 0). The table's correction for ``batch`` and ``clock`` applies
    when it has one. ``clock`` is 'wall' or 'cpu' (default: ``default_clock``)."""
    clock = clock or default_clock(table)
    overhead = table.ms(overhead_key(batch), clock)
    correction = table.correction(batch, clock)
    missing: list[Unit] = []
    layers: dict[str, float] = {}
    fused: dict[str, str] = {}
    for unit in units(graph, batch):
        for node in unit.nodes[1:]:
            fused[node.name] = unit.head
            layers[node.name] = 0.0
        if unit.free:
            layers[unit.head] = 0.0
            continue
        ms = table.ms(unit.key, clock)
        if ms is None or overhead is None:
            if all(other.key != unit.key for other in missing):
                missing.append(unit)
            ms = overhead or 0.0
        own = max(0.0, ms - (overhead or 0.0))
        layers[unit.head] = correction.unit_ms(unit, own) if correction else own
    fixed = correction.intercept_ms if correction else overhead or 0.0
    return Prediction(layers, fused, fixed, clock, missing, correction is not None)


def predict(graph: Graph, table: Table, batch: int = 1, clock: str | None = None) -> float:
    """Predicted milliseconds of one inference of ``graph``; MissingEntries if the table
    lacks a unit (``archdsl latency calibrate`` fills it)."""
    prediction = predict_layers(graph, table, batch, clock)
    if prediction.missing:
        raise MissingEntries(prediction.missing)
    return prediction.total_ms
