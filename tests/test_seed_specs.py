"""The seeds' specs in tests/specs and the knobs they need (fast: no TensorFlow).

tests/test_seed_ports.py checks them against the seeds' Keras code; here their YAML and .arch
twins are the same document, fmt is lossless on them, and the knobs they brought (bias on
mbconv and shuffle, expand_conv, concat_order) do exactly what the schema says.
"""

from __future__ import annotations

import pytest

import archdsl
from archdsl.compile import compile_document
from archdsl.spec import convert
from archdsl.spec.document import Document
from archdsl.spec.source import load_document
from tests.helpers import ROOT

SPECS = ROOT / "tests" / "specs"
NAMES = ["seed_mobilenet_v2", "seed_shufflenet_v2"]


@pytest.mark.parametrize("name", NAMES)
def test_twins_are_one_canonical_document(name: str) -> None:
    yaml_doc = load_document(str(SPECS / f"{name}.yaml"))
    arch_text = (SPECS / f"{name}.arch").read_text()
    arch_doc = convert.parse(arch_text, f"{name}.arch")
    assert arch_doc.data == yaml_doc.data
    assert convert.write(arch_doc, "arch") == arch_text
    for to in convert.FORMATS:
        again = convert.parse(convert.write(yaml_doc, to), f"x.{to}")
        assert compile_document(again) == compile_document(yaml_doc)


def _spec(block: dict, defaults: dict | None = None) -> archdsl.Graph:
    return compile_document(
        Document(
            {
                "archdsl": 1,
                "name": "net",
                "input": [16, 16, 8],
                "defaults": defaults or {},
                "stages": [block],
            },
            "<test>",
        )
    )


def _params(graph: archdsl.Graph) -> int:
    return archdsl.analyze(graph).total.params


def test_expand_conv_always_keeps_the_1x1_at_expansion_1() -> None:
    auto = _spec({"mbconv": {"filters": 8, "expansion": 1}})
    always = _spec({"mbconv": {"filters": 8, "expansion": 1, "expand_conv": "always"}})
    assert "s1_b1_expand" not in [n.name for n in auto.nodes]
    expand = next(n for n in always.nodes if n.name == "s1_b1_expand")
    assert (expand.attrs["filters"], expand.attrs["kernel"]) == (8, 1)
    assert _params(always) - _params(auto) == 8 * 8 + 4 * 8  # 1x1 weights + BatchNorm


def test_mbconv_bias_reaches_expand_depthwise_and_project_but_not_se() -> None:
    block = {"filters": 8, "expansion": 2, "se": 0.25}
    plain, biased = _spec({"mbconv": block}), _spec({"mbconv": {**block, "bias": True}})
    with_bias = {n.name for n in biased.nodes if n.attrs.get("bias")}
    assert with_bias - {n.name for n in plain.nodes if n.attrs.get("bias")} == {
        "s1_b1_expand",
        "s1_b1_dw",
        "s1_b1_project",
    }
    assert _params(biased) - _params(plain) == 16 + 16 + 8


def test_shuffle_bias_and_concat_order() -> None:
    unit = {"filters": 16, "stride": 2}
    plain = _spec({"shuffle": unit})
    seeds = _spec({"shuffle": unit}, {"bias": True, "concat_order": "branch_first"})
    convs = {n.name for n in seeds.nodes if n.op in ("conv2d", "depthwise_conv2d")}
    assert {n.name for n in seeds.nodes if n.attrs.get("bias")} == convs
    assert _params(seeds) - _params(plain) == 8 + 8 + 8 + 8 + 8  # b1 dw/pw, b2 pw1/dw/pw2
    concat = [next(n for n in g.nodes if n.op == "concat") for g in (plain, seeds)]
    assert concat[0].inputs == ("s1_b1_b1_pw_act", "s1_b1_b2_pw2_act")
    assert concat[1].inputs == ("s1_b1_b2_pw2_act", "s1_b1_b1_pw_act")
    stride1 = _spec({"shuffle": {"filters": 8, "stride": 1, "concat_order": "branch_first"}})
    assert next(n for n in stride1.nodes if n.op == "concat").inputs == (
        "s1_b1_b2_pw2_act",
        "s1_b1_split:0",
    )
