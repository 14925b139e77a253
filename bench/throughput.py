"""Inference throughput of two Keras models on the same input, compiled the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bench.config import Config
from bench.stats import Sample, rates
from bench.timing import interleave, seconds

if TYPE_CHECKING:
    import keras

IMAGE = (224, 224, 3)


def compare(
    ours: keras.Model, reference: keras.Model, batch: int, jit: bool, config: Config
) -> tuple[Sample, Sample]:
    """Images per second of each model, per round, over alternating rounds.

    Each model runs as ``tf.function(lambda x: model(x, training=False), jit_compile=jit)``
    on the same random batch, after two calls each (the first traces, and with XLA compiles;
    the second calibrates), and both do the same number of calls per round, about
    ``config.target_seconds`` worth. Slow calls get fewer rounds (see ``Config.figure_seconds``).
    """
    import numpy as np
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(0).standard_normal((batch, *IMAGE), dtype=np.float32))
    ours_call = _compiled(ours, x, jit)
    reference_call = _compiled(reference, x, jit)
    ours_call()  # traces, and with XLA compiles
    reference_call()
    once = (seconds(ours_call) + seconds(reference_call)) / 2  # a second call each, to calibrate
    calls = max(1, round(config.target_seconds / once))
    fit = int(config.figure_seconds // (2 * calls * once))
    times = interleave(
        {
            "ours": lambda: seconds(ours_call, calls),
            "reference": lambda: seconds(reference_call, calls),
        },
        rounds=max(config.min_rounds, min(config.rounds, fit)),
        warmup=0,
    )
    return (
        rates(times["ours"], batch * calls, "img/s"),
        rates(times["reference"], batch * calls, "img/s"),
    )


def _compiled(model: keras.Model, x: object, jit: bool) -> Callable[[], object]:
    import tensorflow as tf

    forward = tf.function(lambda inputs: model(inputs, training=False), jit_compile=jit)
    return lambda: forward(x).numpy()
