"""Static analysis of a Graph: shapes, parameters, MACs and activation memory.

Pure Python over the op table in ``archdsl.ir.ops``; TensorFlow is never imported.
Parameters are counted as Keras counts them (BatchNorm's moving mean and variance are
non-trainable); MACs are those of Conv2D, DepthwiseConv2D and Dense, as the papers count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archdsl.ir.graph import Graph, Shape, split_ref
from archdsl.ir.ops import OPS

BYTES_PER_VALUE = 4  # fp32


@dataclass(frozen=True)
class Counts:
    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    activation_bytes: int = 0

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.trainable + other.trainable,
            self.non_trainable + other.non_trainable,
            self.macs + other.macs,
            self.activation_bytes + other.activation_bytes,
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

    @property
    def size_bytes(self) -> int:
        """Model size on disk at fp32: every parameter, trainable or not."""
        return self.total.params * BYTES_PER_VALUE


def analyze(graph: Graph) -> Analysis:
    """Per-layer, per-block, per-stage and total figures for ``graph``."""
    shapes: dict[str, Shape] = {}
    layers = []
    for node in graph.nodes:
        ins = [shapes[ref] for ref in node.inputs]
        op = OPS[node.op]
        outs = op.shapes(node.attrs, ins)
        if len(outs) == 1:
            shapes[node.name] = outs[0]
        else:
            shapes.update((f"{node.name}:{i}", shape) for i, shape in enumerate(outs))
        cost = op.cost(node.attrs, ins, outs[0])
        memory = sum(math.prod(shape) for shape in outs) * BYTES_PER_VALUE
        counts = Counts(cost.trainable, cost.non_trainable, cost.macs, memory)
        layers.append(LayerStats(node.name, node.op, node.block, node.stage, outs[0], counts))
    blocks = _group(layers, graph, by_stage=False)
    stages = _group(layers, graph, by_stage=True)
    total = sum((layer.counts for layer in layers), Counts())
    return Analysis(
        name=graph.name,
        title=graph.title,
        input_shape=graph.input_shape,
        output_shape=layers[-1].output_shape,
        layers=tuple(layers),
        blocks=blocks,
        stages=stages,
        total=total,
        peak_activation_bytes=_peak_memory(graph, layers),
    )


def _group(layers: list[LayerStats], graph: Graph, *, by_stage: bool) -> tuple[GroupStats, ...]:
    kinds = {block.name: block.type for block in graph.blocks}
    groups: dict[str, list[LayerStats]] = {}
    for layer in layers:
        groups.setdefault(layer.stage if by_stage else layer.block, []).append(layer)
    result = []
    for name, members in groups.items():
        counts = sum((m.counts for m in members), Counts())
        kind = "stage" if by_stage else kinds[name]
        result.append(
            GroupStats(name, kind, members[0].stage, members[-1].output_shape, len(members), counts)
        )
    return tuple(result)


def _peak_memory(graph: Graph, layers: list[LayerStats]) -> int:
    """Largest sum of live activations while running the layers one after another.

    A layer's output lives from the step that makes it until its last consumer has run;
    the final output lives to the end.
    """
    last_use = {node.name: index for index, node in enumerate(graph.nodes)}
    for index, node in enumerate(graph.nodes):
        for ref in node.inputs:
            last_use[split_ref(ref)[0]] = index
    last_use[graph.output] = len(graph.nodes)
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
