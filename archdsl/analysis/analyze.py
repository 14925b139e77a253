"""Static analysis of a Graph: shapes, parameters, MACs, activation memory, memory access.

Pure Python, adding up what the op table in ``archdsl.ir.ops`` worked out for each node
while the Graph was built (``Node.outputs``, ``Node.cost``); TensorFlow is never imported.
Parameters are counted as Keras counts them (BatchNorm's moving mean and variance are
non-trainable); MACs are those of Conv2D, DepthwiseConv2D and Dense, as the papers count.
"""

from __future__ import annotations

from collections.abc import Iterable

from archdsl.ir.graph import BYTES_PER_VALUE, BlockCost, Cost, Graph, Node, Shape, split_ref
from archdsl.record import Record

__all__ = ["BYTES_PER_VALUE", "Analysis", "Cost", "GroupStats", "analyze"]


class GroupStats(Record):
    """A block or a stage: its layers' costs added up, and its last output's shape."""

    name: str
    kind: str
    stage: str
    output_shape: Shape
    layers: int
    counts: Cost


class Analysis(Record):
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
    """Per-layer, per-block, per-stage and total figures for ``graph``.

    Expansion added up each block's nodes (``Graph.block_costs``), so this reads one
    record per block, not one per layer.
    """
    nodes = graph.nodes
    costs = graph.block_costs()
    new = tuple.__new__  # NamedTuples without their Python-level __new__: one per block
    blocks = []
    # per stage: [layers, trainable, non-trainable, MACs, memory, access, last output shape]
    sums: dict[str, list] = {}
    for block, cost in zip(graph.blocks, costs, strict=True):
        counts = cost.cost
        blocks.append(
            new(
                GroupStats,
                (block.name, block.type, block.stage, cost.output_shape, cost.layers, counts),
            )
        )
        found = sums.get(block.stage)
        if found is None:
            sums[block.stage] = [cost.layers, *counts, cost.output_shape]
            continue
        found[0] += cost.layers
        found[1] += counts[0]
        found[2] += counts[1]
        found[3] += counts[2]
        found[4] += counts[3]
        found[5] += counts[4]
        found[6] = cost.output_shape
    stage_stats = tuple(
        new(GroupStats, (name, "stage", name, found[6], found[0], new(Cost, found[1:6])))
        for name, found in sums.items()
    )
    return Analysis(
        name=graph.name,
        title=graph.title,
        input_shape=graph.input_shape,
        output_shape=nodes[-1].outputs[0],
        layers=nodes,
        blocks=tuple(blocks),
        stages=stage_stats,
        total=_sum(stage.counts for stage in stage_stats),
        peak_activation_bytes=_peak_memory(graph, costs),
        output_kind=graph.output_kind,
        outputs=tuple((name, ref, _shape(graph, ref)) for name, ref in graph.outputs)
        if graph.named_outputs
        else ((nodes[-1].name, nodes[-1].name, nodes[-1].outputs[0]),),
    )


def _shape(graph: Graph, ref: str) -> Shape:
    """The shape of a node reference (``name`` or ``name:i``)."""
    name, index = split_ref(ref)
    return graph.node(name).outputs[index]


def _sum(costs: Iterable[Cost]) -> Cost:
    trainable = non_trainable = macs = memory = access = 0
    for cost in costs:
        trainable += cost[0]
        non_trainable += cost[1]
        macs += cost[2]
        memory += cost[3]
        access += cost[4]
    return Cost(trainable, non_trainable, macs, memory, access)


def _peak_memory(graph: Graph, costs: tuple[BlockCost, ...]) -> int:
    """Largest sum of live activations while running the layers one after another.

    A layer's output lives from the step that makes it until its last consumer has run;
    the outputs live to the end. Each block feeds the next: a block's peak is what it
    keeps alive itself above what the blocks before it left alive, which is their
    outputs kept as network outputs (features_only's stage ends); its input counts
    until its last use, or to the end when it is one of those outputs.
    """
    kept = {ref.partition(":")[0] for _, ref in graph.outputs}
    alive = peak = 0
    for block, cost in zip(graph.blocks, costs, strict=True):
        if block.inputs and block.inputs[0].partition(":")[0] in kept:
            peak = max(peak, alive + cost.peak_kept)
            alive += cost.input_bytes
        else:
            peak = max(peak, alive + cost.peak)
    return peak
