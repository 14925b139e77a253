"""The smallest and largest parameters and MACs over a space, exactly, without enumerating.

A stage's counts depend only on the shape it receives and the design it takes, and its
output shape only on those too. So the network is walked stage by stage, keeping for each
shape a stage can hand on the least and most parameters and MACs that reach it: a few
thousand one-stage compiles instead of 10^13 networks.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

from archdsl.compile import check_document
from archdsl.errors import SpecError
from archdsl.ir.expand import expand
from archdsl.ir.graph import Graph, Shape
from archdsl.space.space import Assignment, Space
from archdsl.spec.document import Document
from archdsl.spec.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class Extremes:
    params: tuple[int, int]
    macs: tuple[int, int]


Bounds = tuple[int, int, int, int]  # least params, most params, least MACs, most MACs


def extremes(space: Space, limits: Limits = DEFAULT_LIMITS) -> Extremes | None:
    """The range of params and MACs, or None when a choice lies outside the stages."""
    if any(choice.block is None for choice in space.choices):
        return None
    base: Assignment = {choice.name: 0 for choice in space.choices}
    resolved = check_document(space.resolve(base)).data
    walk = _Walk(space, resolved, limits)
    steps = sorted({choice.block for choice in space.choices if choice.block is not None})
    # each stage's entry by its index in the space (a stage with per-layer choices, which
    # becomes several entries, is walked from its designs, never read here)
    stages = [substitute(group[0], resolved["params"]) for group in space.stage_entries(base)]
    shape, (params, macs) = walk.run(
        tuple(resolved["input"]), resolved.get("stem") or [], stages[: steps[0]], []
    )
    states: dict[Shape, Bounds] = {shape: (params, params, macs, macs)}
    for position, stage in enumerate(steps):
        last = position == len(steps) - 1
        following = stages[stage + 1 : len(stages) if last else steps[position + 1]]
        head = (resolved.get("head") or []) if last else []
        nxt: dict[Shape, Bounds] = {}
        if stage in space.per_layer:
            plans = layer_designs(space, stage, base, resolved["params"])
            for in_shape, bounds in states.items():
                for out, cost in walk.layered(in_shape, plans, following, head):
                    _widen(nxt, out, _add(bounds, cost))
        else:
            designs = _designs(space, stage, base, resolved["params"])
            for in_shape, bounds in states.items():
                for layer, repeats in designs:
                    for out, (p, m) in walk.stage(in_shape, layer, repeats, following, head):
                        _widen(nxt, out, _add(bounds, (p, p, m, m)))
        states = nxt
    if not states:
        return None
    values = list(states.values())
    return Extremes(
        (min(v[0] for v in values), max(v[1] for v in values)),
        (min(v[2] for v in values), max(v[3] for v in values)),
    )


def _add(a: Bounds, b: Bounds) -> Bounds:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])


def _widen(states: dict[Shape, Bounds], shape: Shape, new: Bounds) -> None:
    """Keep the least and most params and MACs that reach ``shape``."""
    old = states.get(shape, new)
    states[shape] = (
        min(old[0], new[0]),
        max(old[1], new[1]),
        min(old[2], new[2]),
        max(old[3], new[3]),
    )


class _Walk:
    """One-stage compiles, cached: a stage of n layers costs its first layer, then n - 1
    times a stride-1 layer fed the first one's output."""

    def __init__(self, space: Space, resolved: dict[str, Any], limits: Limits) -> None:
        self.space = space
        self.resolved = resolved
        self.limits = limits
        self.depth = float(resolved["params"]["depth"])
        self.cache: dict[str, tuple[Shape, tuple[int, int]] | None] = {}

    def stage(
        self,
        shape: Shape,
        layer: dict[str, Any],
        repeats: list[int],
        following: list[Any],
        head: list[Any],
    ) -> list[tuple[Shape, tuple[int, int]]]:
        kind, knobs = next(iter(layer.items()))
        first = self.cached(shape, [{kind: {**knobs, "repeats": 1}}])
        if first is None:
            return []  # a design this input cannot take: no candidate has it
        out, (params, macs) = first
        more = (
            self.cached(out, [{kind: {**knobs, "repeats": 1, "stride": 1}}])
            if max(repeats) > 1
            else None
        )
        results = []
        for count in sorted(set(math.ceil(r * self.depth) for r in repeats)):
            if count > 1 and more is None:
                continue
            extra = (
                (count - 1) * more[1][0] if count > 1 else 0,
                (count - 1) * more[1][1] if count > 1 else 0,
            )
            rest = self.cached(out, following, head) if following or head else (out, (0, 0))
            if rest is not None:
                results.append(
                    (rest[0], (params + extra[0] + rest[1][0], macs + extra[1] + rest[1][1]))
                )
        return results

    def layered(
        self, shape: Shape, plans: list[list[list[Any]]], following: list[Any], head: list[Any]
    ) -> list[tuple[Shape, Bounds]]:
        """A stage with per-layer choices, walked layer by layer: for each of its shared
        designs (``plans``), the entries each of its layers can take."""
        results = []
        for plan in plans:
            states: dict[Shape, Bounds] = {shape: (0, 0, 0, 0)}
            for entries in plan:
                nxt: dict[Shape, Bounds] = {}
                for current, bounds in states.items():
                    for entry in entries:
                        found = self.cached(current, [entry])
                        if found is not None:
                            out, (p, m) = found
                            _widen(nxt, out, _add(bounds, (p, p, m, m)))
                states = nxt
            for current, bounds in states.items():
                rest = self.cached(current, following, head) if following or head else None
                if rest is None and (following or head):
                    continue
                out, (p, m) = rest if rest is not None else (current, (0, 0))
                results.append((out, _add(bounds, (p, p, m, m))))
        return results

    def cached(
        self, shape: Shape, stages: list[Any], head: list[Any] | None = None
    ) -> tuple[Shape, tuple[int, int]] | None:
        key = json.dumps([shape, stages, head], sort_keys=True, default=str)
        if key not in self.cache:
            try:
                self.cache[key] = self.run(shape, [], stages, head or [])
            except SpecError:
                self.cache[key] = None
        return self.cache[key]

    def run(
        self, shape: Shape, stem: list[Any], stages: list[Any], head: list[Any]
    ) -> tuple[Shape, tuple[int, int]]:
        """Output shape, params and MACs of these entries alone, fed ``shape``."""
        data = {**self.resolved, "input": list(shape), "stem": stem, "stages": stages, "head": head}
        graph = expand(Document(data, self.space.doc.file, self.space.doc.text), self.limits)
        return _totals(graph)


def _totals(graph: Graph) -> tuple[Shape, tuple[int, int]]:
    """Output shape, parameters and MACs (each node's cost was worked out as it was built)."""
    params = sum(node.cost.trainable + node.cost.non_trainable for node in graph.nodes)
    macs = sum(node.cost.macs for node in graph.nodes)
    return graph.nodes[-1].outputs[0], (params, macs)


def _designs(
    space: Space, stage: int, base: Assignment, params: dict[str, Any]
) -> list[tuple[dict[str, Any], list[int]]]:
    """Every distinct layer design the stage can take ($params substituted), with the
    numbers of layers it may repeat."""
    choices = [c for c in space.choices if c.block == stage]
    seen: dict[str, tuple[dict[str, Any], list[int]]] = {}
    for combo in itertools.product(*(range(c.size) for c in choices)):
        assignment = {**base, **{c.name: i for c, i in zip(choices, combo, strict=True)}}
        if any(
            i and not space.is_active(c, assignment) for c, i in zip(choices, combo, strict=True)
        ):
            continue  # the same design as option 0 of a choice its op does not make
        entry = substitute(space.stage_entries(assignment)[stage][0], params)
        kind, knobs = next(iter(entry.items()))
        repeats = int(knobs.get("repeats", 1))
        layer = {kind: {k: v for k, v in knobs.items() if k != "repeats"}}
        key = json.dumps(layer, sort_keys=True, default=str)
        seen.setdefault(key, (layer, []))[1].append(repeats)
    return list(seen.values())


def layer_designs(
    space: Space, stage: int, base: Assignment, params: dict[str, Any]
) -> list[list[list[Any]]]:
    """A stage with per-layer choices: for each design of its shared choices, the distinct
    entries each of its layers can take ($params substituted, without ``continues``)."""
    choices = [c for c in space.choices if c.block == stage]
    shared = [c for c in choices if not c.layer]
    plans = []
    for combo in itertools.product(*(range(c.size) for c in shared)):
        assignment = {**base, **{c.name: i for c, i in zip(shared, combo, strict=True)}}
        if any(
            i and not space.is_active(c, assignment) for c, i in zip(shared, combo, strict=True)
        ):
            continue
        plan = []
        for layer in range(1, space.layers(stage, assignment) + 1):
            own = [c for c in choices if c.layer == layer]
            seen: dict[str, Any] = {}
            for picks in itertools.product(*(range(c.size) for c in own)):
                chosen = {**assignment, **{c.name: i for c, i in zip(own, picks, strict=True)}}
                if any(
                    i and not space.is_active(c, chosen) for c, i in zip(own, picks, strict=True)
                ):
                    continue
                entry = single_layer(space.stage_entries(chosen)[stage][layer - 1], params)
                seen.setdefault(json.dumps(entry, sort_keys=True, default=str), entry)
            plan.append(list(seen.values()))
        plans.append(plan)
    return plans


def single_layer(entry: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """One layer of a per-layer stage as an entry of its own: $params substituted, and
    not continuing a stage (it is compiled alone)."""
    ((kind, knobs),) = substitute(entry, params).items()
    return {kind: {k: v for k, v in knobs.items() if k != "continues"}}


def substitute(node: Any, params: dict[str, Any]) -> Any:
    """``node`` with each ``$param`` replaced by its value."""
    if isinstance(node, str) and node.startswith("$") and node[1:] in params:
        return params[node[1:]]
    if isinstance(node, dict):
        return {key: substitute(value, params) for key, value in node.items()}
    if isinstance(node, list):
        return [substitute(value, params) for value in node]
    return node
