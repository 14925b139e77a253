"""What each primitive op does to shapes, and what it costs: one small function each.

The expander runs this table once per node and stores the results on the Graph, where the
analyzer adds them up; the Keras backend builds the same ops, and a test checks that Keras
agrees with every figure here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from archdsl.ir.graph import Shape
from archdsl.record import Record

Attrs = Mapping[str, Any]
# (trainable parameters, non-trainable parameters, MACs) of one application; a plain tuple
# because it is made for every node (the builder adds memory figures into a Cost)
OpCost = tuple[int, int, int]
FREE: OpCost = (0, 0, 0)


class ShapeError(ValueError):
    """An op cannot take the shapes it is given (the expander locates it in the spec)."""


class OpDef(Record):  # not a dataclass: see errors.Location
    """Output shapes from input shapes, and the cost of one application."""

    shapes: Callable[[Attrs, Sequence[Shape]], list[Shape]]
    cost: Callable[[Attrs, Sequence[Shape], Shape], OpCost]


def _free(attrs: Attrs, ins: Sequence[Shape], out: Shape) -> OpCost:
    return FREE


def _spatial(size: int, kernel: int, stride: int, padding: str) -> int:
    if padding == "same":
        return -(-size // stride)
    out = (size - kernel) // stride + 1 if size >= kernel else 0
    if out < 1:
        raise ShapeError(
            f"spatial size reaches 0: a {kernel}x{kernel} window does not fit in {size} pixels"
        )
    return out


def _image(ins: Sequence[Shape]) -> Shape:
    if len(ins[0]) != 3:
        raise ShapeError(f"needs an image (H, W, C), got shape {list(ins[0])}")
    return ins[0]


def _window(attrs: Attrs, ins: Sequence[Shape], channels: int) -> list[Shape]:
    h, w, _ = _image(ins)
    k, s, pad = attrs["kernel"], attrs["stride"], attrs.get("padding", "same")
    return [(_spatial(h, k, s, pad), _spatial(w, k, s, pad), channels)]


def _conv_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    c = _image(ins)[2]
    groups = attrs.get("groups", 1)
    if c % groups or attrs["filters"] % groups:
        raise ShapeError(
            f"{c} input and {attrs['filters']} output channels do not divide into {groups} groups"
        )
    return _window(attrs, ins, attrs["filters"])


def _conv_cost(attrs: Attrs, ins: Sequence[Shape], out: Shape) -> OpCost:
    per_output = attrs["kernel"] ** 2 * ins[0][2] // attrs.get("groups", 1)
    weights = per_output * attrs["filters"] + (attrs["filters"] if attrs.get("bias") else 0)
    return weights, 0, out[0] * out[1] * out[2] * per_output


def _dw_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    return _window(attrs, ins, _image(ins)[2] * attrs.get("depth_multiplier", 1))


def _dw_cost(attrs: Attrs, ins: Sequence[Shape], out: Shape) -> OpCost:
    k2 = attrs["kernel"] ** 2
    weights = k2 * out[2] + (out[2] if attrs.get("bias") else 0)
    return weights, 0, out[0] * out[1] * out[2] * k2


def _pool_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    size = attrs["size"]
    return _window(
        {"kernel": size, "stride": attrs["stride"], "padding": attrs["padding"]},
        ins,
        _image(ins)[2],
    )


def _pad_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    h, w, c = _image(ins)
    return [(h + 2 * attrs["pad"], w + 2 * attrs["pad"], c)]


def _same(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    return [ins[0]]


def _bn_cost(attrs: Attrs, ins: Sequence[Shape], out: Shape) -> OpCost:
    return 2 * out[-1], 2 * out[-1], 0


def _normalization_cost(attrs: Attrs, ins: Sequence[Shape], out: Shape) -> OpCost:
    """Keras' adaptable Normalization: mean and variance per channel, and a count."""
    return 0, 2 * out[-1] + 1, 0


def _add_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    if any(shape != ins[0] for shape in ins):
        raise ShapeError(f"cannot add shapes {' and '.join(str(list(s)) for s in ins)}")
    return [ins[0]]


def _multiply_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    x, gate = ins
    if len(x) != len(gate) or any(g not in (1, d) for g, d in zip(gate, x, strict=True)):
        raise ShapeError(f"cannot scale shape {list(x)} by {list(gate)}")
    return [x]


def _concat_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    if any(shape[:-1] != ins[0][:-1] for shape in ins):
        raise ShapeError(f"cannot concatenate shapes {' and '.join(str(list(s)) for s in ins)}")
    return [(*ins[0][:-1], sum(shape[-1] for shape in ins))]


def _split_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    c, groups = ins[0][-1], attrs["groups"]
    if c % groups:
        raise ShapeError(f"{c} channels do not split into {groups} equal parts")
    return [(*ins[0][:-1], c // groups)] * groups


def _shuffle_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    if ins[0][-1] % attrs["groups"]:
        raise ShapeError(f"{ins[0][-1]} channels do not shuffle in {attrs['groups']} groups")
    return [ins[0]]


def _global_pool_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    c = _image(ins)[2]
    return [(1, 1, c) if attrs.get("keepdims") else (c,)]


def _dense_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    if len(ins[0]) != 1:
        raise ShapeError(
            f"dense needs a vector; got shape {list(ins[0])} (add global_pool or flatten first)"
        )
    return [(attrs["units"],)]


def _dense_cost(attrs: Attrs, ins: Sequence[Shape], out: Shape) -> OpCost:
    weights = ins[0][0] * attrs["units"]
    return weights + (attrs["units"] if attrs.get("bias") else 0), 0, weights


def _flatten_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    return [(math.prod(ins[0]),)]


def _input_shapes(attrs: Attrs, ins: Sequence[Shape]) -> list[Shape]:
    return [tuple(attrs["shape"])]


OPS: dict[str, OpDef] = {
    "input": OpDef(_input_shapes, _free),
    "conv2d": OpDef(_conv_shapes, _conv_cost),
    "depthwise_conv2d": OpDef(_dw_shapes, _dw_cost),
    "batch_norm": OpDef(_same, _bn_cost),
    "activation": OpDef(_same, _free),
    "add": OpDef(_add_shapes, _free),
    "multiply": OpDef(_multiply_shapes, _free),
    "concat": OpDef(_concat_shapes, _free),
    "split": OpDef(_split_shapes, _free),
    "channel_shuffle": OpDef(_shuffle_shapes, _free),
    "pad": OpDef(_pad_shapes, _free),
    "pool": OpDef(_pool_shapes, _free),
    "global_pool": OpDef(_global_pool_shapes, _free),
    "dense": OpDef(_dense_shapes, _dense_cost),
    "dropout": OpDef(_same, _free),
    "flatten": OpDef(_flatten_shapes, _free),
    "rescale": OpDef(_same, _free),
    "normalization": OpDef(_same, _normalization_cost),
}
