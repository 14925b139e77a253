"""How large a space is, factorized and flat, as exact integers.

Two counts: as the MnasNet paper counts (every option of every choice, S = 4 x 2 x 2 x
3 x 3 x 3 = 432 per block) and the distinct designs (a choice not taken by the block's op
is not made; options that round to the same value count once).

Factorized: each block takes one layer design for all its layers, so a space has the
product of its blocks' counts; a choice the spec makes per layer (``per: layer``), of k
options in a block of n layers, contributes k^n, summed over the block's choices of n.
Flat: every layer takes its own design (all but the number of layers), as the per-layer
space of the same network would; a block with n layers then has designs^n, summed over
its choices of n. A space whose every choice is per layer is its own flat space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archdsl.space.choices import Choice
from archdsl.space.space import SearchedBlock, Space
from archdsl.spec.schema import block_knobs


@dataclass(frozen=True)
class GroupCount:
    """The choices of one stage (or the global ones, stage None) and how many designs."""

    stage: int | None
    choices: tuple[Choice, ...]
    paper: int  # every option of every choice
    designs: int  # as the paper's S: the product of the choices' sizes, each written once
    distinct: int  # ops' knobs only, equal values once
    flat_paper: int
    flat_distinct: int


@dataclass(frozen=True)
class SpaceCount:
    groups: tuple[GroupCount, ...]

    @property
    def paper(self) -> int:
        return math.prod(g.paper for g in self.groups)

    @property
    def distinct(self) -> int:
        return math.prod(g.distinct for g in self.groups)

    @property
    def flat_paper(self) -> int:
        return math.prod(g.flat_paper for g in self.groups)

    @property
    def flat_distinct(self) -> int:
        return math.prod(g.flat_distinct for g in self.groups)


def count_space(space: Space) -> SpaceCount:
    stages: dict[int | None, list[Choice]] = {}
    for choice in space.choices:
        stages.setdefault(choice.block, []).append(choice)
    return SpaceCount(tuple(_group(space, stage, tuple(cs)) for stage, cs in stages.items()))


def _group(space: Space, stage: int | None, choices: tuple[Choice, ...]) -> GroupCount:
    repeats = next((c for c in choices if c.knob == "repeats" and stage is not None), None)
    # one choice stands for each per-layer knob (its first layer's)
    layer = tuple(c for c in choices if c is not repeats and c.layer <= 1)
    paper_layer = math.prod(c.size for c in layer)
    distinct_layer = _distinct(space, stage, layer)
    if stage is None:
        return GroupCount(
            None, choices, paper_layer, paper_layer, distinct_layer, paper_layer, distinct_layer
        )
    counts = [int(n) for n in repeats.options] if repeats else [space.layers(stage, {})]
    distinct_counts = sorted(set(counts))
    shared = tuple(c for c in layer if not c.layer)
    each = tuple(c for c in layer if c.layer)
    paper_shared, paper_each = math.prod(c.size for c in shared), math.prod(c.size for c in each)
    return GroupCount(
        stage,
        choices,
        sum(paper_shared * paper_each**n for n in counts),
        paper_layer * len(counts),
        sum(_distinct_layered(space, stage, shared, each, n) for n in distinct_counts),
        sum(paper_layer**n for n in counts),
        sum(distinct_layer**n for n in distinct_counts),
    )


def _distinct_layered(
    space: Space, stage: int, shared: tuple[Choice, ...], each: tuple[Choice, ...], n: int
) -> int:
    """Distinct designs of a block of n layers whose ``each`` choices are made per layer."""
    if not each:
        return _distinct(space, stage, shared)
    block = space.blocks.get(stage)
    op = next((c for c in each if c.knob == "op"), None)
    if block is None or op is None:  # the op is the block's: a choice per block, or fixed
        op_choice = next((c for c in shared if c.knob == "op"), None)
        names: list[str | None] = [block.op if block and isinstance(block.op, str) else None]
        if op_choice is not None:
            names = [str(o) for o in dict.fromkeys(op_choice.options)]
        total = 0
        for name in names:
            takes = _takes(space, block, name)
            once = math.prod(_values(c) for c in shared if c.knob != "op" and c.knob in takes)
            per = math.prod(_values(c) for c in each if c.knob in takes)
            total += once * per**n
        return total
    # each layer takes its own op: a layer's own choices are made when its op takes them,
    # the block's shared ones when the op of one of its layers does (Space.is_active); so
    # count op sequences by the shared knobs they take
    taken: dict[frozenset[str], int] = {frozenset(): 1}
    for _ in range(n):
        step: dict[frozenset[str], int] = {}
        for name in dict.fromkeys(map(str, op.options)):
            takes = _takes(space, block, name)
            own = math.prod(_values(c) for c in each if c is not op and c.knob in takes)
            knobs = frozenset(c.knob for c in shared if c.knob in takes)
            for before, ways in taken.items():
                step[before | knobs] = step.get(before | knobs, 0) + ways * own
        taken = step
    return sum(
        ways * math.prod(_values(c) for c in shared if c.knob in knobs)
        for knobs, ways in taken.items()
    )


def _takes(space: Space, block: SearchedBlock | None, op: str | None) -> set[str]:
    """The knobs a layer of ``op`` makes choices for (all, outside a searched block)."""
    if block is None or op is None:
        return {c.knob for c in space.choices}
    return set(block_knobs(space.op_type(op)))


def _values(choice: Choice) -> int:
    return len(set(map(repr, choice.options)))


def _distinct(space: Space, stage: int | None, choices: tuple[Choice, ...]) -> int:
    def values(choice: Choice) -> int:
        return len(set(map(repr, choice.options)))

    block = space.blocks.get(stage) if stage is not None else None
    op = next((c for c in choices if c.knob == "op"), None)
    if block is None or op is None:
        return math.prod(values(c) for c in choices)
    others = [c for c in choices if c is not op]
    total = 0
    for name in dict.fromkeys(map(str, op.options)):
        takes = block_knobs(space.op_type(name))
        total += math.prod(values(c) for c in others if c.knob in takes)
    return total
