"""Lowering of each block type to primitive nodes: one function per type.

Each takes the block's context and its input reference and returns its output
reference. Layer roles follow keras.applications' habits (expand, dw, se_reduce,
project), prefixed by the block's name.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from archdsl.ir.builder import BlockContext
from archdsl.ir.rounding import ratio


def lower_conv(b: BlockContext, x: str) -> str:
    multiple = b.knob("input_multiple")
    if multiple is None and b.knob("filters") is None:
        raise b.error(
            "conv needs filters (or input_multiple: channels as a multiple of its input's)"
        )
    if multiple is not None and "filters" in b.args:
        raise b.error("give filters or input_multiple, not both", "input_multiple")
    if multiple is None:
        filters = b.settings.scale(int(b.knob("filters")), b.knob("width_scaling"))
    else:
        filters = b.settings.round_channels(b.channels(x) * float(multiple))
    kernel, groups = int(b.knob("kernel")), int(b.knob("groups"))
    b.knobs.update(filters=filters, kernel=kernel, stride=b.stride, groups=groups)
    x = b.conv(
        "conv",
        x,
        filters,
        kernel,
        b.stride,
        groups=groups,
        bias=bool(b.knob("bias")),
        padding=b.knob("padding"),
    )
    return b.bn_act("", x, b.knob("activation"))


def lower_dwconv(b: BlockContext, x: str) -> str:
    kernel = int(b.knob("kernel"))
    b.knobs.update(kernel=kernel, stride=b.stride)
    x = b.dw(
        "dw",
        x,
        kernel,
        b.stride,
        depth_multiplier=int(b.knob("depth_multiplier")),
        bias=bool(b.knob("bias")),
        padding=b.knob("padding"),
    )
    return b.bn_act("", x, b.knob("activation"))


def lower_sepconv(b: BlockContext, x: str) -> str:
    filters = b.settings.scale(int(b.knob("filters")), b.knob("width_scaling"))
    kernel, bias, activation = int(b.knob("kernel")), bool(b.knob("bias")), b.knob("activation")
    b.knobs.update(filters=filters, kernel=kernel, stride=b.stride)
    x = b.dw("dw", x, kernel, b.stride, bias=bias, padding=b.knob("padding"))
    x = b.bn_act("dw", x, activation)
    x = b.conv("pw", x, filters, bias=bias)
    return b.bn_act("pw", x, b.knob("pw_activation") or activation)


def lower_mbconv(b: BlockContext, x: str) -> str:
    block_input = x
    in_channels = b.channels(x)
    filters = b.settings.scale(int(b.knob("filters")), b.knob("width_scaling"))
    expansion = ratio(b.knob("expansion"))
    if math.isinf(expansion):
        raise b.error(f"expansion {b.knob('expansion')} divides by zero", "expansion")
    kernel, activation, bias = int(b.knob("kernel")), b.knob("activation"), bool(b.knob("bias"))
    padding = b.knob("padding")
    expanded = in_channels
    if expansion != 1:
        wanted = in_channels * expansion
        rounding = b.knob("expand_round")
        expanded = (
            b.settings.round_channels(wanted) if rounding == "make_divisible" else round(wanted)
        )
        if expanded < 1:
            raise b.error(f"expansion {b.knob('expansion')} leaves no channels", "expansion")
    if expansion != 1 or b.knob("expand_conv") == "always":
        x = b.bn_act("expand", b.conv("expand", x, expanded, bias=bias), activation)
    x = b.bn_act("dw", b.dw("dw", x, kernel, b.stride, bias=bias, padding=padding), activation)
    se_channels = 0
    if float(b.knob("se")) > 0:
        se_channels, x = _squeeze_excite(b, x, in_channels, expanded)
    x = b.bn("project_bn", b.conv("project", x, filters, bias=bias))
    shortcut = _shortcut(b, block_input, x)
    residual = shortcut is not None
    if shortcut is not None:
        rate = _drop_path_rate(b)
        if rate > 0:
            x = b.one("dropout", "drop", [x], rate=rate, per_sample=True)
        x = b.one("add", "add", [shortcut, x])
    b.knobs.update(
        filters=filters,
        expansion=b.knob("expansion"),
        kernel=kernel,
        stride=b.stride,
        expanded=expanded,
        se=float(b.knob("se")),
        se_channels=se_channels,
        skip=residual,
        activation=activation,
    )
    return x


def _squeeze_excite(b: BlockContext, x: str, in_channels: int, expanded: int) -> tuple[int, str]:
    """SE on ``x``; returns its reduced channel count and its output."""
    base = in_channels if b.knob("se_base") == "input" else expanded
    wanted = base * float(b.knob("se"))
    if b.knob("se_round") == "make_divisible":
        reduced = b.settings.round_channels(wanted)
    else:
        reduced = max(1, int(wanted))
    bias = bool(b.knob("se_bias"))
    gate = b.one("global_pool", "se_pool", [x], kind="avg", keepdims=True)
    gate = b.act("se_act", b.conv("se_reduce", gate, reduced, bias=bias), b.knob("se_activation"))
    gate = b.act("se_gate", b.conv("se_expand", gate, expanded, bias=bias), b.knob("se_gate"))
    return reduced, b.one("multiply", "se_scale", [x, gate])


def _drop_path_rate(b: BlockContext) -> float:
    """Stochastic depth of this block: drop_path * index / stage blocks (keras EfficientNet)."""
    top = float(b.knob("drop_path"))
    if top == 0:  # the place is not read: the repeats of a stage then share one lowering
        return 0.0
    if b.stage_index is None:
        if "drop_path" in b.args:
            raise b.error(
                "drop_path follows the blocks of the stages; this block is not one", "drop_path"
            )
        return 0.0
    return top * b.stage_index / b.settings.stage_blocks


def _shortcut(b: BlockContext, block_input: str, output: str) -> str | None:
    """What the residual adds to ``output``: the block's input, its pooled input, or nothing.

    ``skip: pool`` is MnasNet's pooling skip op: where the block strides but keeps its
    channels, the input is average-pooled to the output's size; elsewhere it acts as auto.
    """
    skip = b.knob("skip")
    fits = b.shape(block_input) == b.shape(output)
    if skip is True and not fits:
        raise b.error(
            f"skip: true, but the block maps {list(b.shape(block_input))} to {list(b.shape(output))};"
            " a residual needs stride 1 and equal channels",
            "skip",
        )
    if skip is True or (skip in ("auto", "pool") and fits):
        return block_input
    height, width, channels = b.shape(block_input)
    pooled = (math.ceil(height / b.stride), math.ceil(width / b.stride), channels)
    if skip == "pool" and b.stride > 1 and pooled == b.shape(output):
        return b.one(
            "pool",
            "skip_pool",
            [block_input],
            kind="avg",
            size=b.stride,
            stride=b.stride,
            padding="same",
        )
    return None


def lower_shuffle(b: BlockContext, x: str) -> str:
    filters = b.settings.scale(int(b.knob("filters")), b.knob("width_scaling"))
    in_channels = b.channels(x)
    kernel, groups = int(b.knob("kernel")), int(b.knob("groups"))
    if filters % 2:
        raise b.error(f"{filters} output channels do not split into two equal branches", "filters")
    half = filters // 2
    b.knobs.update(filters=filters, kernel=kernel, stride=b.stride, groups=groups)
    if b.stride == 1 and in_channels != filters:
        asked = (
            f"{filters}"
            if filters == int(b.knob("filters"))
            else f"{filters} ({b.knob('filters')} after width scaling)"
        )
        raise b.error(
            f"a stride-1 shuffle unit keeps its channels, but gets {in_channels} and is asked for {asked}"
            " (make the stage's first unit stride 2, or match the filters)",
            "filters",
        )
    bias, padding = bool(b.knob("bias")), b.knob("padding")
    if b.stride == 1:
        left, right = b.add("split", "split", [x], groups=2)
    else:
        left = b.bn("b1_dw_bn", b.dw("b1_dw", x, kernel, b.stride, bias=bias, padding=padding))
        left = b.bn_act("b1_pw", b.conv("b1_pw", left, half, bias=bias), b.knob("activation"))
        right = x
    right = _shuffle_branch(b, right, half, kernel, bias, padding)
    order = [left, right] if b.knob("concat_order") == "shortcut_first" else [right, left]
    merged = b.one("concat", "concat", order)
    return b.one("channel_shuffle", "shuffle", [merged], groups=groups)


def _shuffle_branch(
    b: BlockContext, x: str, channels: int, kernel: int, bias: bool, padding: str
) -> str:
    """1x1 + BN + act, depthwise kxk + BN, 1x1 + BN + act: ShuffleNetV2's branch 2."""
    activation = b.knob("activation")
    x = b.bn_act("b2_pw1", b.conv("b2_pw1", x, channels, bias=bias), activation)
    x = b.bn("b2_dw_bn", b.dw("b2_dw", x, kernel, b.stride, bias=bias, padding=padding))
    return b.bn_act("b2_pw2", b.conv("b2_pw2", x, channels, bias=bias), activation)


def lower_pool(b: BlockContext, x: str) -> str:
    size, kind = int(b.knob("size")), b.knob("kind")
    stride = int(b.args.get("stride") or size)
    b.knobs.update(kind=kind, size=size, stride=stride)
    # PyTorch's pools: max never picks a pad (TF's same agrees), avg counts the zeros (it does not)
    fill = "-inf" if kind == "max" else "zero"
    x, padding = b.pad(None, x, size, stride, b.knob("padding"), fill, explicit=kind == "avg")
    return b.one("pool", None, [x], kind=kind, size=size, stride=stride, padding=padding)


def lower_global_pool(b: BlockContext, x: str) -> str:
    b.knobs.update(kind=b.knob("kind"))
    return b.one("global_pool", None, [x], kind=b.knob("kind"), keepdims=bool(b.knob("keepdims")))


def lower_dropout(b: BlockContext, x: str) -> str:
    b.knobs.update(rate=float(b.knob("rate")))
    return b.one("dropout", None, [x], rate=float(b.knob("rate")))


def lower_dense(b: BlockContext, x: str) -> str:
    b.knobs.update(units=int(b.knob("units")))
    return b.one("dense", None, [x], units=int(b.knob("units")), bias=bool(b.knob("bias")))


def lower_flatten(b: BlockContext, x: str) -> str:
    return b.one("flatten", None, [x])


def lower_activation(b: BlockContext, x: str) -> str:
    """``fn: none`` makes no layer: ``activation: $classifier_activation`` may be switched off."""
    if b.knob("fn") == "none":
        return x
    b.knobs.update(fn=b.knob("fn"))
    return b.act(None, x, b.knob("fn"))


def lower_rescale(b: BlockContext, x: str) -> str:
    b.knobs.update(scale=float(b.knob("scale")), offset=float(b.knob("offset")))
    return b.one("rescale", None, [x], scale=float(b.knob("scale")), offset=float(b.knob("offset")))


def lower_normalization(b: BlockContext, x: str) -> str:
    return b.one("normalization", None, [x])


LOWERINGS: dict[str, Callable[[BlockContext, str], str]] = {
    "conv": lower_conv,
    "dwconv": lower_dwconv,
    "sepconv": lower_sepconv,
    "mbconv": lower_mbconv,
    "shuffle": lower_shuffle,
    "pool": lower_pool,
    "global_pool": lower_global_pool,
    "dropout": lower_dropout,
    "dense": lower_dense,
    "flatten": lower_flatten,
    "activation": lower_activation,
    "rescale": lower_rescale,
    "normalization": lower_normalization,
}

# The knob a scalar shorthand sets: `dropout: 0.2`, `global_pool: avg`, `dense: $classes`.
SHORTHAND_KNOB = {
    "pool": "kind",
    "global_pool": "kind",
    "dropout": "rate",
    "dense": "units",
    "activation": "fn",
    "rescale": "scale",
}
