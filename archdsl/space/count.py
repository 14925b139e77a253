"""How large a space is, factorized and flat, as exact integers.

Two counts: as the MnasNet paper counts (every option of every choice, S = 4 x 2 x 2 x
3 x 3 x 3 = 432 per block) and the distinct designs (a choice not taken by the block's op
is not made; options that round to the same value count once).

Factorized: each block takes one layer design for all its layers, so a space has the
product of its blocks' counts. Flat: every layer takes its own design (all but the number
of layers), as the per-layer space of the same network would; a block with n layers then
has designs^n, summed over its choices of n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archdsl.space.choices import Choice
from archdsl.space.space import Space
from archdsl.spec.schema import block_knobs


@dataclass(frozen=True)
class GroupCount:
    """The choices of one stage (or the global ones, stage None) and how many designs."""

    stage: int | None
    choices: tuple[Choice, ...]
    paper: int  # every option of every choice
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
    layer = tuple(c for c in choices if c is not repeats)
    paper_layer = math.prod(c.size for c in layer)
    distinct_layer = _distinct(space, stage, layer)
    if stage is None:
        return GroupCount(None, choices, paper_layer, distinct_layer, paper_layer, distinct_layer)
    counts = list(repeats.options) if repeats else [_fixed_repeats(space, stage)]
    distinct_counts = sorted(set(counts))
    return GroupCount(
        stage,
        choices,
        paper_layer * len(counts),
        distinct_layer * len(distinct_counts),
        sum(paper_layer ** int(n) for n in counts),
        sum(distinct_layer ** int(n) for n in distinct_counts),
    )


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


def _fixed_repeats(space: Space, stage: int) -> int:
    entry = space.doc.data["stages"][stage]
    body = entry.get("block") if "block" in entry else next(iter(entry.values()))
    repeats = body.get("repeats", 1) if isinstance(body, dict) else 1
    return repeats if isinstance(repeats, int) and not isinstance(repeats, bool) else 1
