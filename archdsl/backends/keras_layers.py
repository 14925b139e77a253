"""What Keras lacks: ShuffleNet's channel split and shuffle, an exact hard sigmoid, and
padding with -inf (PyTorch's padded max pooling).

Written with ``keras.ops`` only, so they run on any Keras backend, and registered under
the package ``archdsl`` (``archdsl>ChannelSplit``, ...) so that a saved ``.keras`` file
loads in safe mode once archdsl is imported (see ``archdsl.backends.keras_registry``).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="archdsl")
def hard_sigmoid(x: Any) -> Any:
    """``relu6(x + 3) * (1/6)``: Keras 3's hard sigmoid, in keras.applications' order.

    MobileNetV3 in keras.applications computes its SE gate this way; Keras's own
    ``hard_sigmoid`` divides by 6 instead, which differs in the last bit of some values,
    and a deep network turns that into visibly different logits (measured: up to 3.5e-5
    of their scale on MobileNetV3-Large). Used as ``Activation(hard_sigmoid)``.
    """
    return ops.relu6(x + 3.0) * (1.0 / 6.0)


def _check_groups(groups: int, channels: int | None, what: str) -> None:
    if groups < 1:
        raise ValueError(f"{what} needs groups >= 1, got {groups}")
    if channels is not None and channels % groups:
        raise ValueError(f"{what}: {channels} channels do not divide into {groups} groups")


@keras.saving.register_keras_serializable(package="archdsl")
class ChannelSplit(keras.layers.Layer):
    """Split the last axis into ``groups`` equal parts: one output per part, in order."""

    def __init__(self, groups: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.groups = int(groups)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        _check_groups(self.groups, input_shape[-1], "ChannelSplit")

    def call(self, inputs: Any) -> list[Any]:
        return ops.split(inputs, self.groups, axis=-1)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> list[tuple]:
        channels = input_shape[-1]
        part = None if channels is None else channels // self.groups
        return [(*input_shape[:-1], part) for _ in range(self.groups)]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "groups": self.groups}


@keras.saving.register_keras_serializable(package="archdsl")
class ChannelShuffle(keras.layers.Layer):
    """ShuffleNet's channel shuffle on NHWC: view C as (groups, C/groups), transpose, flatten.

    Output channel ``i * groups + g`` is input channel ``g * (C/groups) + i``, as in
    torchvision's ``channel_shuffle``.
    """

    def __init__(self, groups: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.groups = int(groups)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        _check_groups(self.groups, input_shape[-1], "ChannelShuffle")

    def call(self, inputs: Any) -> Any:
        _, height, width, channels = ops.shape(inputs)
        per_group = channels // self.groups
        x = ops.reshape(inputs, (-1, height, width, self.groups, per_group))
        x = ops.transpose(x, (0, 1, 2, 4, 3))
        return ops.reshape(x, (-1, height, width, channels))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "groups": self.groups}


@keras.saving.register_keras_serializable(package="archdsl")
class MinPadding2D(keras.layers.Layer):
    """Pad height and width by ``pad`` on every side with -inf (NHWC).

    A valid max pool after it is PyTorch's ``MaxPool2d(padding=pad)``: a pad never wins.
    ``ZeroPadding2D`` would let a zero win over negative inputs.
    """

    def __init__(self, pad: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pad = int(pad)

    def call(self, inputs: Any) -> Any:
        p = self.pad
        return ops.pad(inputs, ((0, 0), (p, p), (p, p), (0, 0)), constant_values=float("-inf"))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple:
        batch, height, width, channels = input_shape
        grow = [None if d is None else d + 2 * self.pad for d in (height, width)]
        return (batch, *grow, channels)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pad": self.pad}
