"""2. Analyzer throughput in process: against the compiler before issue 10, and against Keras."""

from __future__ import annotations

from collections.abc import Callable

import archdsl
from archdsl.compile import compile_document
from archdsl.ir import memo
from archdsl.spec.document import Document
from archdsl.spec.source import load_document
from bench import baseline
from bench.availability import require_keras_backend
from bench.config import Config
from bench.results import Figure, Goal, NotRun, Row, Unavailable
from bench.stats import paired_ratios, rates
from bench.timing import calibrate, interleave, seconds

TITLE = "2. analyzer throughput"
SPEC = "mnasnet_a1"
# Issue 10's goals: 2,000 documents/s for the pipeline and 10,000/s for the analysis alone,
# against 130/s and 482/s before it (docs/benchmarks.md of 2026-11-26): 15x and 20.7x.
PIPELINE_GOAL = 15.0
ANALYSIS_GOAL = 20.7
WARM = "block memo warm (a search)"
COLD = "block memo cleared per document"
METHOD = f"""In one process, from a parsed document of `{SPEC}`: the full pipeline
(`archdsl.compile.compile_document(doc)` then `archdsl.analyze`) and the analysis alone
(`archdsl.analyze(graph)` of a compiled graph), in documents per second. This is the inner loop
of an architecture search. Two references: the same calls on {baseline.NAME}, run in a worker
process that times a batch when asked (goals from issue 10: the pipeline at least
{PIPELINE_GOAL:g}x faster, i.e. 2,000 documents/s where it ran 130/s; the analysis alone at least
{ANALYSIS_GOAL:g}x, i.e. 10,000/s where it ran 482/s); and what a search does without archdsl's
analyzer: build the Keras model of the same document (`archdsl.to_keras`, TensorFlow already
imported, `keras.backend.clear_session()` between builds) and call `count_params()`. All sides
alternate in the same rounds; each ratio is per round. Expansion remembers lowered blocks
(`archdsl.ir.memo`), and from the second time it meets one, a whole entry placed at the same
place on the same input (every repeat of a stage); it adds each block up as it makes it, which
the analysis then reads: the pipeline is measured with that memo warm (the same document
again, as a search's candidates share most blocks and entries) and with the memo cleared
before every document (each block of the first repeat lowered afresh, later repeats of a stage
replayed); the analysis alone reads a graph compiled once."""

_SETUP = (
    "import archdsl\n"
    "from archdsl.compile import compile_document\n"
    "from archdsl.spec.source import load_document\n"
    f"doc = load_document({SPEC!r})\n"
    "graph = compile_document(doc)"
)


def run(config: Config) -> list[Row]:
    doc = load_document(SPEC)
    graph = compile_document(doc)

    def cold() -> object:
        memo.clear()
        return archdsl.analyze(compile_document(doc))

    sides = {
        "pipeline": _batched(lambda: archdsl.analyze(compile_document(doc)), config),
        "pipeline cold": _batched(cold, config),
        "analysis": _batched(lambda: archdsl.analyze(graph), config),
    }
    workers = []
    rows: list[Row] = []
    try:
        for name, statement in (
            ("old pipeline", "archdsl.analyze(compile_document(doc))"),
            ("old analysis", "archdsl.analyze(graph)"),
        ):
            worker = baseline.Worker(_SETUP, statement)
            workers.append(worker)
            sides[name] = worker.batched(config.target_seconds)
    except Unavailable as exc:
        rows.append(NotRun(TITLE, f"{baseline.NAME}: {exc}"))
    keras_route = _keras_route(doc)
    if keras_route is not None:
        sides["keras"] = keras_route
    try:
        times = interleave({name: side[0] for name, side in sides.items()}, rounds=config.rounds)
    finally:
        for worker in workers:
            worker.close()
    per_doc = {name: [t / sides[name][1] for t in times[name]] for name in sides}
    if "old pipeline" in per_doc:
        for ours, old, what, goal in (
            ("pipeline", "old pipeline", f"compile_document + analyze, {WARM}", PIPELINE_GOAL),
            ("pipeline cold", "old pipeline", f"compile_document + analyze, {COLD}", PIPELINE_GOAL),
            ("analysis", "old analysis", "analyze alone", ANALYSIS_GOAL),
        ):
            rows.append(
                Figure(
                    TITLE,
                    f"`{SPEC}` documents/s: {what}",
                    rates(per_doc[ours], 1, "docs/s"),
                    rates(per_doc[old], 1, "docs/s"),
                    f"the same on {baseline.NAME}",
                    paired_ratios(per_doc[old], per_doc[ours]),
                    "before time / our time",
                    Goal(goal),
                )
            )
    if keras_route is None:
        rows.append(NotRun(TITLE, "Keras reference: the Keras backend does not exist yet"))
        return rows
    rows.append(
        Figure(
            TITLE,
            f"`{SPEC}` documents/s: compile_document + analyze, {WARM}",
            rates(per_doc["pipeline"], 1, "docs/s"),
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
