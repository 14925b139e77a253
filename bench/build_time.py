"""3. `to_keras` build time against keras.applications' constructors, after import."""

from __future__ import annotations

from collections.abc import Callable

import archdsl
from bench.availability import require_keras_backend
from bench.config import Config
from bench.results import Figure, Row
from bench.stats import Sample, paired_ratios
from bench.timing import interleave, seconds

TITLE = "3. build time"
METHOD = """In one process with TensorFlow already imported and one untimed build of each model
done: `archdsl.to_keras(graph)` of a compiled graph, and `archdsl.to_keras(archdsl.load(name))`
(spec compiled too), against the keras.applications constructor with `weights=None` and its
defaults otherwise (224x224x3, 1000 classes). `keras.backend.clear_session()` runs untimed
before every build. The three sides alternate; the ratios are the reference's time over ours."""

# spec name -> keras.applications constructor name
MODELS = {"mobilenet_v2": "MobileNetV2", "mobilenet_v3_large": "MobileNetV3Large"}


def run(config: Config) -> list[Row]:
    require_keras_backend()
    import keras

    def timed(build: Callable[[], object]) -> Callable[[], float]:
        def side() -> float:
            keras.backend.clear_session()
            return seconds(build)

        return side

    rows: list[Row] = []
    for spec, constructor in MODELS.items():
        graph = archdsl.load(spec)
        reference = getattr(keras.applications, constructor)
        times = interleave(
            {
                "graph": timed(lambda graph=graph: archdsl.to_keras(graph)),
                "spec": timed(lambda spec=spec: archdsl.to_keras(archdsl.load(spec))),
                "reference": timed(lambda reference=reference: reference(weights=None)),
            },
            rounds=config.rounds,
        )
        ref_name = f"`keras.applications.{constructor}(weights=None)`"
        for side, what in (("graph", "`to_keras(graph)`"), ("spec", "`to_keras(load(spec))`")):
            rows.append(
                Figure(
                    TITLE,
                    f"{spec}: {what}",
                    Sample.of(times[side], "s"),
                    Sample.of(times["reference"], "s"),
                    ref_name,
                    paired_ratios(times["reference"], times[side]),
                    "reference time / ours",
                )
            )
    return rows
