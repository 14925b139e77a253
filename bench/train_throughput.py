"""9. Training throughput: images/s in Keras's fit, archdsl's MobileNetV2 against Keras's."""

from __future__ import annotations

from bench.availability import require_keras_backend
from bench.config import FULL, Config
from bench.results import Figure, Goal, Row
from bench.stats import paired_ratios, rates
from bench.timing import interleave, seconds

TITLE = "9. training throughput"
IMAGE = (128, 128, 3)
BATCH = 32
METHOD = f"""`archdsl.to_keras(archdsl.load("mobilenet_v2", input=128))` against
`keras.applications.MobileNetV2(input_shape=(128, 128, 3), weights=None)`, both compiled as
`archdsl train` compiles a model (Adam at 1e-3, categorical cross-entropy on the softmax
output, accuracy, XLA off on CPU) and trained with `model.fit` on the same batches of random
{IMAGE[0]}x{IMAGE[1]} images and labels (batch {BATCH}, a repeated tf.data dataset). One untimed
`fit` of each traces the training step; then each round times one `fit` of each model over
the same number of steps (about {FULL.target_seconds} s worth, at least one), the order
alternating from round to round. 128x128 rather than 224x224 keeps a step under a second on
2 CPU cores; the layers are the same. The ratio is our images/s over the reference's, per
round (goal: at least 0.97)."""


def run(config: Config) -> list[Row]:
    require_keras_backend()
    import keras
    import numpy as np
    import tensorflow as tf

    import archdsl

    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (BATCH, *IMAGE)).astype("float32")
    labels = np.eye(1000, dtype="float32")[rng.integers(0, 1000, BATCH)]
    batches = tf.data.Dataset.from_tensors((images, labels)).repeat()
    models = {
        "ours": archdsl.to_keras(archdsl.load("mobilenet_v2", input=IMAGE[0])),
        "reference": keras.applications.MobileNetV2(input_shape=IMAGE, weights=None),
    }
    for model in models.values():
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=keras.losses.CategoricalCrossentropy(),
            metrics=["accuracy"],
            jit_compile=False,
        )

    def fit(model: keras.Model, steps: int) -> None:
        model.fit(batches, epochs=1, steps_per_epoch=steps, verbose=0)

    once = sum(seconds(lambda m=model: fit(m, 1)) for model in models.values()) / 2  # traces
    once = sum(seconds(lambda m=model: fit(m, 1)) for model in models.values()) / 2
    steps = max(1, round(config.target_seconds / once))
    times = interleave(
        {name: lambda m=model: seconds(lambda: fit(m, steps)) for name, model in models.items()},
        rounds=config.rounds,
        warmup=0,
    )
    ours = rates(times["ours"], BATCH * steps, "img/s")
    reference = rates(times["reference"], BATCH * steps, "img/s")
    return [
        Figure(
            TITLE,
            f"mobilenet_v2, {IMAGE[0]}x{IMAGE[1]}, batch {BATCH}, fit",
            ours,
            reference,
            "`keras.applications.MobileNetV2`",
            paired_ratios(ours.values, reference.values),
            "our images/s / reference's",
            Goal(0.97),
        )
    ]
