"""The analyzer's figures on small graphs worked out by hand."""

from __future__ import annotations

import pytest

from archdsl.analysis.analyze import analyze
from archdsl.compile import compile_document
from archdsl.ir.rounding import make_divisible
from archdsl.spec.document import Document


def graph_of(stages, head=(), input_shape=(8, 8, 4), **top):
    data = {
        "archdsl": 1,
        "name": "t",
        "input": list(input_shape),
        "stages": list(stages),
        "head": list(head),
        **top,
    }
    return compile_document(Document(data, "<test>"))


def test_conv_bn_counts():
    analysis = analyze(graph_of([{"conv": {"filters": 16, "kernel": 3, "stride": 2}}]))
    conv, bn = analysis.layers[1], analysis.layers[2]
    assert conv.output_shape == (4, 4, 16)
    assert conv.cost.trainable == 3 * 3 * 4 * 16
    assert conv.cost.macs == 4 * 4 * 16 * 3 * 3 * 4
    assert (bn.cost.trainable, bn.cost.non_trainable) == (32, 32)


def test_grouped_conv_and_bias():
    analysis = analyze(
        graph_of(
            [
                {
                    "conv": {
                        "filters": 8,
                        "kernel": 1,
                        "groups": 2,
                        "bias": True,
                        "bn": False,
                        "activation": "none",
                    }
                }
            ]
        )
    )
    assert len(analysis.layers) == 2  # input, conv: no BN, no activation
    assert analysis.layers[1].cost.trainable == 1 * 1 * 2 * 8 + 8
    assert analysis.layers[1].cost.macs == 8 * 8 * 8 * 2


def test_mbconv_with_se_and_residual():
    # 16 -> expand x4 = 64 -> dw 3x3 -> SE(input base: 4 channels) -> project 16 -> add
    graph = graph_of(
        [{"mbconv": {"filters": 16, "expansion": 4, "se": 0.25}}], input_shape=(8, 8, 16)
    )
    analysis = analyze(graph)
    by_op = {layer.name.split("_b1_")[-1]: layer for layer in analysis.layers}
    assert by_op["expand"].cost.trainable == 16 * 64
    assert by_op["dw"].cost.trainable == 9 * 64
    assert by_op["se_reduce"].cost.trainable == 64 * 4 + 4
    assert by_op["se_expand"].cost.trainable == 4 * 64 + 64
    assert by_op["project"].cost.trainable == 64 * 16
    assert "add" in by_op
    add = graph.node("s1_b1_add")
    assert add.inputs == ("input", "s1_b1_project_bn")


def test_shuffle_unit_split_and_concat():
    graph = graph_of(
        [{"shuffle": {"filters": 8, "stride": 2}}, {"shuffle": {"filters": 8, "stride": 1}}],
        input_shape=(8, 8, 4),
    )
    split = graph.node("s2_b1_split")
    concat = graph.node("s2_b1_concat")
    assert concat.inputs[0] == "s2_b1_split:0"
    assert graph.node("s2_b1_b2_pw1").inputs == ("s2_b1_split:1",)
    assert split.op == "split"
    assert analyze(graph).output_shape == (4, 4, 8)


def test_peak_memory_of_a_chain_and_a_residual():
    # A chain frees each tensor once its consumer ran: peak is the largest input+output pair.
    chain = graph_of(
        [
            {"dwconv": {"bn": False, "activation": "none"}},
            {"dwconv": {"bn": False, "activation": "none"}},
        ]
    )
    analysis = analyze(chain)
    tensor = 8 * 8 * 4 * 4
    assert analysis.peak_activation_bytes == 2 * tensor
    assert analysis.total.activation_bytes == 3 * tensor
    # A residual keeps the block input alive until the add.
    residual = graph_of([{"mbconv": {"filters": 4, "expansion": 1}}])
    assert analyze(residual).peak_activation_bytes >= 3 * tensor


def test_width_and_depth_multipliers():
    stages = [{"mbconv": {"filters": 24, "expansion": 6, "repeats": 3, "stride": 2}}]
    base = graph_of(stages, params={"width": 1.0, "depth": 1.0})
    wide = graph_of(stages, params={"width": 0.35, "depth": 1.5})
    assert len([b for b in base.blocks if b.type == "mbconv"]) == 3
    assert len([b for b in wide.blocks if b.type == "mbconv"]) == 5  # ceil(3 * 1.5)
    assert wide.blocks[1].knobs["filters"] == make_divisible(24 * 0.35, 8) == 8


@pytest.mark.parametrize(
    ("value", "divisor", "expected"),
    [
        (32 * 0.35, 8, 16),
        (1280 * 1.4, 8, 1792),
        (24 * 0.35, 8, 8),
        (16 * 0.75, 8, 16),
        (90, 8, 88),
        (3.0, 8, 8),
    ],
)
def test_make_divisible(value, divisor, expected):
    assert make_divisible(value, divisor) == expected


def test_select_param_picks_channels_by_width():
    stages = [{"conv": {"filters": "$c", "width_scaling": "none"}}]
    params = {"width": 0.5, "c": {"select": "width", "cases": {"0.5": 48, "1.0": 116}}}
    graph = graph_of(stages, params=params)
    assert graph.blocks[1].knobs["filters"] == 48
