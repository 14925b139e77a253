"""Graphviz diagrams of a Graph: the paper-style block picture and the full layer graph.

Both read only the Graph (and the analyzer's shapes and parameter counts, which come from
the same nodes) and return DOT text; ``graphviz_render`` turns DOT into SVG, PNG or PDF.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from html import escape

import graphviz

from archdsl.analysis.analyze import analyze
from archdsl.backends.graphviz_labels import (
    KINDS,
    MERGE_OPS,
    block_kind,
    block_label,
    layer_label,
    shape_text,
)
from archdsl.ir.graph import Block, Graph, Node, Shape, split_ref

FONT = "Helvetica"


@dataclass(frozen=True)
class Group:
    """Blocks drawn as one box: one block, or a stage's consecutive identical repeats."""

    blocks: tuple[Block, ...]

    @property
    def id(self) -> str:
        return self.blocks[0].name

    @property
    def last(self) -> Block:
        return self.blocks[-1]


def block_diagram(
    graph: Graph, *, fold: bool = False, rankdir: str = "TB", title: str | None = None
) -> str:
    """One box per block (the input block is the image), as the MnasNet paper draws them.

    With ``fold``, consecutive repeats of one spec entry that draw the same label share a
    box marked "×N", so a stage reads as in the paper's Figure 7 ("MBConv6 (k3x3) ×2").
    """
    shapes = {stats.name: stats.output_shape for stats in analyze(graph).blocks}
    groups = fold_groups(graph.blocks) if fold else [Group((b,)) for b in graph.blocks]
    dot = _digraph(graph, (block_kind(b) for b in graph.blocks), rankdir, title)
    dot.attr("graph", ranksep="0.3")
    dot.attr("node", shape="box", style="rounded,filled", fontname=FONT, fontsize="14", width="2.6")
    dot.attr("edge", color="#444444", arrowsize="0.7")
    for group in groups:
        dot.node(group.id, **_block_node(group, shapes[group.last.name]))
    group_of_output = {group.last.output: group.id for group in groups}
    for group in groups:
        for ref in group.blocks[0].inputs:
            dot.edge(group_of_output[ref], group.id)
    _draw_outputs(dot, graph, group_of_output)
    return dot.source


def _draw_outputs(dot: graphviz.Digraph, graph: Graph, sources: dict[str, str]) -> None:
    """Several outputs (features_only): an ellipse per output, named, fed by its producer.

    ``sources`` maps an output reference to the diagram node that draws its producer;
    outputs whose producer is not drawn are left out.
    """
    if not graph.named_outputs:
        return
    for name, ref in graph.named_outputs:
        if ref not in sources:
            continue
        shape = graph.node(split_ref(ref)[0]).outputs[split_ref(ref)[1]]
        label = rf"output {name}\n{shape_text(shape)}"
        beside = graphviz.Digraph()
        beside.attr(rank="same")  # beside its producer, so the main column stays straight
        beside.node(sources[ref])
        beside.node(f"output-{name}", label=label, shape="ellipse", fillcolor="#eeeeee")
        dot.subgraph(beside)
        dot.edge(sources[ref], f"output-{name}", style="dashed")


def fold_groups(blocks: Iterable[Block]) -> list[Group]:
    """Consecutive blocks from one spec entry, each fed by the one before, with one label."""
    groups: list[list[Block]] = []
    for block in blocks:
        previous = groups[-1][-1] if groups else None
        if (
            previous is not None
            and block.source == previous.source
            and block.inputs == (previous.output,)
            and block_label(block) == block_label(previous)
        ):
            groups[-1].append(block)
        else:
            groups.append([block])
    return [Group(tuple(group)) for group in groups]


def layer_diagram(
    graph: Graph,
    *,
    blocks: Collection[str] | None = None,
    rankdir: str = "TB",
    title: str | None = None,
) -> str:
    """Every layer with its output shape and parameters; each block a coloured cluster.

    Adds, SE multiplies, splits, concats and shuffles are ellipses; an identity shortcut
    into a residual add is dashed. ``blocks`` limits the drawing to those blocks: a layer
    outside them that feeds one inside is drawn as a dashed stub.
    """
    chosen = [b for b in graph.blocks if blocks is None or b.name in blocks]
    layers = {layer.name: layer for layer in analyze(graph).layers}
    dot = _digraph(graph, (block_kind(b) for b in chosen), rankdir, title)
    dot.attr("graph", nodesep="0.2", ranksep="0.25")
    dot.attr("node", shape="box", style="filled", fillcolor="white", fontname=FONT, fontsize="10")
    dot.attr("edge", color="#444444", arrowsize="0.6")
    members: dict[str, list[Node]] = {}
    for node in graph.nodes:
        members.setdefault(node.block, []).append(node)
    for block in chosen:
        target = dot if block.type == "input" else _cluster(block)
        for node in members[block.name]:
            layer = layers[node.name]
            attrs = {"label": layer_label(node, layer.output_shape, layer.cost.params)}
            if node.op in MERGE_OPS:
                attrs.update(shape="ellipse", fillcolor=MERGE_OPS[node.op])
            target.node(node.name, **attrs)
        if target is not dot:
            dot.subgraph(target)
    names = {block.name for block in chosen}
    stubs: set[str] = set()
    for node in (node for block in chosen for node in members[block.name]):
        for ref in node.inputs:
            producer, index = split_ref(ref)
            source = graph.node(producer)
            if source.block not in names and producer not in stubs:
                stubs.add(producer)
                label = rf"{producer}\n{shape_text(layers[producer].output_shape)}"
                dot.node(producer, label=label, style="dashed", color="#888888")
            attrs = {}
            if source.op == "split":
                attrs["taillabel"] = str(index)
            if node.op == "add" and source.block != node.block:
                attrs.update(style="dashed", color="#d35400", penwidth="1.5")
            dot.edge(producer, node.name, **attrs)
    drawn = {node.name for block in chosen for node in members[block.name]}
    _draw_outputs(
        dot,
        graph,
        {ref: split_ref(ref)[0] for _, ref in graph.outputs if split_ref(ref)[0] in drawn},
    )
    return dot.source


def _cluster(block: Block) -> graphviz.Digraph:
    cluster = graphviz.Digraph(name=f"cluster_{block.name}")
    cluster.attr(
        label=f"{block.name}: {block_label(block)}",
        style="rounded,filled",
        fillcolor=KINDS[block_kind(block)][1],
        color="#888888",
        fontname=FONT,
        fontsize="12",
    )
    return cluster


def _digraph(
    graph: Graph, kinds: Iterable[str], rankdir: str, title: str | None
) -> graphviz.Digraph:
    """The graph with its label: the title over a one-row legend of the block kinds present.

    The legend lives in the graph's label, not in a node, so it never stretches a rank.
    """
    present = set(kinds) - {"input"}
    swatches = "".join(
        f'<TD BGCOLOR="{colour}" BORDER="1" STYLE="ROUNDED">{escape(text)}</TD>'
        for kind, (text, colour) in KINDS.items()
        if kind in present
    )
    text = graph.title if title is None else title
    rows = [f'<TR><TD><FONT POINT-SIZE="20">{escape(text)}</FONT></TD></TR>'] if text else []
    if swatches:
        rows.append(
            f'<TR><TD><TABLE BORDER="0" CELLSPACING="6" CELLPADDING="4"><TR>{swatches}</TR></TABLE></TD></TR>'
        )
    dot = graphviz.Digraph(name=graph.name)
    dot.attr("graph", rankdir=rankdir, fontname=FONT, fontsize="11", bgcolor="white")
    if rows:
        dot.attr("graph", labelloc="t", label=f'<<TABLE BORDER="0">{"".join(rows)}</TABLE>>')
    return dot


def _block_node(group: Group, shape: Shape) -> dict[str, str]:
    kind = block_kind(group.blocks[0])
    count = len(group.blocks)
    repeat = f' <FONT POINT-SIZE="16"><B>×{count}</B></FONT>' if count > 1 else ""
    label = (
        f"<{escape(block_label(group.blocks[0]))}{repeat}"
        f'<BR/><FONT POINT-SIZE="11" COLOR="#555555">{shape_text(shape)}</FONT>>'
    )
    attrs = {"label": label, "fillcolor": KINDS[kind][1]}
    if kind == "input":
        attrs["style"] = "rounded"
    return attrs
