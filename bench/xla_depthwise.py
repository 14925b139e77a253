"""Why XLA-on figures are slow on CPU: one depthwise convolution, XLA off against on."""

from __future__ import annotations

import statistics

from bench.config import Config
from bench.timing import seconds

SHAPE = (1, 112, 112, 96)  # MobileNetV2's first expanded stride-1 depthwise layer


def slowdown(config: Config) -> tuple[float, float]:
    """Median milliseconds of a 3x3 DepthwiseConv2D on SHAPE without and with XLA."""
    import keras
    import numpy as np
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(0).standard_normal(SHAPE, dtype=np.float32))
    layer = keras.layers.DepthwiseConv2D(3, padding="same")
    layer(x)

    def median_ms(jit: bool) -> float:
        forward = tf.function(lambda v: layer(v), jit_compile=jit)
        forward(x).numpy()  # traces, and with XLA compiles
        runs = [seconds(lambda: forward(x).numpy()) for _ in range(max(3, config.min_rounds))]
        return statistics.median(runs) * 1e3

    return median_ms(False), median_ms(True)


def finding(config: Config) -> str:
    off, on = slowdown(config)
    return (
        f"XLA's CPU backend runs depthwise convolutions {on / off:.0f}x slower than TensorFlow's"
        f" own kernel (3x3 DepthwiseConv2D on {'x'.join(map(str, SHAPE))}: {off:.1f} ms without"
        f" XLA, {on:.0f} ms with it), for our models and the references alike: this is why every"
        " XLA-on figure is several times slower than its XLA-off twin"
    )
