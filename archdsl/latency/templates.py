"""One-unit TFLite models without one conversion each: convert a template, then resize it.

Converting a model takes TensorFlow a good fraction of a second, and a calibration needs
hundreds of one-unit models that differ only in their channel counts (height and width are
dynamic already). So each unit structure is converted once, with every channel count
replaced by a *marker* (a multiple of 4 that no other number in the template equals), and the
flatbuffer is then rewritten for each unit: every tensor dimension (and integer constant)
equal to a marker becomes the unit's channel count, and every weight tensor gets random
values of its new size. The operators, their options and the fusions are the converter's
own. A test checks that the rewritten models have the same operators and tensor shapes as
models converted directly. Units this cannot map (a marker that would stand for two
different counts) are converted directly.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import numpy as np

from archdsl.ir.graph import Node, Shape
from archdsl.ir.ops import OPS
from archdsl.latency.units import Unit

# 4 * primes: divisible by the 2 or 4 groups a split may ask for, above kernel sizes, strides,
# pads and axes, and small, so that a template's weights stay small to convert.
MARKERS = tuple(4 * p for p in (13, 17, 19, 23, 29, 31, 37, 41, 43, 47))
CHANNEL_ATTRS = ("filters", "units")


def template_of(unit: Unit) -> tuple[Unit, dict[int, int]] | None:
    """``unit`` with its channel counts replaced by markers, and marker -> count; None when
    the unit cannot be templated."""
    if not unit.dynamic or unit.batch in MARKERS or any(_grouped(node) for node in unit.nodes):
        return None
    counts: dict[int, int] = {}  # count -> marker

    def mark(value: int) -> int:
        if value not in counts:
            if len(counts) == len(MARKERS):
                raise _Unmappable
            counts[value] = MARKERS[len(counts)]
        return counts[value]

    try:
        shapes = tuple(_mark_shape(shape, mark) for shape in unit.input_shapes)
        nodes = tuple(_with_attrs(node, _mark_attrs(node, mark)) for node in unit.nodes)
    except _Unmappable:
        return None
    template = Unit(nodes, unit.input_refs, shapes, unit.batch)
    mapping = {marker: count for count, marker in counts.items()}
    if not _consistent(template, unit, mapping):
        return None
    return template, mapping


def _grouped(node: Node) -> bool:
    """Grouped convolutions have weight dims (channels / groups) no marker stands for."""
    return node.attrs.get("groups", 1) != 1 or node.attrs.get("depth_multiplier", 1) != 1


class _Unmappable(Exception):
    pass


def _mark_shape(shape: Shape, mark: Callable[[int], int]) -> Shape:
    return (*shape[:-1], mark(shape[-1]))


def _with_attrs(node: Node, attrs: dict) -> Node:
    """A copy of ``node`` with other attrs (its shapes and cost are not needed here)."""
    return Node(
        name=node.name,
        op=node.op,
        attrs=attrs,
        inputs=node.inputs,
        block=node.block,
        stage=node.stage,
    )


def _mark_attrs(node: Node, mark: Callable[[int], int]) -> dict:
    return {k: mark(v) if k in CHANNEL_ATTRS else v for k, v in node.attrs.items()}


def _consistent(template: Unit, unit: Unit, mapping: dict[int, int]) -> bool:
    """Every channel count the template's layers produce maps to the unit's by ``mapping``
    (a derived count, such as a concat's sum, must not collide with a marker)."""
    for mine, theirs in zip(_channels(template), _channels(unit), strict=True):
        if mapping.get(mine, mine) != theirs:
            return False
    return True


def _channels(unit: Unit) -> Iterator[int]:
    shapes = dict(zip(unit.input_refs, unit.input_shapes, strict=True))
    for node in unit.nodes:
        outs = OPS[node.op].shapes(node.attrs, [shapes[ref] for ref in node.inputs])
        for i, shape in enumerate(outs):
            shapes[node.name if len(outs) == 1 else f"{node.name}:{i}"] = shape
            yield shape[-1]


def rewrite(content: bytes, mapping: dict[int, int], seed: int = 0) -> bytes:
    """The template flatbuffer ``content`` with markers replaced by channel counts."""
    import flatbuffers

    fb = _schema()
    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(content, 0))
    model = copy.deepcopy(model)
    rng = np.random.default_rng(seed)
    float32 = fb.TensorType.FLOAT32
    int32 = fb.TensorType.INT32
    for subgraph in model.subgraphs:
        for tensor in subgraph.tensors:
            if tensor.shape is not None:
                tensor.shape = np.array(
                    [mapping.get(int(d), int(d)) for d in tensor.shape], np.int32
                )
            if tensor.shapeSignature is not None:
                tensor.shapeSignature = np.array(
                    [mapping.get(int(d), int(d)) for d in tensor.shapeSignature], np.int32
                )
            buffer = model.buffers[tensor.buffer]
            if buffer.data is None or len(buffer.data) == 0:
                continue
            size = int(np.prod(tensor.shape)) if tensor.shape is not None else 1
            if tensor.type == float32 and size * 4 != len(buffer.data):
                values = rng.normal(0.0, 0.1, size).astype(np.float32)
                buffer.data = np.frombuffer(values.tobytes(), np.uint8)
            elif tensor.type == int32:
                old = np.frombuffer(bytes(buffer.data), np.int32)
                new = np.array([mapping.get(int(v), int(v)) for v in old], np.int32)
                buffer.data = np.frombuffer(new.tobytes(), np.uint8)
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _schema():  # noqa: ANN202 - a generated module
    try:
        from ai_edge_litert import schema_py_generated
    except ImportError:
        from tensorflow.lite.python import schema_py_generated
    return schema_py_generated
