"""The seeds' own Keras networks, ported to Keras 3 with as few changes as possible.

MobileNetV2 is xiaochus/MobileNetV2's ``mobilenet_v2.py`` (MIT); ShuffleNetV2 is
opconty/keras-shufflenetV2's ``shufflenetv2.py`` and ``utils.py`` (MIT). Each function keeps
its original's structure, names and arguments. What Keras 3 forced us to change, and nothing
else: layer names use ``_`` where the originals used ``/`` (Keras 3 refuses ``/``);
``K.permute_dimensions``/``K.reshape`` become ``keras.ops.transpose``/``keras.ops.reshape``;
``K.relu``, ``K.int_shape`` and ``x.shape.as_list()`` become ``keras.activations.relu`` and
``x.shape``; the input-shape helpers the original imports from keras internals
(``_obtain_input_shape``, ``get_source_inputs``) are not needed for a fixed input shape.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import layers

# --- xiaochus/MobileNetV2


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def relu6(x: Any) -> Any:
    return keras.activations.relu(x, max_value=6.0)


def _conv_block(inputs: Any, filters: int, kernel: Any, strides: Any) -> Any:
    x = layers.Conv2D(filters, kernel, padding="same", strides=strides)(inputs)
    x = layers.BatchNormalization(axis=-1)(x)
    return layers.Activation(relu6)(x)


def _bottleneck(
    inputs: Any, filters: int, kernel: Any, t: int, alpha: float, s: int, r: bool = False
) -> Any:
    tchannel = inputs.shape[-1] * t
    cchannel = int(filters * alpha)
    x = _conv_block(inputs, tchannel, (1, 1), (1, 1))
    x = layers.DepthwiseConv2D(kernel, strides=(s, s), depth_multiplier=1, padding="same")(x)
    x = layers.BatchNormalization(axis=-1)(x)
    x = layers.Activation(relu6)(x)
    x = layers.Conv2D(cchannel, (1, 1), strides=(1, 1), padding="same")(x)
    x = layers.BatchNormalization(axis=-1)(x)
    if r:
        x = layers.Add()([x, inputs])
    return x


def _inverted_residual_block(
    inputs: Any, filters: int, kernel: Any, t: int, alpha: float, strides: int, n: int
) -> Any:
    x = _bottleneck(inputs, filters, kernel, t, alpha, strides)
    for _ in range(1, n):
        x = _bottleneck(x, filters, kernel, t, alpha, 1, True)
    return x


def MobileNetv2(input_shape: tuple[int, int, int], k: int, alpha: float = 1.0) -> keras.Model:  # noqa: N802
    inputs = layers.Input(shape=input_shape)
    first_filters = _make_divisible(32 * alpha, 8)
    x = _conv_block(inputs, first_filters, (3, 3), strides=(2, 2))
    x = _inverted_residual_block(x, 16, (3, 3), t=1, alpha=alpha, strides=1, n=1)
    x = _inverted_residual_block(x, 24, (3, 3), t=6, alpha=alpha, strides=2, n=2)
    x = _inverted_residual_block(x, 32, (3, 3), t=6, alpha=alpha, strides=2, n=3)
    x = _inverted_residual_block(x, 64, (3, 3), t=6, alpha=alpha, strides=2, n=4)
    x = _inverted_residual_block(x, 96, (3, 3), t=6, alpha=alpha, strides=1, n=3)
    x = _inverted_residual_block(x, 160, (3, 3), t=6, alpha=alpha, strides=2, n=3)
    x = _inverted_residual_block(x, 320, (3, 3), t=6, alpha=alpha, strides=1, n=1)
    last_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = _conv_block(x, last_filters, (1, 1), strides=(1, 1))
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Reshape((1, 1, last_filters))(x)
    x = layers.Dropout(0.3, name="Dropout")(x)
    x = layers.Conv2D(k, (1, 1), padding="same")(x)
    x = layers.Activation("softmax", name="softmax")(x)
    output = layers.Reshape((k,))(x)
    return keras.Model(inputs, output)


# --- opconty/keras-shufflenetV2


def channel_split(x: Any, name: str = "") -> tuple[Any, Any]:
    in_channles = x.shape[-1]
    ip = in_channles // 2
    c_hat = layers.Lambda(lambda z: z[:, :, :, 0:ip], name="%s_sp%d_slice" % (name, 0))(x)  # noqa: UP031
    c = layers.Lambda(lambda z: z[:, :, :, ip:], name="%s_sp%d_slice" % (name, 1))(x)  # noqa: UP031
    return c_hat, c


def channel_shuffle(x: Any) -> Any:
    height, width, channels = x.shape[1:]
    channels_per_split = channels // 2
    x = keras.ops.reshape(x, [-1, height, width, 2, channels_per_split])
    x = keras.ops.transpose(x, (0, 1, 2, 4, 3))
    return keras.ops.reshape(x, [-1, height, width, channels])


def shuffle_unit(
    inputs: Any,
    out_channels: int,
    bottleneck_ratio: float,
    strides: int = 2,
    stage: int = 1,
    block: int = 1,
) -> Any:
    bn_axis = -1
    prefix = f"stage{stage}_block{block}"
    bottleneck_channels = int(out_channels * bottleneck_ratio)
    if strides < 2:
        c_hat, c = channel_split(inputs, f"{prefix}_spl")
        inputs = c
    x = layers.Conv2D(bottleneck_channels, kernel_size=(1, 1), strides=1, padding="same", name=f"{prefix}_1x1conv_1")(inputs)  # fmt: skip
    x = layers.BatchNormalization(axis=bn_axis, name=f"{prefix}_bn_1x1conv_1")(x)
    x = layers.Activation("relu", name=f"{prefix}_relu_1x1conv_1")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=strides, padding="same", name=f"{prefix}_3x3dwconv")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=bn_axis, name=f"{prefix}_bn_3x3dwconv")(x)
    x = layers.Conv2D(bottleneck_channels, kernel_size=1, strides=1, padding="same", name=f"{prefix}_1x1conv_2")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=bn_axis, name=f"{prefix}_bn_1x1conv_2")(x)
    x = layers.Activation("relu", name=f"{prefix}_relu_1x1conv_2")(x)
    if strides < 2:
        ret = layers.Concatenate(axis=bn_axis, name=f"{prefix}_concat_1")([x, c_hat])
    else:
        s2 = layers.DepthwiseConv2D(kernel_size=3, strides=2, padding="same", name=f"{prefix}_3x3dwconv_2")(inputs)  # fmt: skip
        s2 = layers.BatchNormalization(axis=bn_axis, name=f"{prefix}_bn_3x3dwconv_2")(s2)
        s2 = layers.Conv2D(bottleneck_channels, kernel_size=1, strides=1, padding="same", name=f"{prefix}_1x1_conv_3")(s2)  # fmt: skip
        s2 = layers.BatchNormalization(axis=bn_axis, name=f"{prefix}_bn_1x1conv_3")(s2)
        s2 = layers.Activation("relu", name=f"{prefix}_relu_1x1conv_3")(s2)
        ret = layers.Concatenate(axis=bn_axis, name=f"{prefix}_concat_2")([x, s2])
    return layers.Lambda(channel_shuffle, name=f"{prefix}_channel_shuffle")(ret)


def block(
    x: Any, channel_map: Any, bottleneck_ratio: float, repeat: int = 1, stage: int = 1
) -> Any:
    x = shuffle_unit(x, out_channels=channel_map[stage - 1], strides=2, bottleneck_ratio=bottleneck_ratio, stage=stage, block=1)  # fmt: skip
    for i in range(1, repeat + 1):
        x = shuffle_unit(x, out_channels=channel_map[stage - 1], strides=1, bottleneck_ratio=bottleneck_ratio, stage=stage, block=(1 + i))  # fmt: skip
    return x


def ShuffleNetV2(  # noqa: N802
    include_top: bool = True,
    scale_factor: float = 1.0,
    pooling: str = "max",
    input_shape: tuple[int, int, int] = (224, 224, 3),
    num_shuffle_units: tuple[int, ...] = (3, 7, 3),
    bottleneck_ratio: float = 1,
    classes: int = 1000,
) -> keras.Model:
    name = "ShuffleNetV2_{}_{}_{}".format(  # noqa: UP032
        scale_factor, bottleneck_ratio, "".join([str(x) for x in num_shuffle_units])
    )
    out_dim_stage_two = {0.5: 48, 1: 116, 1.5: 176, 2: 244}
    exp = np.insert(np.arange(len(num_shuffle_units), dtype=np.float32), 0, 0)
    out_channels_in_stage = 2**exp
    out_channels_in_stage *= out_dim_stage_two[bottleneck_ratio]
    out_channels_in_stage[0] = 24
    out_channels_in_stage *= scale_factor
    out_channels_in_stage = out_channels_in_stage.astype(int)
    img_input = layers.Input(shape=input_shape)
    x = layers.Conv2D(filters=out_channels_in_stage[0], kernel_size=(3, 3), padding="same", use_bias=False, strides=(2, 2), activation="relu", name="conv1")(img_input)  # fmt: skip
    x = layers.MaxPool2D(pool_size=(3, 3), strides=(2, 2), padding="same", name="maxpool1")(x)
    for stage in range(len(num_shuffle_units)):
        repeat = num_shuffle_units[stage]
        x = block(x, out_channels_in_stage, repeat=repeat, bottleneck_ratio=bottleneck_ratio, stage=stage + 2)  # fmt: skip
    k = 1024 if bottleneck_ratio < 2 else 2048
    x = layers.Conv2D(k, kernel_size=1, padding="same", strides=1, name="1x1conv5_out", activation="relu")(x)  # fmt: skip
    if pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="global_avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="global_max_pool")(x)
    if include_top:
        x = layers.Dense(classes, name="fc")(x)
        x = layers.Activation("softmax", name="softmax")(x)
    return keras.Model(img_input, x, name=name)
