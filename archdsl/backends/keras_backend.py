"""The Keras 3 backend: one Keras layer per Graph node, in a functional model.

Layers are Keras's built-in ones, plus ``ChannelSplit`` and ``ChannelShuffle`` from
``archdsl.backends.keras_layers``; no Lambda layers, so saved models load in safe mode.
Activations compute what keras.applications computes (``ReLU(6.0)`` for relu6,
``Activation("hard_swish")``, hard sigmoid as ``relu6(x + 3) * (1/6)``), so a copied set
of weights gives bit-for-bit the same outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras

from archdsl.backends.keras_layers import ChannelShuffle, ChannelSplit, MinPadding2D, hard_sigmoid
from archdsl.ir.graph import Graph, Node


class KerasBackendError(RuntimeError):
    """The Graph asks for something this backend cannot build: a bug, not a user error."""


LayerFactory = Callable[[Mapping[str, Any], str], keras.layers.Layer]


def _conv2d(attrs: Mapping[str, Any], name: str) -> keras.layers.Layer:
    return keras.layers.Conv2D(
        attrs["filters"],
        attrs["kernel"],
        strides=attrs["stride"],
        padding=attrs.get("padding", "same"),
        groups=attrs.get("groups", 1),
        use_bias=bool(attrs.get("bias")),
        name=name,
    )


def _depthwise_conv2d(attrs: Mapping[str, Any], name: str) -> keras.layers.Layer:
    return keras.layers.DepthwiseConv2D(
        attrs["kernel"],
        strides=attrs["stride"],
        padding=attrs.get("padding", "same"),
        depth_multiplier=attrs.get("depth_multiplier", 1),
        use_bias=bool(attrs.get("bias")),
        name=name,
    )


def _batch_norm(attrs: Mapping[str, Any], name: str) -> keras.layers.Layer:
    return keras.layers.BatchNormalization(
        epsilon=attrs["epsilon"], momentum=attrs["momentum"], name=name
    )


# Activation names as Keras 3 spells them; relu and relu6 use the ReLU layer, as the
# keras.applications MobileNets do.
ACTIVATIONS = ("relu", "relu6", "hard_swish", "swish", "sigmoid", "hard_sigmoid", "tanh", "softmax")


def _activation(attrs: Mapping[str, Any], name: str) -> keras.layers.Layer:
    fn = attrs["fn"]
    if fn == "relu":
        return keras.layers.ReLU(name=name)
    if fn == "relu6":
        return keras.layers.ReLU(6.0, name=name)
    if fn == "hard_sigmoid":
        return keras.layers.Activation(hard_sigmoid, name=name)
    if fn in ACTIVATIONS:
        return keras.layers.Activation(fn, name=name)
    raise KerasBackendError(f"layer '{name}': unknown activation '{fn}'")


def _pad(attrs: Mapping[str, Any], name: str) -> keras.layers.Layer:
    if attrs["fill"] == "zero":
        return keras.layers.ZeroPadding2D(attrs["pad"], name=name)
    if attrs["fill"] == "-inf":
        return MinPadding2D(attrs["pad"], name=name)
    raise KerasBackendError(f"layer '{name}': unknown padding fill '{attrs['fill']}'")


def _pool(attrs: Mapping[str, Any], name: str) -> keras.layers.Layer:
    kinds = {"avg": keras.layers.AveragePooling2D, "max": keras.layers.MaxPooling2D}
    return _kind(kinds, attrs, name)(
        pool_size=attrs["size"], strides=attrs["stride"], padding=attrs["padding"], name=name
    )


def _global_pool(attrs: Mapping[str, Any], name: str) -> keras.layers.Layer:
    kinds = {"avg": keras.layers.GlobalAveragePooling2D, "max": keras.layers.GlobalMaxPooling2D}
    return _kind(kinds, attrs, name)(keepdims=bool(attrs.get("keepdims")), name=name)


def _kind(kinds: Mapping[str, type], attrs: Mapping[str, Any], name: str) -> type:
    if attrs["kind"] not in kinds:
        raise KerasBackendError(f"layer '{name}': unknown pooling kind '{attrs['kind']}'")
    return kinds[attrs["kind"]]


LAYERS: dict[str, LayerFactory] = {
    "conv2d": _conv2d,
    "depthwise_conv2d": _depthwise_conv2d,
    "batch_norm": _batch_norm,
    "activation": _activation,
    "add": lambda attrs, name: keras.layers.Add(name=name),
    "multiply": lambda attrs, name: keras.layers.Multiply(name=name),
    "concat": lambda attrs, name: keras.layers.Concatenate(axis=-1, name=name),
    "split": lambda attrs, name: ChannelSplit(attrs["groups"], name=name),
    "channel_shuffle": lambda attrs, name: ChannelShuffle(attrs["groups"], name=name),
    "pad": _pad,
    "pool": _pool,
    "global_pool": _global_pool,
    "dense": lambda attrs, name: keras.layers.Dense(
        attrs["units"], use_bias=bool(attrs.get("bias")), name=name
    ),
    # per_sample: stochastic depth, one draw per sample (keras.applications EfficientNet).
    "dropout": lambda attrs, name: keras.layers.Dropout(
        attrs["rate"], noise_shape=(None, 1, 1, 1) if attrs.get("per_sample") else None, name=name
    ),
    "flatten": lambda attrs, name: keras.layers.Flatten(name=name),
    "rescale": lambda attrs, name: keras.layers.Rescaling(
        attrs["scale"], offset=attrs.get("offset", 0.0), name=name
    ),
    # Unadapted, as keras.applications' EfficientNets build it: mean 0 and variance 1 per
    # channel until weights are loaded or ``adapt`` is called.
    "normalization": lambda attrs, name: keras.layers.Normalization(axis=-1, name=name),
}


def make_layer(node: Node) -> keras.layers.Layer:
    """The Keras layer for one (non-input) node; an op without one is a KerasBackendError."""
    factory = LAYERS.get(node.op)
    if factory is None:
        raise KerasBackendError(
            f"layer '{node.name}': the Keras backend has no layer for op '{node.op}'"
        )
    return factory(node.attrs, node.name)


def to_keras(graph: Graph) -> keras.Model:
    """Build ``graph`` as a Keras functional model named ``graph.name``."""
    first = graph.nodes[0]
    if first.op != "input":
        raise KerasBackendError(f"the graph starts with '{first.name}' ({first.op}), not an input")
    outputs: dict[str, Any] = {
        first.name: keras.Input(shape=tuple(first.attrs["shape"]), name=first.name)
    }
    for node in graph.nodes[1:]:
        layer = make_layer(node)
        inputs = [_output(outputs, ref) for ref in node.inputs]
        result = layer(inputs if len(inputs) > 1 else inputs[0])
        if isinstance(result, (list, tuple)):
            outputs.update({f"{node.name}:{i}": tensor for i, tensor in enumerate(result)})
        else:
            outputs[node.name] = result
    if graph.named_outputs:  # features_only: a dict of stage-end feature maps, s1, s2, ...
        result: Any = {name: _output(outputs, ref) for name, ref in graph.named_outputs}
    else:
        result = _output(outputs, graph.output)
    return keras.Model(outputs[first.name], result, name=graph.name)


def _output(outputs: Mapping[str, Any], ref: str) -> Any:
    if ref not in outputs:
        raise KerasBackendError(f"reference '{ref}' names no earlier layer's output")
    return outputs[ref]
