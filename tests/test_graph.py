"""`archdsl graph`: block and layer diagrams rendered by graphviz, checked against the Graph.

The SVGs are parsed: graphviz writes each node as <g class="node"><title>ID</title>, each
edge as <g class="edge"><title>TAIL->HEAD</title> and each cluster as <g class="cluster">.
The title and legend live in the graph's label, so they add no nodes.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

import archdsl
from archdsl.analysis.analyze import analyze
from archdsl.backends.graphviz_backend import block_diagram, fold_groups
from archdsl.backends.graphviz_labels import block_label, shape_text
from archdsl.cli import main
from archdsl.ir.graph import Graph, split_ref
from archdsl.spec.source import builtin_names
from tests.helpers import run_cli

SVG = "{http://www.w3.org/2000/svg}"

# Every built-in spec (so a new one is drawn and checked too); ShuffleNetV2 at all widths.
SPECS = [(name, {}) for name in builtin_names() if name != "shufflenet_v2"] + [
    ("shufflenet_v2", {"width": w}) for w in (0.5, 1.0, 1.5, 2.0)
]
SPEC_IDS = [name + "".join(f"@{k}={v}" for k, v in sets.items()) for name, sets in SPECS]

# Rendering tests need graphviz's `dot` (Debian: apt-get install graphviz) and fail without
# it rather than skip: CI installs it so that rendering is tested for real.


class Drawing:
    """The nodes, edges and clusters of a graphviz SVG, and each node's text."""

    def __init__(self, path: Path) -> None:
        root = ET.parse(path).getroot()
        self.nodes: dict[str, str] = {}
        self.edges: Counter[tuple[str, str]] = Counter()
        self.clusters: set[str] = set()
        for group in root.iter(f"{SVG}g"):
            title = group.findtext(f"{SVG}title")
            kind = group.get("class")
            if kind == "node":
                self.nodes[title] = " ".join(t.text or "" for t in group.iter(f"{SVG}text"))
            elif kind == "edge":
                tail, head = title.split("->")
                self.edges[(tail, head)] += 1
            elif kind == "cluster":
                self.clusters.add(title)
        self.text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))

    def inputs(self, node: str) -> int:
        return sum(n for (_, head), n in self.edges.items() if head == node)


def draw(tmp_path: Path, spec: str, sets: dict, *options: str) -> Drawing:
    out = tmp_path / "out.svg"
    args = ["graph", spec, "-o", str(out), *options]
    for key, value in sets.items():
        args += ["--set", f"{key}={value}"]
    assert main(args) == 0
    return Drawing(out)


def block_edges(graph: Graph) -> Counter[tuple[str, str]]:
    """Producer block -> consumer block, from each Block's inputs and outputs."""
    owner = {block.output: block.name for block in graph.blocks}
    return Counter((owner[ref], block.name) for block in graph.blocks for ref in block.inputs)


@pytest.mark.parametrize(("spec", "sets"), SPECS, ids=SPEC_IDS)
def test_block_diagram_has_one_node_per_block_and_the_blocks_edges(tmp_path, spec, sets):
    graph = archdsl.load(spec, **sets)
    drawing = draw(tmp_path, spec, sets)
    assert set(drawing.nodes) == {block.name for block in graph.blocks}
    assert len(drawing.nodes) == len(graph.blocks)  # no legend or title node
    assert drawing.edges == block_edges(graph)
    # The same pairs, derived independently: layer edges that cross a block boundary.
    crossing = {
        (graph.node(a).block, graph.node(b).block)
        for a, b in graph.edges()
        if graph.node(a).block != graph.node(b).block
    }
    assert set(drawing.edges) == crossing
    shapes = {stats.name: stats.output_shape for stats in analyze(graph).blocks}
    for block in graph.blocks:
        assert block_label(block) in drawing.nodes[block.name]
        assert shape_text(shapes[block.name]) in drawing.nodes[block.name]
    assert graph.title in drawing.text


@pytest.mark.parametrize(("spec", "sets"), SPECS, ids=SPEC_IDS)
def test_layer_diagram_has_every_layer_edge_and_block_cluster(tmp_path, spec, sets):
    graph = archdsl.load(spec, **sets)
    drawing = draw(tmp_path, spec, sets, "--level", "layer")
    assert set(drawing.nodes) == {node.name for node in graph.nodes}
    assert len(drawing.nodes) == len(graph.nodes)
    assert drawing.edges == Counter(
        (split_ref(ref)[0], node.name) for node in graph.nodes for ref in node.inputs
    )
    assert drawing.edges == Counter(graph.edges())
    assert drawing.clusters == {f"cluster_{b.name}" for b in graph.blocks if b.type != "input"}
    layers = {layer.name: layer for layer in analyze(graph).layers}
    for node in graph.nodes:
        text = drawing.nodes[node.name]
        assert shape_text(layers[node.name].output_shape) in text
        if layers[node.name].cost.params:
            assert f"{layers[node.name].cost.params:,} params" in text
        if node.op in ("add", "concat", "multiply"):
            assert drawing.inputs(node.name) == 2, node.name


# Residual adds, SE multiplies, concats and splits of each network, counted by hand from
# the papers' tables (e.g. MnasNet-A1: 1 + 2 + 3 + 1 + 2 identity blocks in stages 2-6).
MERGES = {
    "mnasnet_a1": {"add": 9, "multiply": 8},
    "mobilenet_v2": {"add": 10},
    "mobilenet_v3_large": {"add": 10, "multiply": 8},
    "mobilenet_v3_small": {"add": 6, "multiply": 9},
    "shufflenet_v2": {"concat": 16, "split": 13, "channel_shuffle": 16},
}


@pytest.mark.parametrize("spec", sorted(MERGES))
def test_merges_are_drawn_with_their_inputs(tmp_path, spec):
    graph = archdsl.load(spec)
    drawing = draw(tmp_path, spec, {}, "--level", "layer")
    for op, count in MERGES[spec].items():
        names = [node.name for node in graph.nodes if node.op == op]
        assert len(names) == count
        for name in names:
            assert drawing.inputs(name) == (2 if op in ("add", "multiply", "concat") else 1)
        if op == "split":  # two outputs, each on an edge of its own
            assert all(sum(n for (t, _), n in drawing.edges.items() if t == s) == 2 for s in names)


def test_residual_add_takes_the_block_input_and_a_shuffle_concat_the_untouched_half(tmp_path):
    a1 = draw(tmp_path, "mnasnet_a1", {}, "--level", "layer")
    assert a1.edges[("s3_b1_project_bn", "s3_b2_add")] == 1  # the identity, dashed
    assert a1.edges[("s3_b2_project_bn", "s3_b2_add")] == 1
    shuffle = draw(tmp_path, "shufflenet_v2", {}, "--level", "layer")
    assert shuffle.edges[("s2_b2_split", "s2_b2_concat")] == 1
    assert shuffle.edges[("s2_b2_b2_pw2_act", "s2_b2_concat")] == 1
    assert shuffle.edges[("s2_b1_b1_pw_act", "s2_b1_concat")] == 1  # stride 2: two branches


@pytest.mark.parametrize(
    ("spec", "sets", "nodes", "marks"),
    [
        ("mnasnet_a1", {}, 14, ["×2", "×3", "×4", "×2", "×3"]),
        ("mnasnet_b1", {}, 13, ["×3", "×3", "×3", "×2", "×4"]),
        ("mobilenet_v1", {}, 16, ["×5"]),
        ("shufflenet_v2", {"width": 0.5}, 12, ["×3", "×7", "×3"]),
    ],
)
def test_fold_draws_a_stages_repeats_as_one_node(tmp_path, spec, sets, nodes, marks):
    graph = archdsl.load(spec, **sets)
    drawing = draw(tmp_path, spec, sets, "--fold")
    assert len(drawing.nodes) == nodes
    assert len(drawing.nodes) == len(fold_groups(graph.blocks))
    assert sum(drawing.edges.values()) == nodes - 1  # these networks are chains of blocks
    assert [m for text in drawing.nodes.values() for m in text.split() if m.startswith("×")] == [
        *marks
    ]


def test_block_labels_follow_the_mnasnet_paper():
    graph = archdsl.load("mnasnet_a1")
    labels = [block_label(group.blocks[0]) for group in fold_groups(graph.blocks)]
    assert labels == [
        "Image",
        "Conv3x3",
        "SepConv (k3x3)",
        "MBConv6 (k3x3)",
        "MBConv3 (k5x5), SE",
        "MBConv6 (k3x3)",
        "MBConv6 (k3x3), SE",
        "MBConv6 (k5x5), SE",
        "MBConv6 (k3x3)",
        "Conv1x1",
        "Pooling",
        "Dropout 0.2",
        "FC",
        "Softmax",
    ]
    small = [block_label(b) for b in archdsl.load("mobilenet_v3_small").blocks]
    assert small[3:6] == ["SepConv (k3x3), SE", "MBConv72/16 (k3x3)", "MBConv88/24 (k3x3)"]
    large = [block_label(b) for b in archdsl.load("mobilenet_v3_large").blocks]
    assert "MBConv2.5 (k3x3)" in large
    shuffle = [block_label(b) for b in archdsl.load("shufflenet_v2").blocks]
    assert shuffle[:6] == ["Image", "Conv3x3", "MaxPool3x3", "ShuffleUnit s2", *["ShuffleUnit"] * 2]
    assert [block_label(b) for b in archdsl.load("mobilenet_v1").blocks][2] == "SepConv (k3x3)"


def test_dot_output_needs_no_graphviz_program_and_goes_to_stdout(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    out = tmp_path / "a1.dot"
    result = subprocess.run(
        [sys.executable, "-m", "archdsl", "graph", "mnasnet_a1", "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("digraph mnasnet_a1 {") and "rankdir=TB" in text
    piped = run_cli("graph", "mnasnet_a1", "-o", "-", "--rankdir", "LR", "--title", "A1")
    assert piped.returncode == 0
    assert piped.stdout.startswith("digraph mnasnet_a1 {") and "rankdir=LR" in piped.stdout
    assert ">A1<" in piped.stdout and "Tan et al." not in piped.stdout


@pytest.mark.parametrize("extension", ["svg", "png", "pdf"])
def test_missing_dot_is_one_line_with_the_fix_and_leaves_no_file(tmp_path, extension):
    empty = tmp_path / "bin"
    empty.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "archdsl", "graph", "mnasnet_a1", "-o", f"a1.{extension}"],
        capture_output=True,
        text=True,
        cwd=out_dir,
        env={**os.environ, "PATH": str(empty)},
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("archdsl: error: rendering ." + extension)
    for hint in ("apt-get install graphviz", "brew install graphviz", ".dot"):
        assert hint in lines[0]
    assert list(out_dir.iterdir()) == []


def test_default_output_names_and_formats(tmp_path):
    assert run_cli("graph", "mobilenet_v1", cwd=tmp_path).returncode == 0
    assert run_cli("graph", "mobilenet_v1", "--level", "layer", cwd=tmp_path).returncode == 0
    for name in ("x.png", "x.pdf"):
        assert run_cli("graph", "mobilenet_v1", "-o", name, cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mobilenet_v1.svg",
        "mobilenet_v1_layers.svg",
        "x.pdf",
        "x.png",
    ]
    assert (tmp_path / "x.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
    ET.parse(tmp_path / "mobilenet_v1.svg")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "x.png").stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "a1.jpg"], "cannot tell the format of 'a1.jpg'"),
        (["--fold", "--level", "layer"], "--fold folds blocks"),
        (["--blocks", "s3_b2"], "--blocks picks blocks"),
        (["--level", "layer", "--blocks", "s9_b1"], "has no block or stage 's9_b1'"),
        (["--level", "layer", "--blocks", "s3_b2..s3_b1"], "runs backwards"),
        (["-o", "missing/a1.dot"], "cannot write missing/a1.dot: No such file or directory"),
    ],
)
def test_bad_options_exit_1_without_output(tmp_path, args, message):
    result = run_cli("graph", "mnasnet_a1", *args, cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_spec_errors_are_located(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "archdsl: 1\nname: bad\ninput: [224, 224, 3]\nstages:\n  - mbconv: {filters: 0}\n"
    )
    result = run_cli("graph", str(spec), "-o", "-")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{spec}:5:")


def test_blocks_draws_a_range_with_stubs_for_outside_inputs(tmp_path):
    graph = archdsl.load("mnasnet_a1")
    drawing = draw(tmp_path, "mnasnet_a1", {}, "--level", "layer", "--blocks", "s3_b2..s3_b3")
    inside = {n.name for n in graph.nodes if n.block in ("s3_b2", "s3_b3")}
    assert set(drawing.nodes) == inside | {"s3_b1_project_bn"}  # one stub: the blocks' input
    assert drawing.clusters == {"cluster_s3_b2", "cluster_s3_b3"}
    assert drawing.edges == Counter(
        (a, b) for a, b in graph.edges() if b in inside
    )  # every edge into the chosen layers, and none out of them
    assert "MBConv + SE" in drawing.text and "SepConv" not in drawing.text


def test_block_diagram_without_title_keeps_the_legend():
    source = block_diagram(archdsl.load("shufflenet_v2"), title="")
    assert "ShuffleNetV2" not in source
    assert ">ShuffleUnit<" in source and ">Conv<" in source and "MBConv" not in source


PROBE = """
import sys
from archdsl.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)
print('HEAVY:' + ','.join(heavy), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize("level", ["block", "layer"])
def test_graph_never_imports_tensorflow(tmp_path, level):
    out = tmp_path / "v3.svg"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            "graph",
            "mobilenet_v3_large",
            "--level",
            level,
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY:\n" in result.stderr, result.stderr
    assert out.exists()
