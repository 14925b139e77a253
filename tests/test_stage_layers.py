"""A stage whose layers differ: entries that continue the stage above (``continues``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from archdsl.compile import compile_spec
from archdsl.errors import SpecError
from tests.helpers import run_cli

HEAD = """\
archdsl: 1
name: t
input: [64, 64, 3]
params: {classes: 10, depth: 1.0, features_only: false}
stem:
  - conv: {filters: 16, kernel: 3, stride: 2}
stages:
  - mbconv: {expansion: 1, kernel: 3, filters: 16}
"""
TAIL = """\
  - mbconv: {expansion: 6, kernel: 5, stride: 2, filters: 40}
head:
  - global_pool: avg
  - dense: {units: $classes}
"""


def _write(tmp_path: Path, name: str, stages: str, head: str = HEAD) -> Path:
    path = tmp_path / name
    path.write_text(head + textwrap.indent(textwrap.dedent(stages), "  ") + TAIL)
    return path


def _nodes(graph):
    return [(n.name, n.op, n.attrs, n.inputs, n.stage, n.block) for n in graph.nodes]


def test_continued_stage_is_the_repeated_one(tmp_path):
    repeated = _write(
        tmp_path, "a.yaml", "  - mbconv: {expansion: 6, stride: 2, filters: 24, repeats: 3}\n"
    )
    continued = _write(
        tmp_path,
        "b.yaml",
        """\
          - mbconv: {expansion: 6, stride: 2, filters: 24}
          - mbconv: {expansion: 6, filters: 24, continues: true}
          - mbconv: {expansion: 6, filters: 24, continues: true}
        """,
    )
    a, b = compile_spec(str(repeated)), compile_spec(str(continued))
    assert _nodes(a) == _nodes(b)
    names = [block.name for block in b.blocks if block.stage == "s2"]
    assert names == ["s2_b1", "s2_b2", "s2_b3"]
    assert [block.stage for block in b.blocks if block.name.startswith("s3")] == ["s3"]


def test_layers_of_one_stage_may_differ(tmp_path):
    path = _write(
        tmp_path,
        "c.yaml",
        """\
          - mbconv: {expansion: 6, kernel: 3, stride: 2, filters: 24}
          - conv: {kernel: 5, filters: 32, continues: true}
          - mbconv: {expansion: 3, kernel: 5, filters: 32, repeats: 2, se: 0.25, continues: true}
        """,
    )
    graph = compile_spec(str(path))
    blocks = [(b.name, b.type, b.stage) for b in graph.blocks if b.stage == "s2"]
    assert blocks == [
        ("s2_b1", "mbconv", "s2"),
        ("s2_b2", "conv", "s2"),
        ("s2_b3", "mbconv", "s2"),
        ("s2_b4", "mbconv", "s2"),
    ]
    strides = {
        n.name: n.attrs["stride"]
        for n in graph.nodes
        if n.stage == "s2" and "stride" in n.attrs and n.attrs["kernel"] > 1
    }
    assert strides == {"s2_b1_dw": 2, "s2_b2_conv": 1, "s2_b3_dw": 1, "s2_b4_dw": 1}
    # identity residuals where stride 1 and channels match: not s2_b1 (stride 2) nor s2_b2
    # (24 -> 32 channels)
    assert [n.name for n in graph.nodes if n.op == "add" and n.stage == "s2"] == [
        "s2_b3_add",
        "s2_b4_add",
    ]


def test_features_only_ends_a_continued_stage_at_its_last_layer(tmp_path):
    path = _write(
        tmp_path,
        "d.yaml",
        """\
          - mbconv: {expansion: 6, stride: 2, filters: 24}
          - mbconv: {expansion: 6, filters: 24, continues: true}
        """,
        HEAD.replace("features_only: false", "features_only: true"),
    )
    graph = compile_spec(str(path))
    assert [name for name, _ in graph.named_outputs] == ["s1", "s2", "s3"]
    ends = dict(graph.named_outputs)
    assert ends["s2"].startswith("s2_b2")


@pytest.mark.parametrize(
    ("stages", "where", "message"),
    [
        (
            "  - mbconv: {filters: 24, continues: true}\n",
            "8:38",
            "continues: the first stage has no stage above it to continue",
        ),
        (
            "  - mbconv: {filters: 24, continues: 1}\n",
            "9:38",
            "mbconv continues must be a boolean",
        ),
    ],
)
def test_misused_continues_is_located(tmp_path, stages, where, message):
    first = "continues: the first" in message
    head = (
        HEAD
        if not first
        else HEAD.replace("  - mbconv: {expansion: 1, kernel: 3, filters: 16}\n", "")
    )
    path = _write(tmp_path, "e.yaml", stages, head)
    with pytest.raises(SpecError) as caught:
        compile_spec(str(path))
    text = str(caught.value)
    assert text.startswith(f"{path}:{where}: error:")
    assert message in text


def test_continues_in_the_head_is_located(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text(
        HEAD + TAIL.replace("  - global_pool: avg\n", "  - conv: {filters: 8, continues: true}\n")
    )
    with pytest.raises(
        SpecError, match="only an entry of stages continues a stage, not one of head"
    ):
        compile_spec(str(path))


def test_fmt_round_trips_continues(tmp_path):
    path = _write(
        tmp_path,
        "g.yaml",
        """\
          - mbconv: {expansion: 6, stride: 2, filters: 24}
          - conv: {filters: 24, continues: true}
        """,
    )
    arch = run_cli("fmt", str(path), "--to", "arch")
    assert arch.returncode == 0, arch.stderr
    assert "       conv   c24          continues\n" in arch.stdout
    back_path = tmp_path / "g.arch"
    back_path.write_text(arch.stdout)
    back = run_cli("fmt", str(back_path), "--to", "yaml")
    assert back.returncode == 0, back.stderr
    assert "continues: true" in back.stdout
    assert _nodes(compile_spec(str(back_path))) == _nodes(compile_spec(str(path)))
