"""The Graph: one frozen, topologically ordered list of primitive layers.

Every backend (analyzer, Keras, graphviz) reads this and nothing else, so they cannot
disagree about what a spec means. Node names become Keras layer names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from archdsl.record import Record

Shape = tuple[int, ...]  # without the batch dimension: (H, W, C) or (units,)

BYTES_PER_VALUE = 4  # fp32


class Cost(Record):
    """What a node, a block or a whole network costs.

    Parameters as Keras counts them (BatchNorm's moving mean and variance are
    non-trainable), MACs as the papers count them, the fp32 bytes of the outputs for one
    image, and ShuffleNetV2's memory access cost (MAC, not to be confused with MACs): the
    values a layer reads and writes, inputs + outputs + weights, for one image. A
    NamedTuple rather than a dataclass: one is made per node, and a search compiles
    thousands of networks a second.
    """

    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    activation_bytes: int = 0
    memory_access: int = 0

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def memory_access_bytes(self) -> int:
        return self.memory_access * BYTES_PER_VALUE

    def __add__(self, other: tuple[int, ...]) -> Cost:  # type: ignore[override]
        return Cost(
            self.trainable + other[0],
            self.non_trainable + other[1],
            self.macs + other[2],
            self.activation_bytes + other[3],
            self.memory_access + other[4],
        )


FREE = Cost()


class BlockCost(Record):
    """One block's layers added up while the Graph is built, so the analyzer need not.

    ``peak``: the most activation memory alive at once while the block runs, above what
    was alive before it other than its input; the input counts until its last use in the
    block. ``peak_kept``: the same when the input stays alive (a network output).
    ``input_bytes``: the input's memory. The block's output lives on after it.
    """

    layers: int
    cost: Cost
    output_shape: Shape
    input_bytes: int
    peak: int
    peak_kept: int


def block_cost(nodes: Sequence[Node], x: str | None, input_bytes: int, output: str) -> BlockCost:
    """A block's figures from its nodes (all of them, consecutive), its input and output."""
    source = x.partition(":")[0] if x else None
    last_use: dict[str, int] = {}
    for index, node in enumerate(nodes):
        for ref in node.inputs:
            last_use[ref.partition(":")[0]] = index
    kept_output, _, output_index = output.partition(":")
    trainable = non_trainable = macs = memory = access = 0
    frees: dict[int, int] = {}
    live = live_kept = input_bytes
    peak = peak_kept = 0
    for index, node in enumerate(nodes):
        cost = node.cost
        trainable += cost[0]
        non_trainable += cost[1]
        macs += cost[2]
        memory += cost[3]
        access += cost[4]
        live += cost[3]
        live_kept += cost[3]
        peak = max(peak, live)
        peak_kept = max(peak_kept, live_kept)
        if node.name != kept_output:
            end = last_use.get(node.name, index)
            frees[end] = frees.get(end, 0) + cost[3]
        freed = frees.pop(index, 0)
        live -= freed
        live_kept -= freed
        if source is not None and last_use.get(source) == index:
            live -= input_bytes
    total = Cost(trainable, non_trainable, macs, memory, access)
    shape = next(node for node in nodes if node.name == kept_output).outputs[int(output_index or 0)]
    return BlockCost(len(nodes), total, shape, input_bytes, peak, peak_kept)


class Node(Record):
    """One primitive layer.

    ``inputs`` are references to earlier nodes: a name, or ``name:i`` for output ``i`` of a
    node with several outputs (only ``split``). ``block`` and ``stage`` say where in the
    spec the node came from. ``outputs`` (its output shapes) and ``cost`` are worked out
    once, by the op table while the Graph is built; the analyzer adds them up, and no
    backend recomputes them.
    """

    name: str
    op: str
    attrs: Mapping[str, Any]
    inputs: tuple[str, ...]
    block: str
    stage: str
    outputs: tuple[Shape, ...] = ()
    cost: Cost = FREE

    @property
    def output_shape(self) -> Shape:
        return self.outputs[0]


class Block(Record):  # not a dataclass: see errors.Location
    """One unrolled block of the spec: what the papers draw as a box.

    ``knobs`` are its resolved settings (filters after width scaling, stride of this
    repeat, expanded and SE channels), which drawers use for labels. ``source`` is the
    block's path in the spec document.
    """

    name: str
    type: str
    stage: str
    knobs: Mapping[str, Any]
    inputs: tuple[str, ...]
    output: str
    source: tuple[str | int, ...]


class Graph:
    """A network: its nodes in order, the blocks they came from, and its parameters.

    Frozen: its attributes cannot be set. A plain class rather than a frozen dataclass (see
    errors.Location): importing dataclasses costs about 9 ms of every first run.
    """

    __slots__ = (
        "name",
        "title",
        "input_shape",
        "nodes",
        "blocks",
        "params",
        "named_outputs",
        "warnings",
        "costs",
        "_index",
    )
    # What equality compares: not warnings nor costs, which follow from these.
    _COMPARED = ("name", "title", "input_shape", "nodes", "blocks", "params", "named_outputs")

    def __init__(
        self,
        name: str,
        title: str,
        input_shape: Shape,
        nodes: tuple[Node, ...],
        blocks: tuple[Block, ...],
        params: Mapping[str, Any] | None = None,
        # (name, node reference) of each output when there are several (features_only: one
        # per stage end, named s1, s2, ...); empty for the usual single output, the last node.
        named_outputs: tuple[tuple[str, str], ...] = (),
        # Likely mistakes found while building (SpecWarning); not part of what the graph is.
        warnings: tuple[Any, ...] = (),
        # One per block, added up from its nodes while expanding; see block_costs().
        costs: tuple[BlockCost, ...] = (),
    ) -> None:
        put = object.__setattr__
        put(self, "name", name)
        put(self, "title", title)
        put(self, "input_shape", input_shape)
        put(self, "nodes", nodes)
        put(self, "blocks", blocks)
        put(self, "params", {} if params is None else params)
        put(self, "named_outputs", named_outputs)
        put(self, "warnings", warnings)
        put(self, "costs", costs)
        put(self, "_index", None)  # node name -> Node, made when first asked

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a Graph is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a Graph is frozen")

    def __reduce__(self) -> tuple[type[Graph], tuple[Any, ...]]:
        """Pickled and copied by its fields (unpickling slots would set them one by one)."""
        return Graph, tuple(getattr(self, slot) for slot in self.__slots__[:-1])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._COMPARED)

    __hash__ = None  # type: ignore[assignment]  # its params are a dict

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in (*self._COMPARED, "warnings"))
        return f"Graph({fields})"

    def block_costs(self) -> tuple[BlockCost, ...]:
        """Each block's figures: as expansion added them up, else from the nodes.

        A block's nodes are consecutive (expansion adds them one after another); a graph
        made otherwise whose blocks' nodes are not raises ValueError.
        """
        if self.costs or not self.blocks:
            return self.costs
        runs: list[tuple[int, int]] = []
        start = 0
        nodes = self.nodes
        for end in range(1, len(nodes) + 1):
            if end == len(nodes) or nodes[end].block != nodes[start].block:
                runs.append((start, end))
                start = end
        if [nodes[start].block for start, _ in runs] != [block.name for block in self.blocks]:
            raise ValueError(f"graph {self.name}: the nodes of a block are not consecutive")
        result = []
        for block, (start, end) in zip(self.blocks, runs, strict=True):
            x = block.inputs[0] if block.inputs else None
            size = self.node(x.partition(":")[0]).cost.activation_bytes if x else 0
            result.append(block_cost(nodes[start:end], x, size, block.output))
        return tuple(result)

    @property
    def outputs(self) -> tuple[tuple[str, str], ...]:
        """(name, node reference) of every output; one output is named after its layer."""
        return self.named_outputs or ((self.nodes[-1].name, self.nodes[-1].name),)

    @property
    def output(self) -> str:
        """The last layer: the output of a single-output graph."""
        return self.nodes[-1].name

    @property
    def output_kind(self) -> str:
        """What the output holds: 'probabilities', 'logits' or 'features'.

        'probabilities' when it is a softmax or a sigmoid, 'logits' when it is a dense or
        1x1-conv classifier's raw scores (a loss then needs ``from_logits=True``), else
        'features'. Dropout and flatten after the classifier change nothing.
        """
        if self.named_outputs:
            return "features"
        node = self.nodes[-1]
        flattened = False
        while node.op in ("dropout", "flatten") and node.inputs:
            flattened = flattened or node.op == "flatten"
            node = self.node(split_ref(node.inputs[0])[0])
        if node.op == "activation" and node.attrs.get("fn") in ("softmax", "sigmoid"):
            return "probabilities"
        if node.op == "dense" or node.op == "conv2d" and flattened:
            return "logits"
        return "features"

    @property
    def from_logits(self) -> bool:
        """Whether a classification loss on this model's output needs ``from_logits=True``."""
        return self.output_kind == "logits"

    def node(self, name: str) -> Node:
        return self._by_name[name]

    @property
    def _by_name(self) -> dict[str, Node]:
        cached = self._index
        if cached is None:
            cached = {node.name: node for node in self.nodes}
            object.__setattr__(self, "_index", cached)
        return cached

    def edges(self) -> list[tuple[str, str]]:
        """(producer node name, consumer node name) for every input of every node."""
        return [(split_ref(ref)[0], node.name) for node in self.nodes for ref in node.inputs]


def split_ref(ref: str) -> tuple[str, int]:
    """``'a:1'`` -> ``('a', 1)``; ``'a'`` -> ``('a', 0)``."""
    name, _, index = ref.partition(":")
    return name, int(index) if index else 0
