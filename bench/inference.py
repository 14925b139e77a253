"""4. Inference throughput of built models against keras.applications' models on CPU."""

from __future__ import annotations

import archdsl
from bench import xla_depthwise
from bench.availability import require_keras_backend
from bench.config import FULL, Config
from bench.graph_ops import difference, xla_difference
from bench.results import Figure, Goal, Note, Row
from bench.stats import paired_ratios
from bench.throughput import IMAGE, compare

TITLE = "4. inference throughput"
BATCHES = (1, 32)
MODELS = {"mobilenet_v2": "MobileNetV2", "mobilenet_v3_large": "MobileNetV3Large"}
METHOD = f"""`archdsl.to_keras(archdsl.load(name))` against the keras.applications constructor
(`weights=None`), both built once in the same process, on CPU, 224x224x3 random input, batch 1
and 32. Both run as `tf.function(lambda x: model(x, training=False), jit_compile=...)` with XLA
off and on, after two untimed calls each (the first traces, and with XLA compiles). XLA runs
the function it compiles first more slowly, whichever model that is, so each model is compiled
twice, once first and once second, and half the rounds use each pairing. Each round
times the same number of calls of each model (about {FULL.target_seconds} s worth), the order alternating from
round to round. The ratio is our images/s over the reference's, per round (goal: at least 0.97).
With XLA, both models run several times slower than without (see the findings for why), and a
batch of 32 takes seconds: in the full run, such figures get as many rounds as fit in about
{FULL.figure_seconds:.0f} s, and at least {FULL.min_rounds}."""


def run(config: Config) -> list[Row]:
    require_keras_backend()
    import keras

    rows: list[Row] = [Note(TITLE, xla_depthwise.finding(config))]
    for spec, constructor in MODELS.items():
        ours = archdsl.to_keras(archdsl.load(spec))
        reference = getattr(keras.applications, constructor)(weights=None)
        rows.append(
            Note(TITLE, f"{spec}: " + difference(ours, reference, (1, *IMAGE), constructor))
        )
        rows.append(Note(TITLE, f"{spec}: " + xla_difference(ours, reference, (1, *IMAGE))))
        for jit in (False, True):
            for batch in BATCHES:
                mine, theirs = compare(ours, reference, batch, jit, config)
                rows.append(
                    Figure(
                        TITLE,
                        f"{spec}, batch {batch}, XLA {'on' if jit else 'off'}",
                        mine,
                        theirs,
                        f"`keras.applications.{constructor}`",
                        paired_ratios(mine.values, theirs.values),
                        "our images/s / reference's",
                        Goal(0.97),
                    )
                )
    return rows
