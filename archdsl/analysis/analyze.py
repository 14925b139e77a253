"""Static analysis of a Graph: shapes, parameters, MACs, activation memory, memory access.

Pure Python, adding up what the op table in ``archdsl.ir.ops`` worked out for each node
while the Graph was built (``Node.outputs``, ``Node.cost``); TensorFlow is never imported.
Parameters are counted as Keras counts them (BatchNorm's moving mean and variance are
non-trainable); MACs are those of Conv2D, DepthwiseConv2D and Dense, as the papers count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from archdsl.ir.graph import BYTES_PER_VALUE, Cost, Graph, Node, Shape, split_ref

__all__ = ["BYTES_PER_VALUE", "Analysis", "Cost", "GroupStats", "analyze"]


class GroupStats(NamedTuple):
    """A block or a stage: its layers' costs added up, and its last output's shape."""

    name: str
    kind: str
    stage: str
    output_shape: Shape
    layers: int
    counts: Cost


@dataclass(frozen=True)
class Analysis:
    """The figures of one Graph. ``layers`` are its nodes, each with its output shape and cost."""

    name: str
    title: str
    input_shape: Shape
    output_shape: Shape
    layers: tuple[Node, ...]
    blocks: tuple[GroupStats, ...]
    stages: tuple[GroupStats, ...]
    total: Cost
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
    """Per-layer, per-block, per-stage and total figures for ``graph``."""
    nodes = graph.nodes
    blocks = _blocks(graph)
    stages: dict[str, list[GroupStats]] = {}
    for block in blocks:
        stages.setdefault(block.stage, []).append(block)
    stage_stats = tuple(
        GroupStats(
            name,
            "stage",
            name,
            members[-1].output_shape,
            sum(member.layers for member in members),
            _sum(member.counts for member in members),
        )
        for name, members in stages.items()
    )
    return Analysis(
        name=graph.name,
        title=graph.title,
        input_shape=graph.input_shape,
        output_shape=nodes[-1].outputs[0],
        layers=nodes,
        blocks=blocks,
        stages=stage_stats,
        total=_sum(stage.counts for stage in stage_stats),
        peak_activation_bytes=_peak_memory(graph),
        output_kind=graph.output_kind,
        outputs=tuple(
            (name, ref, graph.node(split_ref(ref)[0]).outputs[split_ref(ref)[1]])
            for name, ref in graph.outputs
        ),
    )


def _sum(costs: Iterable[Cost]) -> Cost:
    trainable = non_trainable = macs = memory = access = 0
    for cost in costs:
        trainable += cost[0]
        non_trainable += cost[1]
        macs += cost[2]
        memory += cost[3]
        access += cost[4]
    return Cost(trainable, non_trainable, macs, memory, access)


def _blocks(graph: Graph) -> tuple[GroupStats, ...]:
    """Each block's nodes added up, in one pass: expansion adds a block's nodes one after
    another, so a block ends where the next node's block differs."""
    kinds = {block.name: block.type for block in graph.blocks}
    result: list[GroupStats] = []
    nodes = graph.nodes
    start = 0
    for end in range(1, len(nodes) + 1):
        if end < len(nodes) and nodes[end].block == nodes[start].block:
            continue
        first, last = nodes[start], nodes[end - 1]
        result.append(
            GroupStats(
                first.block,
                kinds[first.block],
                first.stage,
                last.outputs[0],
                end - start,
                _sum(node.cost for node in nodes[start:end]),
            )
        )
        start = end
    if len(result) != len(kinds):  # a block's nodes came in two or more runs
        raise ValueError(f"graph {graph.name}: the nodes of a block are not consecutive")
    return tuple(result)


def _peak_memory(graph: Graph) -> int:
    """Largest sum of live activations while running the layers one after another.

    A layer's output lives from the step that makes it until its last consumer has run;
    the outputs live to the end.
    """
    nodes = graph.nodes
    last_use: dict[str, int] = {}
    for index, node in enumerate(nodes):
        for ref in node.inputs:
            last_use[ref.partition(":")[0]] = index
    for _, ref in graph.outputs:
        last_use[ref.partition(":")[0]] = len(nodes)
    frees: dict[int, int] = {}
    live = peak = 0
    for index, node in enumerate(nodes):
        memory = node.cost[3]
        live += memory
        if live > peak:
            peak = live
        end = last_use.get(node.name, index)
        frees[end] = frees.get(end, 0) + memory
        live -= frees.pop(index, 0)
    return peak
