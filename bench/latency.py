"""8. Latency: the table's prediction against measurement in the TFLite interpreter."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import archdsl
from archdsl.latency.calibrate import WHOLE_ROUNDS, WHOLE_RUNS, WHOLE_SECONDS
from archdsl.latency.timing import Samples, time_calls, warm_up
from bench.config import Config
from bench.results import Figure, Goal, Measurement, Note, Row
from bench.stats import Sample, paired_ratios
from bench.timing import process_seconds, user_environment

TITLE = "8. latency: predicted against measured"
REPO = Path(__file__).resolve().parents[1]
POINTS = REPO / "docs" / "bench" / "latency_points.json"
CACHE = REPO / "out" / "bench-latency-cache"
WIDTHS = (0.35, 0.75, 1.0, 1.4)
INPUTS = (128, 224)
SPECS = (
    "mnasnet_a1",
    "mnasnet_b1",
    "mobilenet_v1",
    "mobilenet_v2",
    "mobilenet_v3_large",
    "mobilenet_v3_small",
    "efficientnet_b0",
)
SHUFFLE_WIDTHS = (0.5, 1.0, 1.5, 2.0)  # ShuffleNetV2's channels exist for these widths only
BUILT_INS = (*SPECS, "shufflenet_v2")
RANDOM_SPECS = 40
# rounds over all networks (each network's runs spread over the whole measurement), and per
# network and round at least this many runs and seconds: as calibrate times the reference
# networks its correction is fitted on
ROUNDS, ROUND_RUNS, ROUND_SECONDS = WHOLE_ROUNDS, WHOLE_RUNS, WHOLE_SECONDS
METHOD = f"""Every built-in network at widths {", ".join(map(str, WIDTHS))} (ShuffleNetV2 at
{", ".join(map(str, SHUFFLE_WIDTHS))}, the widths it defines) and inputs {", ".join(map(str, INPUTS))},
plus {RANDOM_SPECS} random networks from the test strategies (`tests/strategies.py`
`mnasnet_candidates`, fixed seed: candidates of the MnasNet search space drawn by archdsl's
sampler, at widths 0.35 to 1.4 and inputs 128 to 224; the strategies' other specs, 16-32
pixel networks that run in about a microsecond, are not what anyone predicts latency for),
is calibrated into a new table (`archdsl.latency.calibrate`, as `archdsl latency calibrate`
does: the built-ins first, into the empty table, which also fits the table's correction on
the reference networks of `archdsl.latency.references`, none of them among the networks
below) and then measured whole (`archdsl.latency.measure.prepare`, as `archdsl latency`
does): LiteRT interpreter, XNNPACK, 1 thread, batch 1, float32. All networks' interpreters are
alive at once and timed in {ROUNDS} rounds over all of them (at least {ROUND_RUNS} runs and
{ROUND_SECONDS} s each per round), so each network's runs spread over the whole measurement; how
far the measurement agrees with itself (the odd rounds' fastest run against the even rounds',
and the same for the 10th percentiles; and the first half of the rounds against the second,
minutes apart) is given too: no prediction can agree with a measurement more often than it
agrees with itself. So is how the machine's speed moved from round to round (the median over
the networks of each round's fastest run against the network's fastest of all rounds): the
table is timed minutes before the networks, so a slow stretch of the machine in either
moves every prediction against its measurement. The points file (`docs/bench/latency_points.json`)
keeps, per network, the correction's regressors and each round's fastest run, so a correction
can be refitted offline on any run. The machine is shared with other jobs, so
both the table and the networks are timed by the CPU time of the interpreter's thread (with
one thread the interpreter runs on the caller's thread), and by its fastest run: other
processes inflate even CPU time (shared caches and memory, a virtual machine's host) in busy
phases of seconds, and the fastest of many runs spread over minutes is the one that had the
machine to itself (`archdsl.latency.timing`); the wall-clock and median figures are given too. The predicted
figure is `archdsl.latency.predict` (what `summary --latency` prints: the corrected sum);
the plain sum of the table's layers, without the correction, is given too. Share within ±10%: networks whose
|predicted / measured - 1| <= 0.1 (goal: at least 95%; nn-Meter reports 99.0% on a mobile CPU).
Rank correlation: Spearman's rho of predicted latency and of MACs with measured latency, over
all networks (goal: predictor at least 0.95 and above MACs), also given per subset (built-ins,
random networks). After the networks are timed, all of their layers are calibrated again
into a second empty table (with the first table's correction), and the bench gives how far
the two tables' predictions agree (the calibration against itself, CPU time) and how the
second table scores. The calibration time is that of the eight built-ins at their default
settings into a new, empty table, the first step of this run, with the correction's fit. The summary cost is `archdsl summary mnasnet_a1 --latency` against
`archdsl summary mnasnet_a1`, as whole processes in alternating rounds (goal: at most 1.5x)."""


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rank correlation (ties get their average rank)."""
    rx, ry = _ranks(xs), _ranks(ys)
    return statistics.correlation(rx, ry)


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def networks(quick: bool) -> list[tuple[str, archdsl.Graph]]:
    """(label, graph) of every network the benchmark measures."""
    chosen: list[tuple[str, dict[str, Any]]] = []
    widths, inputs = ((0.35, 1.0), (128,)) if quick else (WIDTHS, INPUTS)
    specs = SPECS[:2] if quick else SPECS
    for spec in specs:
        chosen += [(spec, {"width": w, "input": i}) for w in widths for i in inputs]
    shuffle = SHUFFLE_WIDTHS[:2] if quick else SHUFFLE_WIDTHS
    chosen += [("shufflenet_v2", {"width": w, "input": i}) for w in shuffle for i in inputs]
    result = [
        (f"{spec} width {o['width']} input {o['input']}", archdsl.load(spec, **o))
        for spec, o in chosen
    ]
    return result + _random_specs(4 if quick else RANDOM_SPECS)


def _random_specs(count: int) -> list[tuple[str, archdsl.Graph]]:
    from hypothesis import HealthCheck, given, settings

    from archdsl.compile import compile_document
    from archdsl.spec.document import Document
    from tests.strategies import mnasnet_candidates

    found: dict[tuple[str, ...], tuple[str, archdsl.Graph]] = {}

    @settings(
        max_examples=4 * count,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(mnasnet_candidates())
    def collect(data: dict) -> None:
        graph = compile_document(Document(data, "<hypothesis>"))
        signature = _signature(graph)
        if len(found) < count and signature not in found:
            size = graph.input_shape[0]
            label = f"random spec {len(found) + 1} (input {size})"
            found[signature] = (label, graph)

    collect()
    return list(found.values())


def _signature(graph: archdsl.Graph) -> tuple[str, ...]:
    """What the latency table sees of a network: its units' keys, in order."""
    from archdsl.latency.units import units

    return tuple(unit.key for unit in units(graph))


def run(config: Config) -> list[Row]:
    quick = config.name == "quick"
    os.environ["XDG_CACHE_HOME"] = str(CACHE)  # the summary-cost processes read the table there
    from archdsl.latency.measure import import_tensorflow

    import_tensorflow(1)
    from archdsl.latency.calibrate import calibrate
    from archdsl.latency.table import Identity, default_path, write

    identity = Identity.here(1)
    built_ins = [archdsl.load(name) for name in BUILT_INS]
    nets = networks(quick)
    with tempfile.TemporaryDirectory() as empty:
        path = Path(empty) / "table.json"
        first = calibrate(
            built_ins,
            identity,
            path,
            progress=_progress("built-ins"),
            references=_quick_references() if quick else None,
            fit=True,
        )
        rest = calibrate([g for _, g in nets], identity, path, progress=_progress("all networks"))
        measured, conditions = _measure([g for _, g in nets])
        again = calibrate(
            [g for _, g in nets],
            identity,
            Path(empty) / "again.json",
            progress=_progress("all networks, a second empty table"),
        )
    again.table.corrections = rest.table.corrections  # the same correction, other entries
    points = REPO / "out" / "latency_points.json" if quick else POINTS
    rows = _accuracy(nets, rest.table, measured, points)
    rows.append(_plain_sum(nets, rest.table, measured))
    rows.append(_calibration_agreement(nets, rest.table, again.table, measured))
    rows.append(Note(TITLE, conditions))
    if first.fitted is not None:
        fit = first.fitted.fit
        rows.append(
            Note(
                TITLE,
                f"the correction (CPU time), fitted on {fit['networks']} reference networks in"
                f" {first.fit_seconds:.0f} s: {fit['within_10_percent']:.1%} of them within"
                f" ±10% in sample; terms "
                + ", ".join(f"{name} {value:.4g}" for name, value in first.fitted.terms.items()),
            )
        )
    rows.append(
        Measurement(
            TITLE,
            f"calibrating the 8 built-ins from an empty table ({first.measured} layer"
            " configurations), with the correction's fit",
            Sample.of([first.seconds], "s"),
        )
    )
    rows.append(
        Note(
            TITLE,
            f"calibrating all {len(nets)} networks: {rest.wanted} distinct layer configurations,"
            f" {rest.measured} more after the built-ins, {rest.seconds:.0f} s",
        )
    )
    table = rest.table
    table.path = default_path(identity)  # as a user's table, for the summary-cost processes
    write(table)
    rows.append(_summary_cost(config))
    return rows


def _quick_references() -> list[archdsl.Graph]:
    """The fewest reference networks a correction fits on (a smoke run's)."""
    from archdsl.latency.correction import MIN_NETWORKS
    from archdsl.latency.references import reference_networks

    return [graph for _, graph in reference_networks()[::2][:MIN_NETWORKS]]


def _progress(what: str) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        print(f"    calibrating {what}: {done}/{total}", file=sys.stderr, flush=True)

    return show


def _cpu_ticks() -> tuple[int, int] | None:
    """(steal, all) ticks of the machine's CPUs so far (/proc/stat; None elsewhere)."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            ticks = [int(value) for value in handle.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (ticks[7], sum(ticks)) if len(ticks) == 8 else None


def _measure(graphs: list[archdsl.Graph]) -> tuple[list[dict[str, Any]], str]:
    """Each network's statistics, and a line on the load and steal while it was timed."""
    from archdsl.latency.measure import prepare

    runs = []
    for graph in graphs:
        runs.append(prepare(graph, "tflite", 1, 1))
        print(f"    built {len(runs)}/{len(graphs)} networks", file=sys.stderr, flush=True)
    # each network's runs round by round: split by parity, or into the earlier and the later
    # rounds, they give two measurements of it
    rounds = [[Samples() for _ in range(ROUNDS)] for _ in graphs]
    for call in runs:
        warm_up(call, runs=3, seconds=0.05)
    ticks, loads, start = _cpu_ticks(), [], time.perf_counter()
    for round_ in range(ROUNDS):
        for call, by_round in zip(runs, rounds, strict=True):
            time_calls(call, by_round[round_], min_runs=ROUND_RUNS, min_seconds=ROUND_SECONDS)
        loads.append(os.getloadavg()[0])
        print(
            f"    measured round {round_ + 1}/{ROUNDS} (load {loads[-1]:.2f})",
            file=sys.stderr,
            flush=True,
        )
    conditions = (
        f"timing the {len(graphs)} networks took {time.perf_counter() - start:.0f} s;"
        f" 1-minute load average {min(loads):.2f} to {max(loads):.2f} after each round"
    )
    after = _cpu_ticks()
    if ticks is not None and after is not None:
        steal = (after[0] - ticks[0]) / max(1, after[1] - ticks[1])
        conditions += f"; CPU time stolen by the virtual machine's host: {steal:.2%}"
    results = []
    for by_round in rounds:
        result: dict[str, Any] = {"rounds": by_round}
        for clock in ("cpu", "wall"):
            result[clock] = _merged(by_round).stats(clock)
            result[f"{clock}_halves"] = (
                _merged(by_round[0::2]).stats(clock),
                _merged(by_round[1::2]).stats(clock),
            )
            result[f"{clock}_early_late"] = (
                _merged(by_round[: ROUNDS // 2]).stats(clock),
                _merged(by_round[ROUNDS // 2 :]).stats(clock),
            )
        results.append(result)
    return results, conditions


def _merged(parts: Sequence[Samples]) -> Samples:
    return Samples(
        [ms for part in parts for ms in part.wall], [ms for part in parts for ms in part.cpu]
    )


def _share_and_rho(
    predicted: Sequence[float], actual: Sequence[float], macs: Sequence[float]
) -> tuple[float, float, float]:
    return _within(predicted, actual), spearman(predicted, actual), spearman(macs, actual)


def _within(figures: Sequence[float], against: Sequence[float]) -> float:
    """Share of ``figures`` within ±10% of ``against``, pair by pair (the issue's measure)."""
    pairs = list(zip(figures, against, strict=True))
    return sum(abs(figure / other - 1) <= 0.1 for figure, other in pairs) / len(pairs)


def _pick(indices: list[int], *columns: Sequence[float]) -> list[list[float]]:
    return [[column[i] for i in indices] for column in columns]


def _accuracy(
    nets: list[tuple[str, archdsl.Graph]],
    table: Any,
    measured: list[dict[str, Any]],
    path: Path,
) -> list[Row]:
    from archdsl.latency import predict

    rows: list[Row] = []
    macs = [archdsl.analyze(graph).total.macs for _, graph in nets]
    subsets = {
        "built-ins": [i for i, (label, _) in enumerate(nets) if not label.startswith("random")],
        "random networks": [i for i, (label, _) in enumerate(nets) if label.startswith("random")],
    }
    points = []
    for clock in ("cpu", "wall"):
        predicted = [predict(graph, table, clock=clock) for _, graph in nets]
        actual = [m[clock].min for m in measured]
        within, rho_pred, rho_macs = _share_and_rho(predicted, actual, macs)
        name = "CPU time" if clock == "cpu" else "wall-clock"
        verdict = "pass" if within >= 0.95 and rho_pred >= 0.95 and rho_pred > rho_macs else "FAIL"
        rows.append(
            Note(
                TITLE,
                f"{name}, {len(nets)} networks: {within:.1%} predicted within ±10% of measured"
                f" (goal ≥ 95%); Spearman rho with measured: predictor {rho_pred:.3f},"
                f" MACs {rho_macs:.3f} (goal: predictor ≥ 0.95 and above MACs): {verdict}",
            )
        )
        for subset, indices in subsets.items():
            share, rho, rho_m = _share_and_rho(*_pick(indices, predicted, actual, macs))
            rows.append(
                Note(
                    TITLE,
                    f"{name}, {subset} ({len(indices)}): {share:.1%} within ±10%;"
                    f" Spearman rho: predictor {rho:.3f}, MACs {rho_m:.3f}",
                )
            )
        rows.append(
            Figure(
                TITLE,
                f"predicted / measured latency, {name}, {len(nets)} networks",
                Sample.of(predicted, "ms"),
                Sample.of(actual, "ms"),
                "measured in the interpreter (fastest run)",
                paired_ratios(predicted, actual),
                "predicted / measured, per network",
            )
        )
        ratios = [p / a for p, a in zip(predicted, actual, strict=True)]
        worst = sorted(
            zip(ratios, (label for label, _ in nets), strict=True), key=lambda x: abs(x[0] - 1)
        )
        rows.append(
            Note(
                TITLE,
                f"{name}: furthest off: "
                + "; ".join(f"{label} {r - 1:+.0%}" for r, label in reversed(worst[-3:])),
            )
        )
        halves = [m[f"{clock}_halves"] for m in measured]
        agree = _agreement(halves, "min")
        rows.append(
            Note(
                TITLE,
                f"{name}: the measurement against itself (each network's fastest run in the odd"
                f" rounds against the even rounds'): {agree:.1%} within ±10%; by the 10th"
                f" percentiles instead, {_agreement(halves, 'p10'):.1%}"
                f" ({statistics.median(m[clock].runs for m in measured):.0f} runs per network,"
                " median)",
            )
        )
        early_late = [m[f"{clock}_early_late"] for m in measured]
        rows.append(
            Note(
                TITLE,
                f"{name}: the measurement against itself minutes apart (each network's fastest"
                f" run in the first {ROUNDS // 2} rounds against the last {ROUNDS // 2}"
                f" rounds'): {_within([b.min for _, b in early_late], [a.min for a, _ in early_late]):.1%}"
                f" within ±10%",
            )
        )
        if clock == "cpu":
            rows.append(_machine_speed(measured))
        medians = [m[clock].median for m in measured]
        share_median = _share_and_rho(predicted, medians, macs)[0]
        rows.append(
            Note(
                TITLE,
                f"{name}: against the measured medians instead, {share_median:.1%} within ±10%",
            )
        )
        for index, (label, graph) in enumerate(nets):
            if clock == "cpu":
                points.append(_point(label, graph, macs[index], table, measured[index]))
            stats = measured[index][clock]
            points[index][f"{clock}_predicted_ms"] = predicted[index]
            points[index][f"{clock}_measured_ms"] = stats.min
            points[index][f"{clock}_measured_p10_ms"] = stats.p10
            points[index][f"{clock}_measured_median_ms"] = stats.median
            points[index][f"{clock}_measured_q1_ms"] = stats.q1
            points[index][f"{clock}_measured_q3_ms"] = stats.q3
    _save_points(points, path)
    return rows


def _point(
    label: str, graph: archdsl.Graph, macs: int, table: Any, measured: dict[str, Any]
) -> dict[str, Any]:
    """A network's entry in the points file, with what a later study of the correction
    needs to refit it offline: the correction's regressors (its table time per kind, its
    unit count, its MACs) and the fastest CPU time of each round."""
    from archdsl.latency.calibrate import own_times
    from archdsl.latency.correction import features

    return {
        "network": label,
        "macs": macs,
        "cpu_correction_features": features(own_times(graph, table, 1, "cpu")),
        "cpu_round_fastest_ms": [min(samples.cpu) for samples in measured["rounds"]],
    }


def _plain_sum(
    nets: list[tuple[str, archdsl.Graph]], table: Any, measured: list[dict[str, Any]]
) -> Note:
    """The table's layers added up without its correction (``archdsl latency calibrate
    --no-fit``), against the same measurement."""
    from archdsl.latency import predict
    from archdsl.latency.table import Table

    plain = Table(table.identity, table.entries, None, {})
    predicted = [predict(graph, plain, clock="cpu") for _, graph in nets]
    actual = [m["cpu"].min for m in measured]
    ratio = statistics.median(p / a for p, a in zip(predicted, actual, strict=True))
    return Note(
        TITLE,
        f"CPU time, the plain sum of the table's layers (without the correction):"
        f" {_within(predicted, actual):.1%} within ±10%; Spearman rho"
        f" {spearman(predicted, actual):.3f}; median predicted / measured {ratio:.3f}",
    )


def _calibration_agreement(
    nets: list[tuple[str, archdsl.Graph]], table: Any, again: Any, measured: list[dict[str, Any]]
) -> Note:
    """How far two calibrations minutes apart agree: no prediction from one table can agree
    with a measurement more often than the table agrees with another of the same layers."""
    from archdsl.latency import predict

    first = [predict(graph, table, clock="cpu") for _, graph in nets]
    second = [predict(graph, again, clock="cpu") for _, graph in nets]
    actual = [m["cpu"].min for m in measured]
    agree, within = _within(second, first), _within(second, actual)
    return Note(
        TITLE,
        f"CPU time: the calibration against itself (each network predicted from a second table,"
        f" calibrated from empty after the networks were timed, against the first table's"
        f" prediction): {agree:.1%} within ±10%; the second table's predictions within ±10% of"
        f" measured: {within:.1%}",
    )


def _machine_speed(measured: list[dict[str, Any]]) -> Note:
    """How the machine's speed moved from round to round: in each round, the median over
    the networks of that round's fastest run against the network's fastest of all rounds.
    A table timed in a fast stretch predicts every network measured in a slow one too low,
    whatever the predictor."""
    per_round = [
        statistics.median(min(m["rounds"][round_].cpu) / m["cpu"].min for m in measured)
        for round_ in range(ROUNDS)
    ]
    return Note(
        TITLE,
        f"CPU time: the machine's speed from round to round (in each of the {ROUNDS} rounds,"
        f" the median over the networks of the round's fastest run against the network's"
        f" fastest of all rounds): {min(per_round):.3f} to {max(per_round):.3f};"
        f" rounds 10% or more slower: {sum(r >= 1.1 for r in per_round)} of {ROUNDS}",
    )


def _agreement(halves: list[tuple[Any, Any]], statistic: str) -> float:
    """Share of networks whose two halves' ``statistic`` agree within ±10%."""
    return _within(
        [getattr(odd, statistic) for _, odd in halves],
        [getattr(even, statistic) for even, _ in halves],
    )


def _save_points(points: list[dict[str, Any]], path: Path) -> None:
    from archdsl.commands.common import write_atomically

    text = json.dumps({"networks": points}, indent=1) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(str(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def _summary_cost(config: Config) -> Figure:
    """Whole-process time of summary with and without --latency, alternating, after one
    untimed round (which writes both sides' bytecode and document caches, as a user's
    second run finds them)."""
    command = [sys.executable, "-m", "archdsl", "summary", "mnasnet_a1"]
    env = {**user_environment(), "XDG_CACHE_HOME": str(CACHE)}
    plain, predicted = [], []
    for round_ in range(1 + max(config.process_rounds, 3)):
        for args, times in ((command, plain), ([*command, "--latency"], predicted))[
            :: 1 if round_ % 2 == 0 else -1
        ]:
            seconds = process_seconds(args, env)
            if round_ > 0:
                times.append(seconds)
    return Figure(
        TITLE,
        "`summary mnasnet_a1 --latency` against plain `summary`, whole process",
        Sample.of(predicted, "s"),
        Sample.of(plain, "s"),
        "`archdsl summary mnasnet_a1`",
        paired_ratios(predicted, plain),
        "time with --latency / without",
        Goal(1.5, at_least=False),
    )
