"""Fill the latency table: time every distinct unit as a one-unit TFLite model (imports TensorFlow).

Units are converted once per structure (``archdsl.latency.templates``: one conversion with
dynamic height and width and marker channel counts serves every size), then timed in chunks: within a chunk, rounds go over every
unit in turn, so a burst of load from elsewhere spreads over all of them instead of
spoiling one. Each finished chunk is merged into the table at once, so an interrupted
calibration keeps what it measured.

With ``fit`` (what ``archdsl latency calibrate`` does when the table has no correction yet),
the table also gets a correction: the reference networks (``archdsl.latency.references``)
are calibrated like any network, then measured whole, and the correction
(``archdsl.latency.correction``) is fitted to them for each clock.

Both timings are spread over time, because the fastest run is what the table keeps and
a short window may not hold one: on the 2-core virtual machine the benchmarks run on, with
nothing else running, the fastest CPU time of MnasNet-A1 1.0/192 in windows of 50 ms ranged
from 5.06 to 9.68 ms over 24 windows in 7 s. Three rounds per unit gave tables that agreed
with another calibration minutes later for 38-54% of networks (within ±10%), nine rounds for
79-100%; a whole network's fastest run of 5 rounds of 50 ms was 1.06 to 1.80 times its fastest
of 16 rounds of 0.15 s, which is why a correction fitted on the short one made predictions
worse (docs/latency.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archdsl.ir.graph import Graph
from archdsl.latency.correction import Correction, complete, features
from archdsl.latency.correction import fit as fit_terms
from archdsl.latency.references import reference_networks
from archdsl.latency.table import (
    Entry,
    Identity,
    Table,
    correction_key,
    entry,
    load,
    merge,
    overhead_key,
)
from archdsl.latency.timing import Samples, time_calls, warm_up
from archdsl.latency.units import Unit, distinct, units

CHUNK = 32  # units timed together (interpreters alive at once)
# reference networks, all alive at once: rounds over all of them, each at least this many
# runs and seconds (benchmark 8 measures its networks with the same figures)
WHOLE_ROUNDS, WHOLE_RUNS, WHOLE_SECONDS = 16, 5, 0.15


@dataclass(frozen=True)
class Settings:
    """How long each unit is timed: ``rounds`` rounds, each at least ``min_runs`` calls
    and ``min_seconds``."""

    rounds: int = 9
    min_runs: int = 5
    min_seconds: float = 0.01


@dataclass(frozen=True)
class Calibration:
    wanted: int
    measured: int
    seconds: float
    table: Table
    fitted: Correction | None = None  # the CPU-time correction, when this run fitted one
    fit_seconds: float = 0.0


def wants_fit(table: Table, batch: int, asked: bool | None = None) -> bool:
    """Whether a calibration fits the correction: as ``asked`` (``--fit``, ``--no-fit``), by
    default when the table has none for ``batch`` yet (its first calibration) or one fitted
    before the correction had all its terms."""
    if asked is not None:
        return asked
    stored = table.corrections.get(correction_key(batch, "cpu"))
    return stored is None or not complete(stored)


def missing_units(graphs: Iterable[Graph], table: Table, batch: int) -> list[Unit]:
    wanted: dict[str, Unit] = {}
    for graph in graphs:
        wanted.update(distinct(units(graph, batch)))
    return [unit for key, unit in wanted.items() if key not in table.entries]


def calibrate(
    graphs: Iterable[Graph],
    identity: Identity,
    path: Path | None = None,
    batch: int = 1,
    settings: Settings = Settings(),
    progress: Callable[[int, int], None] | None = None,
    references: Sequence[Graph] | None = None,
    fit: bool = False,
) -> Calibration:
    """Measure the units of ``graphs`` the table lacks, and add them to it. With ``fit``,
    also calibrate ``references`` (default: ``reference_networks()``), measure them whole
    and fit the table's correction for ``batch`` to them."""
    start = time.perf_counter()
    graphs = list(graphs)
    table = load(identity, path)
    path = table.path
    assert path is not None
    wanted = {key for graph in graphs for key in distinct(units(graph, batch))}
    fitting: list[Graph] = []
    if fit:
        fitting = list(references) if references is not None else _reference_graphs()
    todo = missing_units([*graphs, *fitting], table, batch)
    total = len(todo) + (len(fitting) + WHOLE_ROUNDS if fitting else 0)
    jobs: list[tuple[str, Callable[[], Any]]] = []
    if overhead_key(batch) not in table.entries:
        jobs.append((overhead_key(batch), _overhead_model(identity.threads, batch)))
    done = 0
    if progress:
        progress(done, total)
    groups = _by_model(todo)
    templates: dict[str, bytes] = {}
    for index, group in enumerate(groups):
        jobs += _runners(group, identity.threads, templates)
        if len(jobs) >= CHUNK or index == len(groups) - 1:
            table = merge(identity, path, _time(jobs, settings))
            done += sum(1 for key, _ in jobs if key != overhead_key(batch))
            jobs = []
            if progress:
                progress(done, total)
    if jobs:  # only the overhead was missing
        table = merge(identity, path, _time(jobs, settings))
    fitted = None
    fit_start = time.perf_counter()
    if fitting:
        measured = measure_whole(fitting, identity.threads, batch, done, total, progress)
        table, fitted = _fit(fitting, measured, table, batch)
    return Calibration(
        len(wanted),
        sum(unit.key in wanted for unit in todo),
        time.perf_counter() - start,
        table,
        fitted,
        time.perf_counter() - fit_start if fitting else 0.0,
    )


def _reference_graphs() -> list[Graph]:
    return [graph for _, graph in reference_networks()]


def _fit(
    references: list[Graph], measured: list[Samples], table: Table, batch: int
) -> tuple[Table, Correction]:
    """Fit and store a correction per clock; the table, and the CPU-time correction."""
    corrections: dict[str, dict] = {}
    fitted: dict[str, Correction] = {}
    for clock in ("cpu", "wall"):
        rows = [features(own_times(graph, table, batch, clock)) for graph in references]
        fitted[clock] = fit_terms(rows, [m.stats(clock).min for m in measured])
        corrections[correction_key(batch, clock)] = fitted[clock].as_dict()
    assert table.path is not None
    return merge(table.identity, table.path, {}, corrections), fitted["cpu"]


def own_times(graph: Graph, table: Table, batch: int, clock: str) -> list[tuple[Unit, float]]:
    """Each unit that runs, with its table time less the per-inference overhead."""
    overhead = table.ms(overhead_key(batch), clock) or 0.0
    return [
        (unit, max(0.0, (table.ms(unit.key, clock) or 0.0) - overhead))
        for unit in units(graph, batch)
        if not unit.free
    ]


def measure_whole(
    graphs: list[Graph],
    threads: int,
    batch: int,
    done: int = 0,
    total: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> list[Samples]:
    """Each network timed whole in the interpreter: all of them built, then timed in
    ``WHOLE_ROUNDS`` interleaved rounds (as the units are), so each one's runs spread over
    the whole measurement. ``progress`` counts each network built and each round."""
    from archdsl.latency.measure import prepare

    runs = []
    for graph in graphs:
        runs.append(prepare(graph, "tflite", threads, batch))
        if progress:
            progress(done + len(runs), total)
    samples = [Samples() for _ in runs]
    for run in runs:
        warm_up(run, runs=3, seconds=0.05)
    for round_ in range(WHOLE_ROUNDS):
        for run, sample in zip(runs, samples, strict=True):
            time_calls(run, sample, min_runs=WHOLE_RUNS, min_seconds=WHOLE_SECONDS)
        if progress:
            progress(done + len(runs) + round_ + 1, total)
    return samples


def _by_model(todo: list[Unit]) -> list[list[Unit]]:
    groups: dict[str, list[Unit]] = {}
    for unit in todo:
        groups.setdefault(unit.model_key, []).append(unit)
    return list(groups.values())


def _runners(
    group: list[Unit], threads: int, templates: dict[str, bytes]
) -> list[tuple[str, Callable[[], Any]]]:
    from archdsl.latency.tflite import interpreter

    content = one_unit_model(group[0], templates)
    return [
        (unit.key, interpreter(content, threads, [(unit.batch, *s) for s in unit.input_shapes]))
        for unit in group
    ]


def one_unit_model(unit: Unit, templates: dict[str, bytes]) -> bytes:
    """The TFLite model of ``unit``: its template's, rewritten for its channel counts, or
    converted directly. ``templates`` caches converted templates by model key."""
    from archdsl.latency.templates import rewrite, template_of
    from archdsl.latency.tflite import convert

    templated = template_of(unit)
    if templated is None:
        return convert(unit_model(unit), [(unit.batch, *s) for s in unit.model_shapes])
    template, mapping = templated
    if template.model_key not in templates:
        shapes = [(template.batch, *s) for s in template.model_shapes]
        templates[template.model_key] = convert(unit_model(template), shapes)
    return rewrite(templates[template.model_key], mapping)


def unit_model(unit: Unit) -> Any:
    """A Keras model of just ``unit``: one input per distinct input, the unit's layers."""
    import keras

    from archdsl.backends.keras_backend import make_layer

    inputs = [
        keras.Input(shape=shape, batch_size=unit.batch, name=f"x{i}")
        for i, shape in enumerate(unit.model_shapes)
    ]
    values: dict[str, Any] = dict(zip(unit.input_refs, inputs, strict=True))
    for node in unit.nodes:
        args = [values[ref] for ref in node.inputs]
        result = make_layer(node)(args if len(args) > 1 else args[0])
        if isinstance(result, (list, tuple)):
            values.update({f"{node.name}:{i}": value for i, value in enumerate(result)})
            outputs = list(result)
        else:
            values[node.name] = result
            outputs = [result]
    return keras.Model(inputs, outputs if len(outputs) > 1 else outputs[0])


def _overhead_model(threads: int, batch: int) -> Callable[[], Any]:
    """The per-inference cost: a model whose one op (ReLU of 8 numbers) costs nothing."""
    import keras

    from archdsl.latency.tflite import convert, interpreter

    x = keras.Input(shape=(8,), batch_size=batch, name="x0")
    model = keras.Model(x, keras.layers.ReLU()(x))
    return interpreter(convert(model, [(batch, 8)]), threads, [(batch, 8)])


def _time(jobs: list[tuple[str, Callable[[], Any]]], settings: Settings) -> dict[str, Entry]:
    """Interleaved rounds over ``jobs``; the table entry (fastest runs) of each."""
    samples = {key: Samples() for key, _ in jobs}
    for _, run in jobs:
        warm_up(run, runs=3, seconds=0.0)
    for _ in range(settings.rounds):
        for key, run in jobs:
            time_calls(
                run, samples[key], min_runs=settings.min_runs, min_seconds=settings.min_seconds
            )
    return {key: entry(min(sample.cpu), min(sample.wall)) for key, sample in samples.items()}
