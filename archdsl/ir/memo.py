"""Lowered blocks remembered, to be replayed under another name.

A block's nodes depend on its type, its knobs, the spec-wide settings, its stride and
its input's shape, and on nothing else but its name (every node is called ``BLOCK_role``)
and its stage; only drop_path also reads where the block stands among the stages. A
stage's repeats after the first share all of that, and so do most blocks of the
candidates an architecture search compiles one after another. A ``Template`` is a
lowered block with its name and input taken out; ``GraphBuilder.replay`` puts them back.

A whole spec entry (every repeat of a stage, say) is remembered too, as an ``Entry``,
the second time it is expanded at the same place on the same input: a search's
candidates share most entries, and ``GraphBuilder.place`` appends it in one step.

The memo is bounded (least recently used out first) and shared by every expansion in
the process; ``clear()`` empties it (the benchmarks measure both ways).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from archdsl.ir.graph import BlockCost, Cost, Node, Shape
from archdsl.record import Record

CAPACITY = 4096  # templates and entries; a MnasNet-size network makes about 15 and 13


class Template(Record):
    """A lowered block relative to its name and input.

    Node ``i`` is named the block's name + ``roles[i]``; ``nodes[i]`` holds its (op, attrs,
    inputs, outputs, cost), where an input is ``None`` for the block's input and otherwise
    a suffix naming a node of the block. ``refs`` and ``shapes``: the suffix of every
    output reference (``_dw``, ``_split:1``) and its shape.
    """

    roles: tuple[str, ...]
    nodes: tuple[
        tuple[str, Mapping[str, Any], tuple[str | None, ...], tuple[Shape, ...], Cost], ...
    ]
    refs: tuple[str, ...]
    shapes: tuple[Shape, ...]
    output: str  # suffix of the block's output reference
    knobs: Mapping[str, Any]
    params: int
    macs: int
    channels: int  # the most channels of any node's first output (the --max-channels check)
    cost: BlockCost
    # Its nodes and its Block as placed before, by (name, input, stage[, source]): a search's
    # candidates put most blocks at the same place, and Nodes and Blocks never change.
    placed: dict[tuple[Any, ...], Any]
    blocks: dict[tuple[Any, ...], Any]


def template(
    nodes: list[Node], name: str, x: str, output: str, knobs: Mapping[str, Any], cost: BlockCost
) -> Template | None:
    """``nodes`` (one block's, all named ``name``...) as a Template; None if they read anything
    but the block's input and each other, or the output is not theirs."""
    size = len(name)
    made: set[str] = set()
    roles, entries, refs, shapes = [], [], [], []
    for node in nodes:
        if not node.name.startswith(name):
            return None
        inputs: list[str | None] = []
        for ref in node.inputs:
            if ref == x:
                inputs.append(None)
            elif ref.partition(":")[0] in made:
                inputs.append(ref[size:])
            else:
                return None
        made.add(node.name)
        role = node.name[size:]
        roles.append(role)
        entries.append((node.op, node.attrs, tuple(inputs), node.outputs, node.cost))
        if len(node.outputs) == 1:
            refs.append(role)
        else:
            refs.extend(f"{role}:{index}" for index in range(len(node.outputs)))
        shapes.extend(node.outputs)
    if output.partition(":")[0] not in made:
        return None
    params, macs, channels = _totals(nodes)
    return Template(
        tuple(roles),
        tuple(entries),
        tuple(refs),
        tuple(shapes),
        output[size:],
        knobs,
        params,
        macs,
        channels,
        cost,
        {},
        {},
    )


class Entry(Record):
    """A spec entry's blocks as placed before, every repeat: what ``GraphBuilder.place``
    appends and merges when the same entry comes again at the same place, with the same
    input, in one step instead of one replay per block."""

    nodes: tuple[Node, ...]
    names: dict[str, str]  # each node's name -> its block's name
    shapes: dict[str, Shape]  # each output reference -> its shape
    blocks: tuple[Any, ...]  # its Blocks, in order
    block_names: tuple[str, ...]
    costs: tuple[BlockCost, ...]
    params: int
    macs: int
    channels: int  # as Template.channels
    output: str


def entry_of(nodes: list[Node], blocks: list[Any], costs: list[BlockCost], output: str) -> Entry:
    """The nodes, Blocks and costs one entry appended, as an Entry."""
    shapes: dict[str, Shape] = {}
    for node in nodes:
        if len(node.outputs) == 1:
            shapes[node.name] = node.outputs[0]
        else:
            shapes.update((f"{node.name}:{i}", shape) for i, shape in enumerate(node.outputs))
    params, macs, channels = _totals(nodes)
    names = {node.name: node.block for node in nodes}
    block_names = tuple(block.name for block in blocks)
    return Entry(
        tuple(nodes),
        names,
        shapes,
        tuple(blocks),
        block_names,
        tuple(costs),
        params,
        macs,
        channels,
        output,
    )


def _totals(nodes: Sequence[Node]) -> tuple[int, int, int]:
    """Parameters, MACs, and the most channels of any node's first output: what the limits
    are checked on when remembered nodes are placed again (``GraphBuilder._fits``)."""
    params = macs = channels = 0
    for node in nodes:
        params += node.cost.trainable + node.cost.non_trainable
        macs += node.cost.macs
        if node.outputs[0]:
            channels = max(channels, node.outputs[0][-1])
    return params, macs, channels


PLACES = 64  # placements remembered per template


def placed(places: dict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
    """Remember a placement, forgetting all of them when there are too many."""
    if len(places) >= PLACES:
        places.clear()
    places[key] = value


class Memo:
    """Templates by key, least recently used out first beyond ``capacity``."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: Hashable, value: Any) -> None:
        self.entries[key] = value
        self.entries.move_to_end(key)
        if len(self.entries) > self.capacity:
            self.entries.popitem(last=False)

    def clear(self) -> None:
        self.entries.clear()


MEMO = Memo()
# Stored under a block's key when its lowering read the stage index: the template is then
# stored under the key extended by the index and the number of stage blocks.
STAGED = "staged"
# Stored under an entry's key the first time it is expanded: its Entry is made the second
# time (most entries of a network appear once; a search's candidates share many).
SEEN = "seen"


def clear() -> None:
    """Forget every remembered block (each expansion then lowers its blocks afresh)."""
    MEMO.clear()
