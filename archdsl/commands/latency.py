"""archdsl latency: measure a network in the TFLite interpreter, or calibrate the table."""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archdsl.commands.common import add_spec_options, graph_from
from archdsl.errors import SpecError

if TYPE_CHECKING:
    from archdsl.latency.measure import Measurement

DESCRIPTION = """Measure how long one inference of a spec takes on this CPU: build the Keras model,
convert it to a float32 TFLite model (BatchNorm folded, activations fused), run it in the
LiteRT/TFLite interpreter with the XNNPACK delegate (as on a phone) after a warm-up, and
report the median and interquartile range of the runs, with the machine, the runtime and
the load average. --runtime keras times the Keras model in TensorFlow instead.

'archdsl latency calibrate SPEC...' fills the latency table that 'archdsl summary --latency'
predicts from without TensorFlow: every distinct layer configuration of the specs (op,
input shape, kernel, stride, channels, groups, and the BatchNorm and activation fused into
it) is timed once as a one-layer TFLite model. The table is kept per machine, runtime and
thread count in $XDG_CACHE_HOME/archdsl/latency (default ~/.cache/archdsl/latency).
The first calibration of a table (for a batch size) also fits a correction for what
one-layer timings miss (weights hot in the cache): reference networks (built-ins at width
0.5 and 1.0, MnasNet-space candidates, inputs 160 and 192) are calibrated and measured
whole, and per-kind scales, a per-layer term, a term per multiply-add and an intercept are
fitted to them (about 4 minutes on 2 cores, once; again when a correction was fitted by an
archdsl without all of these terms). --fit fits it again; --no-fit leaves the table as it
is (without a correction, predictions are the plain sum of the layers). Calibrate on a
machine nothing else runs on: load during the calibration carries into every prediction.

Timing on a busy machine: with one thread (the default) the interpreter runs on the
calling thread, so its CPU time is reported beside the wall-clock time; when the two
differ much, other processes held the CPU and the wall-clock figures are inflated.
"""

EXAMPLES = """examples:
  archdsl latency mobilenet_v2
  archdsl latency mnasnet_a1 --set input=160 --threads 2 --format json
  archdsl latency shufflenet_v2 --runtime keras
  archdsl latency calibrate mnasnet_a1 mobilenet_v2
  archdsl latency calibrate mobilenet_v3_small --set width=0.75 --threads 2
  archdsl latency calibrate my_net.yaml --no-fit
"""


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "latency",
        help="measure latency in the TFLite interpreter, or calibrate the table (needs TensorFlow)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="archdsl latency [calibrate] SPEC... [options]",
    )
    add_spec_options(parser, many=True)
    parser.add_argument(
        "--runtime",
        choices=("tflite", "keras"),
        default="tflite",
        help="tflite (default: LiteRT/TFLite interpreter, XNNPACK) or keras (TensorFlow)",
    )
    parser.add_argument(
        "--threads",
        type=_positive,
        default=1,
        help="interpreter threads (default 1: stable figures)",
    )
    parser.add_argument(
        "--batch", type=_positive, default=1, help="images per inference (default 1)"
    )
    parser.add_argument(
        "--min-runs", type=_positive, default=50, help="timed runs at least (default 50)"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=2.0,
        help="and time at least this long (default 2 s), after a 0.5 s warm-up",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    fitting = parser.add_mutually_exclusive_group()
    fitting.add_argument(
        "--fit",
        dest="fit",
        action="store_const",
        const=True,
        help="calibrate: fit the table's correction again, on reference networks measured"
        " whole (by default it is fitted when the table has none, or one without all of this"
        " archdsl's terms)",
    )
    fitting.add_argument(
        "--no-fit",
        dest="fit",
        action="store_const",
        const=False,
        help="calibrate: do not fit a correction (a table without one predicts the plain sum of"
        " the layers)",
    )
    parser.add_argument(
        "--table",
        type=Path,
        metavar="PATH",
        help="the latency table file to calibrate or predict with (default: this machine's, in the cache folder)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    specs = list(args.spec)
    if args.fit is not None and specs[0] != "calibrate":
        flag = "--fit" if args.fit else "--no-fit"
        raise SpecError(None, f"{flag} applies to 'archdsl latency calibrate' only")
    if specs[0] == "calibrate":
        if len(specs) == 1:
            raise SpecError(None, "latency calibrate needs at least one SPEC")
        return _calibrate(args, specs[1:])
    if len(specs) > 1:
        raise SpecError(
            None,
            f"latency measures one SPEC at a time, got {len(specs)};"
            " to fill the table for several, use: archdsl latency calibrate SPEC...",
        )
    return _measure(args, specs[0])


def _identity(args: argparse.Namespace) -> Any:
    from archdsl.latency.table import Identity

    return Identity.here(args.threads)


def _load_table(args: argparse.Namespace) -> Any:
    from archdsl.latency.table import TableError, load

    try:
        return load(_identity(args), args.table)
    except TableError as error:
        raise SpecError(None, str(error)) from None


def _calibrate(args: argparse.Namespace, specs: list[str]) -> int:
    graphs = [graph_from(args, spec) for spec in specs]
    table = _load_table(args)  # refuse an unusable table before importing TensorFlow
    from archdsl.latency.measure import import_tensorflow

    _with_tensorflow(lambda: import_tensorflow(args.threads))
    from archdsl.latency.calibrate import calibrate, wants_fit
    from archdsl.report.progress import Progress

    progress = Progress(1, "calibrating")
    result = calibrate(
        graphs,
        table.identity,
        table.path,
        args.batch,
        progress=lambda done, total: progress.update(done, total=total),
        fit=wants_fit(table, args.batch, args.fit),
    )
    progress.close()
    print(
        f"measured {result.measured} of the {result.wanted} layer configurations"
        f" of {', '.join(g.name for g in graphs)} in {result.seconds:.1f} s"
        f" ({result.wanted - result.measured} were in the table);"
        f" table {result.table.path}: {len(result.table.entries)} entries,"
        f" {result.table.identity.describe()}"
    )
    if result.fitted is not None:
        fit = result.fitted.fit
        print(
            f"fitted the table's correction on {fit['networks']} reference networks measured"
            f" whole in {result.fit_seconds:.1f} s: {fit['within_10_percent']:.0%} of them"
            f" predicted within ±10% (CPU time), median error {fit['median_abs_error']:.1%}"
        )
    return 0


def _with_tensorflow(step: Any) -> Any:
    from archdsl.backends.tf_runtime import TensorFlowUnavailable

    try:
        return step()
    except TensorFlowUnavailable as error:
        raise SpecError(None, str(error)) from None


def _measure(args: argparse.Namespace, spec: str) -> int:
    graph = graph_from(args, spec)
    table = _load_table(args)
    from archdsl.latency.measure import import_tensorflow, measure

    _with_tensorflow(lambda: import_tensorflow(args.threads))
    result = measure(
        graph,
        args.runtime,
        args.threads,
        args.batch,
        min_runs=args.min_runs,
        min_seconds=args.seconds,
    )
    predicted = _predicted(graph, table, args) if args.runtime == "tflite" else None
    record = to_record(result, predicted, table.path)
    print(
        json.dumps(record, indent=1) if args.format == "json" else to_text(result, predicted, args)
    )
    return 0


def _predicted(graph: Any, table: Any, args: argparse.Namespace) -> dict[str, float] | None:
    """The table's prediction by each clock it can be compared with, or None if it lacks layers."""
    from archdsl.latency.predict import predict_layers

    clocks = ("wall", "cpu") if args.threads == 1 else ("wall",)
    predictions = {clock: predict_layers(graph, table, args.batch, clock) for clock in clocks}
    if predictions["wall"].missing:
        return None
    return {clock: prediction.total_ms for clock, prediction in predictions.items()}


def _load(values: tuple[float, float, float] | None) -> list[float] | None:
    return None if values is None else [round(v, 2) for v in values]


def to_record(
    result: Measurement, predicted: dict[str, float] | None, table: Path | None
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "name": result.name,
        "input_shape": list(result.input_shape),
        "batch": result.batch,
        "runtime": result.runtime,
        "threads": result.threads,
        "machine": result.machine,
        "load_average_before": _load(result.load_before),
        "load_average_after": _load(result.load_after),
        "runs": result.wall.runs,
        "wall_ms": _stats(result.wall),
    }
    if result.threads == 1:
        record["cpu_ms"] = _stats(result.cpu)
    if predicted is not None:
        record["predicted_ms"] = predicted  # by the wall clock and, with 1 thread, CPU time
        record["table"] = str(table)
    return record


def _stats(stats: Any) -> dict[str, float]:
    return {
        "median": stats.median,
        "q1": stats.q1,
        "q3": stats.q3,
        "p10": stats.p10,
        "min": stats.min,
    }


def to_text(
    result: Measurement, predicted: dict[str, float] | None, args: argparse.Namespace
) -> str:
    from archdsl.latency.machine import machine_text

    wall = result.wall
    shape = "x".join(map(str, result.input_shape))
    threads = f"{result.threads} thread{'s' if result.threads != 1 else ''}"
    lines = [
        f"{result.name} (input {shape}, batch {result.batch}): {wall.median:.2f} ms median,"
        f" IQR {wall.q1:.2f}-{wall.q3:.2f} ms over {wall.runs} runs",
        f"  runtime  {result.runtime}, {threads}, float32",
        f"  machine  {machine_text(result.machine)}",
    ]
    if result.threads == 1:
        cpu = result.cpu
        lines.append(
            f"  CPU time {cpu.median:.2f} ms median (IQR {cpu.q1:.2f}-{cpu.q3:.2f},"
            f" 10th percentile {cpu.p10:.2f}, fastest {cpu.min:.2f}) on the interpreter's thread"
        )
    if result.load_before is not None and result.load_after is not None:
        cores = int(result.machine["cores"])
        busy = max(result.load_before[0], result.load_after[0]) > 0.8 * cores
        note = "; the machine was busy, so wall-clock times are inflated" if busy else ""
        lines.append(
            f"  load     {result.load_before[0]:.2f} before, {result.load_after[0]:.2f} after"
            f" (1-minute average, {cores} cores){note}"
        )
    if predicted is not None:
        # the table predicts the fastest run (archdsl.latency.timing says why)
        text = f"{predicted['wall']:.2f} ms wall-clock ({_off(predicted['wall'], wall.min)})"
        if "cpu" in predicted:
            text += (
                f", {predicted['cpu']:.2f} ms CPU time ({_off(predicted['cpu'], result.cpu.min)})"
            )
        lines.append(f"  table    predicts {text}")
    elif args.runtime == "tflite":
        calibrate = shlex.join(["archdsl", "latency", "calibrate", *_spec_args(args)])
        lines.append(
            f"  table    no prediction: the table lacks some layers ({calibrate} fills it)"
        )
    return "\n".join(lines)


def _off(predicted: float, measured: float) -> str:
    return f"{(predicted / measured - 1) * 100:+.0f}% of the measured fastest run"


def _spec_args(args: argparse.Namespace) -> list[str]:
    extra = [part for text in args.overrides for part in ("--set", text)]
    if args.threads != 1:
        extra += ["--threads", str(args.threads)]
    return [*args.spec, *extra]
