"""2. Analyzer throughput in process, against building the Keras model to count its parameters."""

from __future__ import annotations

from collections.abc import Callable

import archdsl
from archdsl.compile import compile_document
from archdsl.spec.document import Document
from archdsl.spec.source import load_document
from bench.availability import require_keras_backend
from bench.config import Config
from bench.results import Figure, Measurement, NotRun, Row, Unavailable
from bench.stats import paired_ratios, rates
from bench.timing import calibrate, interleave, seconds

TITLE = "2. analyzer throughput"
SPEC = "mnasnet_a1"
METHOD = f"""In one process, from a parsed document of `{SPEC}`: the full pipeline
(`archdsl.compile.compile_document(doc)` then `archdsl.analyze`) and the analysis alone
(`archdsl.analyze(graph)` of a compiled graph), in documents per second. This is the inner loop
of an architecture search. The reference is what such a search does without archdsl's analyzer:
build the Keras model of the same document (`archdsl.to_keras`, TensorFlow already imported,
`keras.backend.clear_session()` between builds) and call `count_params()`. All three sides
alternate in the same rounds; the ratio is pipeline throughput over the Keras route's."""


def run(config: Config) -> list[Row]:
    doc = load_document(SPEC)
    graph = compile_document(doc)
    sides = {
        "pipeline": _batched(lambda: archdsl.analyze(compile_document(doc)), config),
        "analysis": _batched(lambda: archdsl.analyze(graph), config),
    }
    keras_route = _keras_route(doc)
    if keras_route is not None:
        sides["keras"] = keras_route
    times = interleave({name: side[0] for name, side in sides.items()}, rounds=config.rounds)
    per_doc = {name: [t / sides[name][1] for t in times[name]] for name in sides}
    pipeline = rates(per_doc["pipeline"], 1, "docs/s")
    rows: list[Row] = [
        Measurement(TITLE, f"`{SPEC}`: analyze alone", rates(per_doc["analysis"], 1, "docs/s"))
    ]
    if keras_route is None:
        rows.append(Measurement(TITLE, f"`{SPEC}`: compile_document + analyze", pipeline))
        rows.append(NotRun(TITLE, "Keras reference: the Keras backend does not exist yet"))
        return rows
    rows.append(
        Figure(
            TITLE,
            f"`{SPEC}` documents/s: compile_document + analyze",
            pipeline,
            rates(per_doc["keras"], 1, "docs/s"),
            "`to_keras` + `count_params()` in process, after import",
            paired_ratios(per_doc["keras"], per_doc["pipeline"]),
            "Keras time / pipeline time",
        )
    )
    return rows


def _batched(call: Callable[[], object], config: Config) -> tuple[Callable[[], float], int]:
    """A side that times a calibrated batch of calls, and the batch size."""
    times = calibrate(call, config.target_seconds)
    return (lambda: seconds(call, times)), times


def _keras_route(doc: Document) -> tuple[Callable[[], float], int] | None:
    try:
        require_keras_backend()
    except Unavailable:
        return None
    import keras

    def build_and_count() -> float:
        keras.backend.clear_session()
        return seconds(lambda: archdsl.to_keras(compile_document(doc)).count_params())

    return build_and_count, 1
