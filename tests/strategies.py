"""Hypothesis strategies for random *valid* spec documents.

``spec_documents()`` draws plain spec dicts (what a YAML file parses to) that use every
block type and every knob, with shapes tracked as blocks are drawn so each spec compiles:
channels divide into groups, stride-1 shuffle units keep their channels, a valid-padded
window always fits, dense layers follow a flatten or a global pool. Inputs stay small
(16 to 32 pixels a side) so Keras can build and run many of them quickly.

Compile one with ``archdsl.compile.compile_document(Document(data, "<hypothesis>"))``.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from archdsl.ir import builder
from archdsl.space.load import load_space
from archdsl.space.space import Space
from archdsl.spec.schema import block_knobs

ACTIVATIONS = ["relu", "relu6", "hard_swish", "swish", "sigmoid", "hard_sigmoid", "tanh", "none"]
MAX_CHANNELS = 48


@dataclass(frozen=True)
class Shape:
    """The running output shape: an image (h, w, c), or a vector of c values."""

    h: int
    w: int
    c: int
    vector: bool = False


class Settings(builder.Settings):
    """The compiler's spec-wide settings (its width-scaling rule included), plus the knob
    lookup and repeat count the strategy needs to predict channels."""

    def knob(self, args: dict[str, Any], name: str, schema_default: Any) -> Any:
        """The value a block gets for a knob: its own, else the spec's default, else the schema's."""
        return args.get(name, self.defaults.get(name, schema_default))

    def repeats(self, args: dict[str, Any]) -> int:
        return math.ceil(args.get("repeats", 1) * self.depth)


def _spatial(size: int, kernel: int, stride: int, padding: str) -> int:
    same = padding in ("same", "symmetric")  # symmetric (odd kernels only) keeps same's sizes
    return -(-size // stride) if same else (size - kernel) // stride + 1


def _fits(shape: Shape, kernel: int, padding: str) -> bool:
    return padding in ("same", "symmetric") or (shape.h >= kernel and shape.w >= kernel)


def _window(shape: Shape, kernel: int, stride: int, padding: str, channels: int) -> Shape:
    return Shape(
        _spatial(shape.h, kernel, stride, padding),
        _spatial(shape.w, kernel, stride, padding),
        channels,
    )


bn_options = st.one_of(
    st.booleans(),
    st.fixed_dictionaries(
        {},
        optional={
            "epsilon": st.sampled_from([1e-5, 1e-3, 0.01]),
            "momentum": st.sampled_from([0.9, 0.99, 0.9997]),
        },
    ),
)


def _optional(draw: st.DrawFn, args: dict[str, Any], name: str, values: st.SearchStrategy) -> None:
    """Set knob ``name`` about half the time, so defaults get exercised too."""
    if draw(st.booleans()):
        args[name] = draw(values)


def _windowed_args(
    draw: st.DrawFn, shape: Shape, s: Settings, kernels: list[int]
) -> dict[str, Any]:
    """kernel, stride, padding and repeats for a repeatable block, all of which fit ``shape``."""
    args: dict[str, Any] = {}
    _optional(draw, args, "kernel", st.sampled_from(kernels))
    _optional(draw, args, "stride", st.sampled_from([1, 2]))
    _optional(draw, args, "repeats", st.integers(1, 2))
    kernel = s.knob(args, "kernel", 3)
    # valid padding shrinks every repeat: allow it only when all repeats fit, the first
    # with its stride (a bound by kernel and repeats alone let a strided one end at 0)
    stride, size = args.get("stride", 1), min(shape.h, shape.w)
    for repeat in range(s.repeats(args)):
        size = (
            _spatial(size, kernel, stride if repeat == 0 else 1, "valid") if size >= kernel else 0
        )
    if size >= 1 and draw(st.booleans()):
        args["padding"] = "valid"
    elif draw(st.booleans()):
        args["padding"] = draw(st.sampled_from(["same", "symmetric"] if kernel % 2 else ["same"]))
    return args


def _repeat_shapes(shape: Shape, args: dict[str, Any], s: Settings, channels: int) -> Shape:
    kernel, padding = s.knob(args, "kernel", 3), args.get("padding", "same")
    for repeat in range(s.repeats(args)):
        stride = args.get("stride", 1) if repeat == 0 else 1
        shape = _window(shape, kernel, stride, padding, channels)
    return shape


@st.composite
def conv_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    args = _windowed_args(draw, shape, s, [1, 3, 5])
    groups = draw(st.sampled_from([g for g in (1, 2, 3, 4) if shape.c % g == 0]))
    if groups > 1:
        # grouped: say the channels exactly, so both sides divide
        args.update(groups=groups, width_scaling="none")
        filters = groups * draw(st.integers(1, MAX_CHANNELS // groups))
    else:
        filters = draw(st.integers(1, MAX_CHANNELS))
        _optional(
            draw,
            args,
            "width_scaling",
            st.sampled_from(["make_divisible", "floor_make_divisible", "floor", "up_only", "none"]),
        )
    multiples = [m for m in (1, 2, 6) if s.round_channels(shape.c * m) <= MAX_CHANNELS]
    if multiples and groups == 1 and s.repeats(args) == 1 and draw(st.booleans()):
        # channels as a multiple of the input's (one repeat: the next would multiply again)
        args["input_multiple"] = draw(st.sampled_from(multiples))
        out = s.round_channels(shape.c * args["input_multiple"])
    else:
        args["filters"] = filters
        out = s.scale(filters, s.knob(args, "width_scaling", "make_divisible"))
    _optional(draw, args, "bias", st.booleans())
    _optional(draw, args, "bn", bn_options)
    _optional(draw, args, "activation", st.sampled_from(ACTIVATIONS))
    return {"conv": args}, _repeat_shapes(shape, args, s, out)


@st.composite
def dwconv_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    args = _windowed_args(draw, shape, s, [3, 5])
    multiplier = draw(st.sampled_from([1, 1, 2]))
    if multiplier > 1 and s.repeats(args) == 1 and shape.c * multiplier <= MAX_CHANNELS:
        args["depth_multiplier"] = multiplier
    _optional(draw, args, "bias", st.booleans())
    _optional(draw, args, "bn", bn_options)
    _optional(draw, args, "activation", st.sampled_from(ACTIVATIONS))
    out = shape.c * args.get("depth_multiplier", 1)
    return {"dwconv": args}, _repeat_shapes(shape, args, s, out)


@st.composite
def sepconv_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    args = _windowed_args(draw, shape, s, [3, 5])
    args["filters"] = draw(st.integers(1, MAX_CHANNELS))
    _optional(draw, args, "width_scaling", st.sampled_from(["make_divisible", "floor", "none"]))
    _optional(draw, args, "bias", st.booleans())
    _optional(draw, args, "bn", bn_options)
    _optional(draw, args, "activation", st.sampled_from(ACTIVATIONS))
    _optional(draw, args, "pw_activation", st.sampled_from(ACTIVATIONS))
    out = s.scale(args["filters"], s.knob(args, "width_scaling", "make_divisible"))
    return {"sepconv": args}, _repeat_shapes(shape, args, s, out)


@st.composite
def mbconv_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    args: dict[str, Any] = {}
    _optional(draw, args, "kernel", st.sampled_from([3, 5]))
    _optional(draw, args, "stride", st.sampled_from([1, 2]))
    _optional(draw, args, "repeats", st.integers(1, 3))
    keep = draw(st.booleans())
    if keep:  # a residual fits (pooled when the block strides): the same channels
        args.update(filters=shape.c, width_scaling="none")
        skips = ["auto", "pool", True, False] if args.get("stride", 1) == 1 else ["pool"]
        _optional(draw, args, "skip", st.sampled_from(skips))
    else:
        args["filters"] = draw(st.integers(1, MAX_CHANNELS))
        _optional(draw, args, "width_scaling", st.sampled_from(["make_divisible", "floor", "none"]))
        _optional(draw, args, "skip", st.sampled_from(["auto", "pool", False]))
    out = s.scale(args["filters"], s.knob(args, "width_scaling", "make_divisible"))
    # a fractional expansion must leave a channel in every repeat (its input is `out` after the first)
    expansions = [1, 2, 3, 6, 2.5, "72/16", "88/24"] + ([0.5] if min(shape.c, out) >= 2 else [])
    _optional(draw, args, "expansion", st.sampled_from(expansions))
    _optional(draw, args, "expand_round", st.sampled_from(["round", "make_divisible"]))
    _optional(draw, args, "expand_conv", st.sampled_from(["auto", "always"]))
    _optional(draw, args, "padding", st.sampled_from(["same", "symmetric"]))
    _optional(draw, args, "bias", st.booleans())
    _optional(draw, args, "se", st.sampled_from([0, 0.25, 0.5]))
    _optional(draw, args, "se_base", st.sampled_from(["input", "expanded"]))
    _optional(draw, args, "se_round", st.sampled_from(["floor", "make_divisible"]))
    _optional(draw, args, "se_gate", st.sampled_from(["sigmoid", "hard_sigmoid"]))
    _optional(draw, args, "se_activation", st.sampled_from(ACTIVATIONS))
    _optional(draw, args, "se_bias", st.booleans())
    _optional(draw, args, "activation", st.sampled_from(ACTIVATIONS))
    _optional(draw, args, "bn", bn_options)
    return {"mbconv": args}, _repeat_shapes(shape, {**args, "padding": "same"}, s, out)


@st.composite
def shuffle_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    args: dict[str, Any] = {"width_scaling": "none"}
    if shape.c % 2 == 0 and draw(st.booleans()):
        args.update(stride=1, filters=shape.c)  # a stride-1 unit keeps its channels
    else:
        args.update(stride=2, filters=2 * draw(st.integers(1, MAX_CHANNELS // 2)))
    _optional(draw, args, "kernel", st.sampled_from([3, 5]))
    _optional(draw, args, "repeats", st.integers(1, 2))
    groups = [g for g in (2, 3, 4) if args["filters"] % g == 0]
    _optional(draw, args, "groups", st.sampled_from(groups))
    _optional(draw, args, "concat_order", st.sampled_from(["shortcut_first", "branch_first"]))
    _optional(draw, args, "bias", st.booleans())
    _optional(draw, args, "padding", st.sampled_from(["same", "symmetric"]))
    _optional(draw, args, "activation", st.sampled_from(ACTIVATIONS))
    _optional(draw, args, "bn", bn_options)
    return {"shuffle": args}, _repeat_shapes(shape, {**args, "padding": "same"}, s, args["filters"])


@st.composite
def pool_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    if draw(st.booleans()):
        kind = draw(st.sampled_from(["avg", "max"]))
        return {"pool": kind}, _window(shape, 2, 2, "same", shape.c)
    args: dict[str, Any] = {}
    _optional(draw, args, "kind", st.sampled_from(["avg", "max"]))
    _optional(draw, args, "size", st.integers(1, 3))
    _optional(draw, args, "stride", st.integers(1, 3))
    size = args.get("size", 2)
    padding = "valid" if _fits(shape, size, "valid") and draw(st.booleans()) else "same"
    if padding == "same" and size % 2 and draw(st.booleans()):
        padding = "symmetric"
    if padding != "same" or draw(st.booleans()):
        args["padding"] = padding
    return {"pool": args}, _window(shape, size, args.get("stride", size), padding, shape.c)


@st.composite
def global_pool_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    if draw(st.booleans()):
        return {"global_pool": draw(st.sampled_from(["avg", "max"]))}, Shape(1, 1, shape.c, True)
    args: dict[str, Any] = {}
    _optional(draw, args, "kind", st.sampled_from(["avg", "max"]))
    _optional(draw, args, "keepdims", st.booleans())
    return {"global_pool": args}, Shape(1, 1, shape.c, not args.get("keepdims", False))


@st.composite
def dropout_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    rate = draw(st.sampled_from([0.0, 0.1, 0.5]))
    return ({"dropout": rate} if draw(st.booleans()) else {"dropout": {"rate": rate}}), shape


@st.composite
def dense_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    units = draw(st.integers(1, 32))
    if draw(st.booleans()):
        return {"dense": units}, Shape(1, 1, units, True)
    args: dict[str, Any] = {"units": units}
    _optional(draw, args, "bias", st.booleans())
    return {"dense": args}, Shape(1, 1, units, True)


@st.composite
def flatten_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    block = {"flatten": draw(st.sampled_from([None, {}]))}
    size = shape.c if shape.vector else shape.h * shape.w * shape.c
    return block, Shape(1, 1, size, True)


@st.composite
def activation_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    fn = draw(st.sampled_from([*ACTIVATIONS[:-1], "softmax"]))
    return ({"activation": fn} if draw(st.booleans()) else {"activation": {"fn": fn}}), shape


@st.composite
def rescale_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    scale = draw(st.sampled_from([1 / 255, 1 / 127.5, 2.0]))
    if draw(st.booleans()):
        return {"rescale": scale}, shape
    args: dict[str, Any] = {"scale": scale}
    _optional(draw, args, "offset", st.sampled_from([-1.0, 0.0, 0.5]))
    return {"rescale": args}, shape


@st.composite
def normalization_block(draw: st.DrawFn, shape: Shape, s: Settings) -> tuple[dict, Shape]:
    return {"normalization": draw(st.sampled_from([None, {}]))}, shape


IMAGE_BLOCKS = {
    "conv": conv_block,
    "dwconv": dwconv_block,
    "sepconv": sepconv_block,
    "mbconv": mbconv_block,
    "shuffle": shuffle_block,
    "pool": pool_block,
    "global_pool": global_pool_block,
}
ANY_SHAPE_BLOCKS = {
    "dropout": dropout_block,
    "activation": activation_block,
    "rescale": rescale_block,
    "normalization": normalization_block,
    "flatten": flatten_block,
}
VECTOR_BLOCKS = {"dense": dense_block}
BLOCK_TYPES = sorted({*IMAGE_BLOCKS, *ANY_SHAPE_BLOCKS, *VECTOR_BLOCKS})


@st.composite
def block(
    draw: st.DrawFn, shape: Shape, s: Settings, types: list[str] | None = None
) -> tuple[dict, Shape]:
    """One block that fits ``shape`` (of one of ``types`` where it fits), and its output shape."""
    choices = {**ANY_SHAPE_BLOCKS, **(VECTOR_BLOCKS if shape.vector else IMAGE_BLOCKS)}
    if shape.vector or shape.h * shape.w * shape.c > 4096:
        choices.pop("flatten")  # flattening a big image makes a needlessly huge dense layer
    allowed = sorted(choices if types is None else set(types) & set(choices) or choices)
    kind = draw(st.sampled_from(allowed))
    return draw(choices[kind](shape, s))


@st.composite
def spec_documents(draw: st.DrawFn, types: list[str] | None = None) -> dict[str, Any]:
    """A valid spec dict; ``types`` (default: all) are the block types it prefers."""
    size = draw(st.sampled_from([16, 24, 32]))
    shape = Shape(size, draw(st.sampled_from([size, size + 8])), draw(st.integers(1, 4)))
    params: dict[str, Any] = {
        "width": draw(st.sampled_from([0.5, 0.75, 1.0, 1.5])),
        "depth": draw(st.sampled_from([1.0, 1.5])),
    }
    defaults: dict[str, Any] = {}
    _optional(draw, defaults, "activation", st.sampled_from(ACTIVATIONS))
    _optional(draw, defaults, "bn", bn_options)
    _optional(draw, defaults, "bias", st.booleans())
    _optional(draw, defaults, "divisor", st.sampled_from([1, 4, 8]))
    _optional(draw, defaults, "min_channels", st.integers(1, 8))
    _optional(draw, defaults, "width_scaling", st.sampled_from(["make_divisible", "floor", "none"]))
    _optional(draw, defaults, "expand_round", st.sampled_from(["round", "make_divisible"]))
    _optional(draw, defaults, "expand_conv", st.sampled_from(["auto", "always"]))
    _optional(draw, defaults, "concat_order", st.sampled_from(["shortcut_first", "branch_first"]))
    _optional(draw, defaults, "se", st.sampled_from([0, 0.25]))
    _optional(draw, defaults, "se_base", st.sampled_from(["input", "expanded"]))
    _optional(draw, defaults, "se_round", st.sampled_from(["floor", "make_divisible"]))
    _optional(draw, defaults, "se_gate", st.sampled_from(["sigmoid", "hard_sigmoid"]))
    _optional(draw, defaults, "se_activation", st.sampled_from(ACTIVATIONS))
    _optional(draw, defaults, "se_bias", st.booleans())
    _optional(draw, defaults, "kernel", st.sampled_from([1, 3, 5]))
    _optional(draw, defaults, "skip", st.sampled_from(["auto", False]))
    _optional(draw, defaults, "drop_path", st.sampled_from([0, 0.2]))
    settings_values = (
        params["width"],
        params["depth"],
        defaults.get("divisor", 8),
        defaults.get("min_channels"),
        defaults,
    )
    settings = Settings(*settings_values)
    first = shape
    sections: dict[str, list[dict]] = {}
    for section, (low, high) in (("stem", (0, 2)), ("stages", (1, 4)), ("head", (0, 3))):
        blocks = []
        # the depth multiplier scales the repeats of the stages only
        here = (
            settings
            if section == "stages"
            else Settings(*settings_values[:1], 1.0, *settings_values[2:])
        )
        for _ in range(draw(st.integers(low, high))):
            entry, shape = draw(block(shape, here, types))
            ((kind, args),) = entry.items()
            joins = section == "stages" and blocks and isinstance(args, dict)
            if joins and "repeats" in block_knobs(kind) and draw(st.booleans()):
                args["continues"] = True  # its layers join the stage above
            blocks.append(entry)
        sections[section] = blocks
    if draw(st.booleans()):  # a classifier head reached through a $param
        params["classes"] = draw(st.integers(2, 20))
        if not shape.vector:
            entry, shape = draw(global_pool_block(shape, settings))
            sections["head"].append(entry)
            if not shape.vector:
                sections["head"].append({"flatten": {}})
        sections["head"].append({"dense": {"units": "$classes", "name": "logits"}})
    data: dict[str, Any] = {
        "archdsl": 1,
        "name": "random_net",
        "title": "drawn by hypothesis",
        "input": [first.h, first.w, first.c],
        "params": params,
        "defaults": defaults,
    }
    data.update({section: blocks for section, blocks in sections.items() if blocks})
    return data


@functools.cache
def _mnasnet_space() -> Space:
    return load_space("mnasnet")


@st.composite
def mnasnet_candidates(draw: st.DrawFn) -> dict[str, Any]:
    """A random candidate of the MnasNet search space (``specs/spaces/mnasnet.yaml``, drawn by
    archdsl's own sampler) at a width and input size people deploy: a spec dict of the size
    latency is predicted for (tens to hundreds of millions of MACs), unlike
    ``spec_documents``' 16-32 pixel networks, which run in microseconds."""
    space = _mnasnet_space()
    assignment = space.sample(random.Random(draw(st.integers(0, 2**32 - 1))))
    data = space.resolve(assignment, "mnasnet_candidate").data
    size = draw(st.sampled_from([128, 160, 192, 224]))
    data["input"] = [size, size, 3]
    data["params"] = {**data["params"], "width": draw(st.sampled_from([0.35, 0.5, 0.75, 1.0, 1.4]))}
    return data
