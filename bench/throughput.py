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
    on the same random batch, compiled twice in opposite orders (see below), after two calls
    each (the first traces, and with XLA compiles; the second calibrates); both do the same
    number of calls per round, about ``config.target_seconds`` worth, and half the rounds use
    each compile order. Slow calls get fewer rounds (see ``Config.figure_seconds``).
    """
    import numpy as np
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(0).standard_normal((batch, *IMAGE), dtype=np.float32))
    # Which function XLA compiles first changes how fast it runs (measured: the first one
    # compiled is slower, whichever model it is). So each model is compiled twice, once
    # first and once second, and half the rounds time each pairing: the order cancels out.
    pairings = []
    for ours_first in (True, False):
        pair = (_compiled(ours, x, jit), _compiled(reference, x, jit))
        for call in pair if ours_first else pair[::-1]:
            call()  # traces, and with XLA compiles
        pairings.append(pair)
    once = sum(seconds(call) for pair in pairings for call in pair) / 4  # calibrate
    calls = max(1, round(config.target_seconds / once))
    fit = int(config.figure_seconds // (2 * calls * once))
    rounds = max(config.min_rounds, min(config.rounds, fit))
    times: dict[str, list[float]] = {"ours": [], "reference": []}
    for index, (ours_call, reference_call) in enumerate(pairings):
        pairing_times = interleave(
            {
                "ours": lambda call=ours_call: seconds(call, calls),
                "reference": lambda call=reference_call: seconds(call, calls),
            },
            rounds=(rounds + 1 - index) // 2,
            warmup=0,
        )
        for side, values in pairing_times.items():
            times[side] += values
    return (
        rates(times["ours"], batch * calls, "img/s"),
        rates(times["reference"], batch * calls, "img/s"),
    )


def _compiled(model: keras.Model, x: object, jit: bool) -> Callable[[], object]:
    import tensorflow as tf

    forward = tf.function(lambda inputs: model(inputs, training=False), jit_compile=jit)
    return lambda: forward(x).numpy()
