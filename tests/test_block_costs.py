"""The analyzer reads one record per block (added up while expanding): its figures equal
those added up layer by layer, as the analyzer did before, on every built-in spec in
several variants and on random specs.

The reference below walks the nodes: each block is the run of consecutive nodes that name
it, and the peak memory follows every layer's output from the step that makes it to its
last consumer (the network's outputs to the end).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

import archdsl
from archdsl.analysis.analyze import GroupStats
from archdsl.compile import compile_spec
from archdsl.errors import SpecError
from archdsl.ir.graph import Cost, Graph
from archdsl.spec.params import parse_override
from archdsl.spec.source import builtin_names
from tests.strategies import spec_documents

VARIANTS = [
    (),
    ("width=0.5", "input=96"),
    ("features_only=true",),
    ("include_top=false",),
    ("include_top=false", "pooling=max"),
]


def blocks_by_layer(graph: Graph) -> list[GroupStats]:
    kinds = {block.name: block.type for block in graph.blocks}
    result = []
    nodes = graph.nodes
    start = 0
    for end in range(1, len(nodes) + 1):
        if end < len(nodes) and nodes[end].block == nodes[start].block:
            continue
        total = Cost()
        for node in nodes[start:end]:
            total = total + node.cost
        first, last = nodes[start], nodes[end - 1]
        result.append(
            GroupStats(
                first.block, kinds[first.block], first.stage, last.outputs[0], end - start, total
            )
        )
        start = end
    return result


def peak_by_layer(graph: Graph) -> int:
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
        live += node.cost.activation_bytes
        peak = max(peak, live)
        end = last_use.get(node.name, index)
        frees[end] = frees.get(end, 0) + node.cost.activation_bytes
        live -= frees.pop(index, 0)
    return peak


def check(graph: Graph) -> None:
    analysis = archdsl.analyze(graph)
    assert list(analysis.blocks) == blocks_by_layer(graph)
    assert analysis.peak_activation_bytes == peak_by_layer(graph)
    total = Cost()
    for node in graph.nodes:
        total = total + node.cost
    assert analysis.total == total
    # a graph without expansion's records (made by hand) is added up from its nodes
    bare = Graph(
        graph.name,
        graph.title,
        graph.input_shape,
        graph.nodes,
        graph.blocks,
        graph.params,
        graph.named_outputs,
    )
    assert archdsl.analyze(bare) == analysis


@pytest.mark.parametrize("sets", VARIANTS, ids="+".join)
@pytest.mark.parametrize("name", builtin_names())
def test_builtin_specs(name: str, sets: tuple[str, ...]) -> None:
    try:
        graph = compile_spec(name, [parse_override(text) for text in sets])
    except SpecError:
        pytest.skip(f"{name} does not take {sets}")
    check(graph)


def test_features_only_keeps_stage_ends_alive() -> None:
    """The case where a block's input outlives it (a stage end that is a network output)."""
    graph = compile_spec("mnasnet_a1", [parse_override("features_only=true")])
    ends = {ref for _, ref in graph.outputs}
    assert sum(block.inputs[0] in ends for block in graph.blocks if block.inputs) == 6
    check(graph)


@pytest.mark.filterwarnings("ignore::archdsl.SpecWarning")
@settings(max_examples=150)
@given(spec_documents())
def test_random_specs(document: dict[str, Any]) -> None:
    try:
        graph = archdsl.load(document)
    except SpecError:
        return
    check(graph)
