"""A candidate's figures from its stages, each stage compiled once per input shape and design.

A network's stages run one after another: a stage's layers, and so its parameters, MACs,
memory access and the peak of its live activations, depend only on the shape it receives
and its own entry. So a candidate's figures are sums (a maximum for the peak) of per-stage
figures, and a space of 10^13 candidates has only a few thousand distinct (shape, stage)
pairs: each is compiled and analyzed once, then looked up. Within a stage, the first layer
is one segment and the other layers (stride 1, fed its output) another, run n - 1 times;
the stem with the fixed stages before the first searched one is one segment, the last stage
with the head another. A test checks the figures against compiling and analyzing whole
candidates.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

from archdsl.analysis.analyze import analyze
from archdsl.compile import check_document
from archdsl.errors import SpecError
from archdsl.ir.expand import REPEATABLE, expand
from archdsl.ir.graph import Graph, Shape
from archdsl.record import Record
from archdsl.space.extremes import layer_designs, substitute
from archdsl.space.space import Assignment, Space
from archdsl.spec.document import Document
from archdsl.spec.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class Segment:
    """What one run of entries hands on and costs, fed a given shape."""

    output: Shape
    params: int
    macs: int
    memory_access: int
    peak_bytes: int
    graph: Graph


class Entries(Record):
    """What one segment compiles."""

    stem: list[Any]
    stages: list[Any]
    head: list[Any]
    depth: bool = True  # the depth multiplier applies (not to a stage's layers split apart)
    last: bool = False  # the network ends here (its pooling, if any, comes after)


# A segment of a stage's plan: its cache key, its entries, and how many times it runs.
Run = tuple[str, Entries, int]


class StageFigures:
    """Figures of candidates of ``space`` without compiling whole networks.

    ``applies`` is False when a choice lies outside the stages (a param, the stem, the
    head): then every candidate is a different network throughout, and callers compile it.
    """

    def __init__(self, space: Space, limits: Limits = DEFAULT_LIMITS) -> None:
        self.space = space
        self.limits = limits
        self.applies = all(choice.block is not None for choice in space.choices)
        self.segments: dict[tuple[Shape, str], Segment | None] = {}
        self.plans: dict[tuple[int, tuple[int, ...]], list[Run]] = {}
        if not self.applies:
            return
        base = {choice.name: 0 for choice in space.choices}
        self.resolved = check_document(space.resolve(base)).data
        self.params = self.resolved["params"]
        count = len(space.doc.data["stages"])  # the space's stages (not the layers)
        self.first = min(choice.block for choice in space.choices if choice.block is not None)
        # (stage, its choices' names); stage -1 stands for the stem and the stages before
        # the first searched one
        self.stages = [(-1, ())] + [
            (stage, tuple(c.name for c in space.choices if c.block == stage))
            for stage in range(self.first, count)
        ]

    def figures(self, assignment: Assignment) -> dict[str, int] | None:
        """params, macs, memory (peak activation bytes) and memory_access of a candidate;
        None when a stage cannot compile (compile the candidate to learn why)."""
        parts = self.parts(assignment)
        return None if parts is None else totals(parts)

    def parts(self, assignment: Assignment) -> list[tuple[Segment, int]] | None:
        """The candidate's segments in order, each with how many times it runs."""
        shape: Shape = tuple(self.resolved["input"])
        parts = []
        for stage, names in self.stages:
            options = self._options(names, assignment)
            plan = self.plans.get((stage, options))
            if plan is None:
                plan = self.plans[(stage, options)] = self.plan(stage, assignment)
            for key, entries, times in plan:
                segment = self.segment(shape, key, entries)
                if segment is None:
                    return None
                parts.append((segment, times))
                shape = segment.output
        return parts

    def _options(self, names: tuple[str, ...], assignment: Assignment) -> tuple[int, ...]:
        """The options a stage's choices take; -1 for a choice not made (a layer the
        stage lacks), so candidates that differ only there share one plan."""
        if not names or self.space.by_name[names[0]].block not in self.space.per_layer:
            return tuple(assignment[name] for name in names)
        by_name = self.space.by_name
        layers = self.space.layers(by_name[names[0]].block or 0, assignment)
        return tuple(assignment[name] if by_name[name].layer <= layers else -1 for name in names)

    def segment(self, shape: Shape, key: str, entries: Entries) -> Segment | None:
        """The segment ``entries`` make fed ``shape`` (compiled once; None if they cannot)."""
        segment = self.segments.get((shape, key), False)
        if segment is False:
            segment = self.segments[(shape, key)] = self._compile(shape, entries)
        return segment

    def plan(self, stage: int, assignment: Assignment) -> list[Run]:
        """The runs of entries ``stage`` makes under ``assignment``."""

        def group(index: int) -> list[Any]:
            entries = self.space.stage_group(assignment, index)
            return [substitute(entry, self.params) for entry in entries]

        last = len(self.space.doc.data["stages"]) - 1
        head = self.resolved.get("head") or []
        if stage == -1:
            before = [entry for index in range(self.first) for entry in group(index)]
            runs = [(Entries(self.resolved.get("stem") or [], before, []), 1)]
        elif stage == last and stage not in self.space.per_layer:
            runs = [(Entries([], group(stage), head, last=True), 1)]
        else:
            runs = [run for entry in group(stage) for run in self.layers(entry)]
            if stage == last:  # a per-layer last stage: its layers, then the head alone
                runs.append((Entries([], [], head, last=True), 1))
        return [
            (json.dumps(entries, sort_keys=True, default=str), entries, times)
            for entries, times in runs
            if times > 0 and (entries.stem or entries.stages or entries.head)
        ]

    def layers(self, entry: dict[str, Any]) -> list[tuple[Entries, int]]:
        """A stage as its first layer and its other layers (stride 1), as expansion unrolls
        it: ``repeats`` times the depth multiplier, rounded up."""
        ((kind, knobs),) = entry.items()
        if kind not in REPEATABLE or not isinstance(knobs, dict):
            return [(Entries([], [entry], []), 1)]
        knobs = {k: v for k, v in knobs.items() if k != "continues"}  # compiled alone
        count = math.ceil(int(knobs.get("repeats", 1)) * float(self.params["depth"]))
        first = {kind: {**knobs, "repeats": 1}}
        more = {kind: {**knobs, "repeats": 1, "stride": 1}}
        return [
            (Entries([], [first], [], depth=False), 1),
            (Entries([], [more], [], depth=False), count - 1),
        ]

    def _compile(self, shape: Shape, entries: Entries) -> Segment | None:
        params = dict(self.params)
        if not entries.last:  # the network's pooling, if any, comes after the head
            params["pooling"] = "none"
        if not entries.depth:
            params["depth"] = 1.0
        data = {
            **self.resolved,
            "params": params,
            "input": list(shape),
            "stem": entries.stem,
            "stages": entries.stages,
            "head": entries.head,
        }
        try:
            graph = expand(Document(data, self.space.doc.file, self.space.doc.text), self.limits)
        except SpecError:
            return None
        result = analyze(graph)
        return Segment(
            result.output_shape,
            result.total.params,
            result.total.macs,
            result.total.memory_access,
            result.peak_activation_bytes,
            graph,
        )

    def reachable(self) -> list[Segment]:
        """Every segment some candidate runs: the stages walked in order, each with every
        design it can take, fed every shape the stages before it can hand on."""
        base: Assignment = {choice.name: 0 for choice in self.space.choices}
        shapes: set[Shape] = {tuple(self.resolved["input"])}
        found: dict[tuple[Shape, str], Segment] = {}
        for stage, names in self.stages:
            if stage in self.space.per_layer:
                shapes = self._reachable_layers(stage, base, shapes, found)
                continue
            choices = [self.space.by_name[name] for name in names]
            outputs: set[Shape] = set()
            for combo in itertools.product(*(range(c.size) for c in choices)):
                assignment = {**base, **dict(zip(names, combo, strict=True))}
                if any(
                    i and not self.space.is_active(c, assignment)
                    for c, i in zip(choices, combo, strict=True)
                ):
                    continue  # the same design as option 0 of a choice its op does not make
                plan = self.plans.get((stage, combo))
                if plan is None:
                    plan = self.plans[(stage, combo)] = self.plan(stage, assignment)
                for shape in shapes:
                    current = shape
                    for key, entries, _ in plan:
                        segment = self.segment(current, key, entries)
                        if segment is None:
                            break
                        found[(current, key)] = segment
                        current = segment.output
                    else:
                        outputs.add(current)
            shapes = outputs
        return list(found.values())

    def _reachable_layers(
        self,
        stage: int,
        base: Assignment,
        shapes: set[Shape],
        found: dict[tuple[Shape, str], Segment],
    ) -> set[Shape]:
        """A stage with per-layer choices, walked layer by layer (not design by design:
        its designs multiply with its layers); then the head if it is the last stage."""
        outputs: set[Shape] = set()
        for plan in layer_designs(self.space, stage, base, self.params):
            current = set(shapes)
            for entries in plan:
                reached: set[Shape] = set()
                for shape in current:
                    for entry in entries:
                        reached |= self._reach(shape, Entries([], [entry], [], depth=False), found)
                current = reached
            outputs |= current
        if stage == len(self.space.doc.data["stages"]) - 1 and self.resolved.get("head"):
            head = Entries([], [], self.resolved["head"], last=True)
            return {out for shape in outputs for out in self._reach(shape, head, found)}
        return outputs

    def _reach(
        self, shape: Shape, entries: Entries, found: dict[tuple[Shape, str], Segment]
    ) -> set[Shape]:
        key = json.dumps(entries, sort_keys=True, default=str)
        segment = self.segment(shape, key, entries)
        if segment is None:
            return set()
        found[(shape, key)] = segment
        return {segment.output}


def totals(parts: list[tuple[Segment, int]]) -> dict[str, int]:
    """A candidate's figures from its segments: sums, and the largest peak."""
    return {
        "params": sum(part.params * times for part, times in parts),
        "macs": sum(part.macs * times for part, times in parts),
        "memory": max(part.peak_bytes for part, _ in parts),
        "memory_access": sum(part.memory_access * times for part, times in parts),
    }
