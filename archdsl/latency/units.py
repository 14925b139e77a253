"""The pieces of a network the TFLite interpreter runs as one kernel, and their table keys.

The TFLite converter folds a convolution's BatchNorm into its weights and fuses the
activation that follows (XNNPACK runs them as one operator), so timing a Conv2D alone
would miss what a phone runs. A *unit* is therefore a conv2d, depthwise_conv2d or dense
node together with the batch_norm and activation that only it feeds; every other node
is a unit of its own. Its *key* names everything that decides its speed: the ops and
their attributes, the input shapes and the batch size (not BatchNorm's epsilon or
momentum, nor a dropout rate, which the converter removes).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from archdsl.ir.graph import Graph, Node, Shape, split_ref

HEADS = ("conv2d", "depthwise_conv2d", "dense")
FUSED = ("batch_norm", "activation")
# Ops the converter removes: nothing runs for them at inference.
FREE = ("input", "dropout")
# Attributes that do not change what runs (folded into weights, or training only).
IGNORED_ATTRS = {"batch_norm": ("epsilon", "momentum"), "dropout": ("rate",)}
# Units with these ops are calibrated at their exact spatial size; the rest are converted
# once with dynamic height and width and resized, which runs the same kernels.
# (A shuffle's and a flatten's reshape would compute a dynamic shape at run time.)
STATIC_OPS = ("channel_shuffle", "flatten")


class Unit(NamedTuple):  # not a dataclass: see errors.Location
    """Nodes run as one kernel: ``nodes[0]`` is the head; its row carries the time."""

    nodes: tuple[Node, ...]
    input_refs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    batch: int

    @property
    def head(self) -> str:
        return self.nodes[0].name

    @property
    def free(self) -> bool:
        return all(node.op in FREE for node in self.nodes)

    @property
    def key(self) -> str:
        """What the table is indexed by, e.g. ``conv2d(...)+batch_norm+activation(fn=relu)@1:56x56x24``."""
        return f"{self.ops_text}@{self.batch}:{','.join(_shape(s) for s in self.input_shapes)}"

    @property
    def ops_text(self) -> str:
        return "+".join(_op_text(node) for node in self.nodes)

    @property
    def dynamic(self) -> bool:
        """Whether one conversion with dynamic height and width serves every size."""
        return not any(node.op in STATIC_OPS for node in self.nodes)

    @property
    def model_shapes(self) -> tuple[tuple[int | None, ...], ...]:
        """Input shapes of the one-unit model converted for this key (None: dynamic)."""
        if not self.dynamic:
            return self.input_shapes
        return tuple(
            (None, None, s[2]) if len(s) == 3 and s[0] * s[1] > 1 else s for s in self.input_shapes
        )

    @property
    def model_key(self) -> str:
        """Units with the same model key share one converted model."""
        shapes = ",".join(
            "x".join("?" if d is None else str(d) for d in s) for s in self.model_shapes
        )
        return f"{self.ops_text}@{self.batch}:{shapes}"


def _shape(shape: Shape) -> str:
    return "x".join(str(d) for d in shape)


def _op_text(node: Node) -> str:
    ignored = IGNORED_ATTRS.get(node.op, ())
    attrs = [f"{k}={_value(v)}" for k, v in sorted(node.attrs.items()) if k not in ignored]
    return f"{node.op}({','.join(attrs)})" if attrs else node.op


def _value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "x".join(str(v) for v in value)
    return str(value)


def units(graph: Graph, batch: int = 1) -> list[Unit]:
    """The graph's nodes grouped into units, in graph order."""
    consumers: dict[str, list[str]] = {}
    for node in graph.nodes:
        for ref in node.inputs:
            consumers.setdefault(split_ref(ref)[0], []).append(node.name)
    shapes = _shapes(graph)
    outputs = {ref for _, ref in graph.outputs}
    result = []
    absorbed: set[str] = set()
    for node in graph.nodes:
        if node.name in absorbed:
            continue
        members = [node]
        if node.op in HEADS:
            members += _fused_chain(graph, node, consumers, outputs)
        absorbed.update(member.name for member in members)
        result.append(
            Unit(
                nodes=tuple(members),
                input_refs=node.inputs,
                input_shapes=tuple(shapes[ref] for ref in node.inputs),
                batch=batch,
            )
        )
    return result


def _fused_chain(
    graph: Graph, head: Node, consumers: Mapping[str, list[str]], outputs: set[str]
) -> list[Node]:
    """The batch_norm, then activation, that only ``head``'s output feeds (in that order);
    a network output is never fused away."""
    chain: list[Node] = []
    current = head
    for op in FUSED:
        after = consumers.get(current.name, [])
        if len(after) != 1 or current.name in outputs:
            break
        follower = graph.node(after[0])
        if follower.op != op:
            continue
        chain.append(follower)
        current = follower
    return chain


def _shapes(graph: Graph) -> dict[str, Shape]:
    """Output shape by reference (``name``, or ``name:i`` for several outputs)."""
    shapes: dict[str, Shape] = {}
    for node in graph.nodes:
        outs = node.outputs
        if len(outs) == 1:
            shapes[node.name] = outs[0]
        else:
            shapes.update((f"{node.name}:{i}", shape) for i, shape in enumerate(outs))
    return shapes


def distinct(all_units: Iterator[Unit] | list[Unit]) -> dict[str, Unit]:
    """Key -> one unit with that key, skipping units that run nothing."""
    return {unit.key: unit for unit in all_units if not unit.free}
