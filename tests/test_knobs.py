"""Knobs for the references' own rules: input_multiple, floor_make_divisible, drop_path, defaults."""

from __future__ import annotations

import pytest

import archdsl
from archdsl.errors import SpecError
from tests.helpers import run_cli
from tests.test_analyzer import graph_of

MBCONV = {"mbconv": {"filters": 16, "expansion": 6, "repeats": 3}}


def node(graph, name):
    return next(n for n in graph.nodes if n.name == name)


def test_input_multiple_is_a_multiple_of_the_input_channels_rounded():
    graph = graph_of(
        [{"conv": {"filters": 20, "kernel": 1}}],
        head=[{"conv": {"input_multiple": 6, "kernel": 1, "name": "last"}}],
        params={"width": 0.35},
    )
    # 20 * 0.35 = 7 -> make_divisible 8; then 8 * 6 = 48 (960 * 0.35 would give 336)
    assert node(graph, "last_conv").attrs["filters"] == 48


def test_mobilenet_v3_small_last_conv_follows_its_input_not_576_times_width():
    graph = archdsl.load("mobilenet_v3_small", width=0.35)
    # the last block has make_divisible(96 * 0.35) = 32 channels; keras: 6 * 32, not 200
    assert node(graph, "conv_1_conv").attrs["filters"] == 192


@pytest.mark.parametrize(
    ("conv", "message"),
    [
        ({"kernel": 1}, "conv needs filters (or input_multiple"),
        ({"filters": 8, "input_multiple": 6}, "give filters or input_multiple, not both"),
    ],
)
def test_conv_takes_filters_or_input_multiple(conv, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(")):
        graph_of([{"conv": conv}])


@pytest.mark.parametrize(("width", "rounded", "floored"), [(0.28, 24, 16), (0.56, 24, 16)])
def test_floor_make_divisible_floors_before_rounding(width, rounded, floored):
    # keras MobileNetV2: make_divisible(int(filters * alpha)); 64 * 0.28 = 17.92, 32 * 0.56 = 17.92
    filters = 64 if width == 0.28 else 32
    for rule, expected in (("make_divisible", rounded), ("floor_make_divisible", floored)):
        graph = graph_of(
            [{"conv": {"filters": filters, "width_scaling": rule}}], params={"width": width}
        )
        assert node(graph, "s1_b1_conv").attrs["filters"] == expected


def test_drop_path_rate_grows_linearly_over_the_stage_blocks():
    # 3 + 3 stage blocks; residuals in all but the first (4 -> 16 channels); rate 0.3 * b / 6
    graph = graph_of([MBCONV, MBCONV], defaults={"drop_path": 0.3})
    rates = {n.name: n.attrs["rate"] for n in graph.nodes if n.attrs.get("per_sample")}
    assert rates == pytest.approx(
        {
            "s1_b2_drop": 0.05,
            "s1_b3_drop": 0.1,
            "s2_b1_drop": 0.15,
            "s2_b2_drop": 0.2,
            "s2_b3_drop": 0.25,
        }
    )
    add = node(graph, "s1_b2_add")
    assert add.inputs[1] == "s1_b2_drop"


def test_drop_path_counts_the_repeats_the_depth_multiplier_adds():
    graph = graph_of([MBCONV], defaults={"drop_path": 0.2}, params={"depth": 2.0})
    rates = [n.attrs["rate"] for n in graph.nodes if n.attrs.get("per_sample")]
    assert rates == pytest.approx([0.2 * b / 6 for b in range(1, 6)])


def test_drop_path_is_off_by_default_and_has_no_cost():
    plain = graph_of([MBCONV])
    dropped = graph_of([MBCONV], defaults={"drop_path": 0.2})
    assert not any(n.attrs.get("per_sample") for n in plain.nodes)
    figures = [archdsl.analyze(graph).total for graph in (plain, dropped)]
    assert len({(t.params, t.trainable, t.macs) for t in figures}) == 1


def test_efficientnet_b0_drops_paths_as_keras_applications_does():
    graph = archdsl.load("efficientnet_b0")
    rates = {n.name: n.attrs["rate"] for n in graph.nodes if n.attrs.get("per_sample")}
    # keras: drop_connect_rate 0.2 * b / 16 for each block b with a residual
    assert rates == pytest.approx(
        {
            f"s{stage}_b{repeat}_drop": 0.2 * index / 16
            for stage, repeat, index in (
                (2, 2, 2), (3, 2, 4), (4, 2, 6), (4, 3, 7), (5, 2, 9), (5, 3, 10),
                (6, 2, 12), (6, 3, 13), (6, 4, 14),
            )
        }
    )  # fmt: skip


def test_drop_path_outside_the_stages_is_an_error():
    with pytest.raises(SpecError, match="drop_path follows the blocks of the stages"):
        graph_of([MBCONV], head=[{"mbconv": {"filters": 16, "drop_path": 0.2}}])


def test_skip_in_defaults_applies_to_every_block():
    with_skips = graph_of([MBCONV])
    without = graph_of([MBCONV], defaults={"skip": False})
    assert sum(n.op == "add" for n in with_skips.nodes) == 2
    assert sum(n.op == "add" for n in without.nodes) == 0


def test_minimalistic_mobilenet_v3_has_no_se_and_small_kernels():
    graph = archdsl.load("mobilenet_v3_large", minimalistic=True)
    assert not any("_se_" in n.name for n in graph.nodes)
    kernels = {n.attrs["kernel"] for n in graph.nodes if n.op == "depthwise_conv2d"}
    assert kernels == {3}
    activations = {n.attrs["fn"] for n in graph.nodes if n.op == "activation"}
    assert "hard_swish" not in activations


def test_new_knobs_are_in_the_schema_with_defaults_and_descriptions():
    result = run_cli("list")
    assert result.returncode == 0, result.stderr
    from archdsl.spec.schema import schema

    definitions = schema()["$defs"]
    for knob, default in (("input_multiple", None), ("drop_path", 0)):
        assert definitions[knob]["default"] == default
        assert len(definitions[knob]["description"]) > 40
    assert "floor_make_divisible" in definitions["width_scaling"]["anyOf"][0]["enum"]
    assert {"skip", "drop_path"} <= set(schema()["properties"]["defaults"]["properties"])
