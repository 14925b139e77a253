"""Static analysis of a Graph: shapes, parameters, MACs and activation memory.

Pure Python, adding up what the op table in ``archdsl.ir.ops`` worked out for each node
while the Graph was built; TensorFlow is never imported.
Parameters are counted as Keras counts them (BatchNorm's moving mean and variance are
non-trainable); MACs are those of Conv2D, DepthwiseConv2D and Dense, as the papers count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from archdsl.ir.graph import Graph, Shape, split_ref

BYTES_PER_VALUE = 4  # fp32


@dataclass(frozen=True)
class Counts:
    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    activation_bytes: int = 0
    # ShuffleNetV2's memory access cost (MAC, not to be confused with MACs): the values a
    # layer reads and writes, inputs + outputs + weights, for one image
    memory_access: int = 0

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def memory_access_bytes(self) -> int:
        return self.memory_access * BYTES_PER_VALUE

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.trainable + other.trainable,
            self.non_trainable + other.non_trainable,
            self.macs + other.macs,
            self.activation_bytes + other.activation_bytes,
            self.memory_access + other.memory_access,
        )


@dataclass(frozen=True)
class LayerStats:
    name: str
    op: str
    block: str
    stage: str
    output_shape: Shape
    counts: Counts


@dataclass(frozen=True)
class GroupStats:
    """A block or a stage: its layers' counts added up, and its last output's shape."""

    name: str
    kind: str
    stage: str
    output_shape: Shape
    layers: int
    counts: Counts


@dataclass(frozen=True)
class Analysis:
    name: str
    title: str
    input_shape: Shape
    output_shape: Shape
    layers: tuple[LayerStats, ...]
    blocks: tuple[GroupStats, ...]
    stages: tuple[GroupStats, ...]
    total: Counts
    peak_activation_bytes: int
    output_kind: str  # 'probabilities', 'logits' or 'features' (see Graph.output_kind)
    # (name, layer, shape) of every output: one, or one per stage end with features_only
    outputs: tuple[tuple[str, str, Shape], ...] = ()

    @property
    def size_bytes(self) -> int:
        """Model size on disk at fp32: every parameter, trainable or not."""
        return self.total.params * BYTES_PER_VALUE

    def table(self, level: str = "block") -> str:
        """The ``archdsl summary`` table: one row per block (or per layer with 'layer')."""
        from archdsl.report.table import to_table

        if level not in ("block", "layer"):
            raise ValueError(f"level is 'block' or 'layer', not {level!r}")
        return to_table(self, level)

    def __str__(self) -> str:
        return self.table()


def analyze(graph: Graph) -> Analysis:
    """Per-layer, per-block, per-stage and total figures for ``graph``.

    Shapes and costs were worked out once per node while the Graph was built; this adds
    them up.
    """
    sizes: dict[str, int] = {}  # values in each output, by reference
    layers = []
    for node in graph.nodes:
        written = [math.prod(shape) for shape in node.outputs]
        sizes.update(
            zip(
                [node.name]
                if len(written) == 1
                else [f"{node.name}:{i}" for i in range(len(written))],
                written,
                strict=True,
            )
        )
        read = sum(sizes[ref] for ref in node.inputs)
        params = node.cost.trainable + node.cost.non_trainable
        layers.append(
            LayerStats(
                node.name,
                node.op,
                node.block,
                node.stage,
                node.outputs[0],
                Counts(
                    node.cost.trainable,
                    node.cost.non_trainable,
                    node.cost.macs,
                    sum(written) * BYTES_PER_VALUE,
                    0 if node.op == "input" else read + sum(written) + params,
                ),
            )
        )
    kinds = {block.name: block.type for block in graph.blocks}
    return Analysis(
        name=graph.name,
        title=graph.title,
        input_shape=graph.input_shape,
        output_shape=layers[-1].output_shape,
        layers=tuple(layers),
        blocks=_group(layers, lambda layer: layer.block, kinds.__getitem__),
        stages=_group(layers, lambda layer: layer.stage, lambda name: "stage"),
        total=_sum(layers),
        peak_activation_bytes=_peak_memory(graph, layers),
        output_kind=graph.output_kind,
        outputs=tuple(
            (name, ref, graph.node(split_ref(ref)[0]).outputs[split_ref(ref)[1]])
            for name, ref in graph.outputs
        ),
    )


def _sum(layers: Sequence[LayerStats]) -> Counts:
    trainable = non_trainable = macs = memory = access = 0
    for layer in layers:
        counts = layer.counts
        trainable += counts.trainable
        non_trainable += counts.non_trainable
        macs += counts.macs
        memory += counts.activation_bytes
        access += counts.memory_access
    return Counts(trainable, non_trainable, macs, memory, access)


def _group(
    layers: Sequence[LayerStats],
    key: Callable[[LayerStats], str],
    kind: Callable[[str], str],
) -> tuple[GroupStats, ...]:
    groups: dict[str, list[LayerStats]] = {}
    for layer in layers:
        groups.setdefault(key(layer), []).append(layer)
    return tuple(
        GroupStats(
            name,
            kind(name),
            members[0].stage,
            members[-1].output_shape,
            len(members),
            _sum(members),
        )
        for name, members in groups.items()
    )


def _peak_memory(graph: Graph, layers: Sequence[LayerStats]) -> int:
    """Largest sum of live activations while running the layers one after another.

    A layer's output lives from the step that makes it until its last consumer has run;
    the outputs live to the end.
    """
    last_use = {node.name: index for index, node in enumerate(graph.nodes)}
    for index, node in enumerate(graph.nodes):
        for ref in node.inputs:
            last_use[split_ref(ref)[0]] = index
    for _, ref in graph.outputs:
        last_use[split_ref(ref)[0]] = len(graph.nodes)
    frees: dict[int, int] = {}
    live = peak = 0
    for index, layer in enumerate(layers):
        live += layer.counts.activation_bytes
        peak = max(peak, live)
        frees[last_use[layer.name]] = (
            frees.get(last_use[layer.name], 0) + layer.counts.activation_bytes
        )
        live -= frees.pop(index, 0)
    return peak
