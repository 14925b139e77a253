"""What the diagrams say and how they colour it: block and layer labels, kinds, palette.

Block labels follow the MnasNet paper's Figure 7 ("SepConv (k3x3)", "MBConv6 (k5x5), SE",
"Conv3x3", "Pooling", "FC"); layer labels name the Keras layer and its settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archdsl.ir.graph import Block, Node, Shape

# Block kinds in legend order: (legend text, fill colour).
KINDS: dict[str, tuple[str, str]] = {
    "input": ("Input", "#ffffff"),
    "conv": ("Conv", "#dae8fc"),
    "sepconv": ("SepConv", "#d5e8d4"),
    "mbconv": ("MBConv", "#fff2cc"),
    "mbconv_se": ("MBConv + SE", "#f8cecc"),
    "shuffle": ("ShuffleUnit", "#e1d5e7"),
    "head": ("Pooling, FC, other", "#eeeeee"),
}

# Layer ops that join or divide the data flow: drawn as ellipses, so the residual adds,
# SE scaling, splits, concats and shuffles stand out from the chain of convolutions.
MERGE_OPS: dict[str, str] = {
    "add": "#f4a261",
    "multiply": "#e76f51",
    "concat": "#8ab17d",
    "split": "#8ab17d",
    "channel_shuffle": "#b392ac",
}

ACTIVATIONS = {
    "relu": "ReLU",
    "relu6": "ReLU6",
    "hard_swish": "h-swish",
    "swish": "swish",
    "sigmoid": "sigmoid",
    "hard_sigmoid": "h-sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
}


def shape_text(shape: Shape) -> str:
    """(112, 112, 32) -> '112×112×32'."""
    return "×".join(str(d) for d in shape)


def block_kind(block: Block) -> str:
    """The colour class of a block (a key of KINDS)."""
    if block.type == "input":
        return "input"
    if block.type in ("conv", "dwconv"):
        return "conv"
    if block.type == "sepconv" or (block.type == "mbconv" and _is_sepconv(block.knobs)):
        return "sepconv"
    if block.type == "mbconv":
        return "mbconv_se" if block.knobs.get("se_channels") else "mbconv"
    if block.type == "shuffle":
        return "shuffle"
    return "head"


def block_label(block: Block) -> str:
    """The paper's name for a block: 'MBConv6 (k5x5), SE', 'ShuffleUnit s2', 'FC'."""
    knobs = block.knobs
    kind = block.type
    if kind == "input":
        return "Image"
    if kind == "conv":
        k = knobs["kernel"]
        groups = int(knobs.get("groups", 1))
        return f"Conv{k}x{k}" + (f" g{groups}" if groups > 1 else "")
    if kind == "dwconv":
        return f"DWConv{knobs['kernel']}x{knobs['kernel']}"
    if kind in ("sepconv", "mbconv"):
        k = knobs["kernel"]
        name = "SepConv" if kind == "sepconv" or _is_sepconv(knobs) else _mbconv_name(knobs)
        return f"{name} (k{k}x{k})" + (", SE" if knobs.get("se_channels") else "")
    if kind == "shuffle":
        stride = int(knobs["stride"])
        return "ShuffleUnit" + (f" s{stride}" if stride > 1 else "")
    if kind == "pool":
        size = knobs["size"]
        return f"{str(knobs['kind']).capitalize()}Pool{size}x{size}"
    if kind == "global_pool":
        return "Pooling"
    if kind == "dense":
        return "FC"
    if kind == "dropout":
        return f"Dropout {knobs['rate']:g}"
    if kind == "activation":
        return ACTIVATIONS.get(knobs["fn"], str(knobs["fn"])).capitalize()
    return kind.replace("_", " ").capitalize()


def _is_sepconv(knobs: Mapping[str, Any]) -> bool:
    """An MBConv with expansion 1 is MnasNet's SepConv: no expand conv."""
    return str(knobs.get("expansion")) in ("1", "1.0")


def _mbconv_name(knobs: Mapping[str, Any]) -> str:
    """'MBConv6', with the expansion as the spec writes it (2.5, 72/16)."""
    expansion = knobs["expansion"]
    if isinstance(expansion, float) and expansion.is_integer():
        expansion = int(expansion)
    return f"MBConv{expansion}"


def layer_label(node: Node, shape: Shape, params: int) -> str:
    """Three lines (DOT's ``\\n`` breaks): the layer's name, what it does, shape and params."""
    outputs = f"{node.attrs.get('groups', 2)} × " if node.op == "split" else ""
    facts = outputs + shape_text(shape) + (f"  {params:,} params" if params else "")
    return rf"{node.name}\n{layer_op_text(node)}\n{facts}"


def layer_op_text(node: Node) -> str:
    attrs = node.attrs
    op = node.op
    if op == "conv2d":
        groups = int(attrs["groups"])
        return (
            f"Conv {_window(attrs)}, {attrs['filters']}"
            + (f", groups {groups}" if groups > 1 else "")
            + (", bias" if attrs["bias"] else "")
        )
    if op == "depthwise_conv2d":
        multiplier = int(attrs["depth_multiplier"])
        return f"DepthwiseConv {_window(attrs)}" + (f", x{multiplier}" if multiplier > 1 else "")
    if op == "pad":
        return f"Pad {attrs['pad']} ({'zeros' if attrs['fill'] == 'zero' else attrs['fill']})"
    if op == "pool":
        return f"{str(attrs['kind']).capitalize()}Pool {_window(attrs, key='size')}"
    if op == "global_pool":
        return f"Global{str(attrs['kind']).capitalize()}Pool"
    if op == "activation":
        return ACTIVATIONS.get(attrs["fn"], str(attrs["fn"]))
    if op == "dense":
        return f"Dense {attrs['units']}"
    if op == "dropout":
        return f"{'DropPath' if attrs.get('per_sample') else 'Dropout'} {attrs['rate']:g}"
    if op == "add":
        return "Add (+)"
    if op == "multiply":
        return "Multiply (×)"
    if op == "split":
        return f"Split into {attrs.get('groups', 2)}"
    if op == "channel_shuffle":
        return f"ChannelShuffle, {attrs['groups']} groups"
    if op == "rescale":
        return f"Rescale ×{attrs['scale']:.4g} {attrs['offset']:+g}"
    if op == "batch_norm":
        return "BatchNorm"
    return op.replace("_", " ").capitalize()


def _window(attrs: Mapping[str, Any], key: str = "kernel") -> str:
    """'3×3' or '3×3 /2' (the stride, when it is not 1)."""
    size, stride = attrs[key], int(attrs.get("stride", 1))
    return f"{size}×{size}" + (f" /{stride}" if stride > 1 else "")
