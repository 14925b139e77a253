"""archdsl summary: shapes, parameters, MACs and memory, without TensorFlow."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from archdsl.commands.common import add_spec_options, graph_from
from archdsl.errors import SpecError

if TYPE_CHECKING:
    from archdsl.ir.graph import Graph
    from archdsl.latency.predict import Prediction
    from archdsl.latency.table import Table
    from archdsl.report.latency import Latency

DESCRIPTION = """Static analysis of a spec: output shape, parameters and MACs per block or layer,
stage subtotals and totals. Pure Python; TensorFlow is never imported.

Counting conventions:
  params  as Keras counts them: BatchNorm holds 4 numbers per channel, gamma and beta
          trainable, moving mean and variance non-trainable (torchvision and timm publish
          the trainable part only).
  MACs    multiply-accumulates of Conv2D, DepthwiseConv2D and Dense, as the MobileNet,
          MnasNet and ShuffleNet papers count them (k*k*Cin/groups per output value;
          in*out for Dense); bias, BatchNorm, activations, adds and pooling count 0.
  memory  fp32 bytes of each layer's output for one image; the peak is the most that is
          alive at once when the layers run one after another.
  ms      with --latency: predicted milliseconds of one inference on this machine, read
          from the table 'archdsl latency calibrate' fills (still no TensorFlow). A conv's
          time includes the BatchNorm and activation the TFLite converter fuses into it
          (their rows say 'fused'); the total adds the interpreter's per-inference overhead
          once, which each one-layer measurement paid too and is subtracted from.
"""

EXAMPLES = """examples:
  archdsl summary mnasnet_a1
  archdsl summary mobilenet_v2 --set width=1.4 --level layer
  archdsl summary shufflenet_v2 --set width=0.5 --format json
  archdsl summary specs/mnasnet_a1.yaml --set input=160 --format markdown
  archdsl summary mnasnet_a1 --latency
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "summary",
        help="shapes, parameters and MACs per block or layer (no TensorFlow)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_spec_options(parser)
    parser.add_argument(
        "--level",
        choices=("block", "layer"),
        default="block",
        help="rows per block (default) or per layer",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json", "csv", "markdown"),
        default="table",
        help="table (default), json (one object with totals, blocks and layers), csv or markdown",
    )
    latency = parser.add_argument_group("predicted latency")
    latency.add_argument(
        "--latency",
        action="store_true",
        help="add predicted milliseconds per layer, block, stage and in total, from this"
        " machine's latency table (fill it with 'archdsl latency calibrate SPEC')",
    )
    latency.add_argument(
        "--latency-threads",
        type=int,
        default=1,
        metavar="N",
        help="predict for N interpreter threads (the table calibrated with --threads N); default 1",
    )
    latency.add_argument(
        "--latency-table", metavar="PATH", help="predict from this table file instead"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from archdsl.analysis.analyze import analyze

    graph = graph_from(args)
    analysis = analyze(graph)
    latency = _latency(graph, args) if args.latency else None
    if args.format == "json":
        from archdsl.report.records import to_json

        text = to_json(analysis, latency)
    elif args.format == "csv":
        from archdsl.report.records import to_csv

        text = to_csv(analysis, args.level, latency)
    elif args.format == "markdown":
        from archdsl.report.table import to_markdown

        text = to_markdown(analysis, args.level, latency)
    else:
        from archdsl.report.table import to_table

        text = to_table(analysis, args.level, latency)
    print(text, end="")
    return 0


def _lacks(table: Table, prediction: Prediction, graph: Graph) -> str:
    if not table.entries:
        return "has no entries yet"
    first = prediction.missing[0]
    return (
        f"lacks {len(prediction.missing)} of {graph.name}'s layer configurations"
        f" (first: {first.head}, {first.key})"
    )


def _latency(graph: Graph, args: argparse.Namespace) -> Latency:
    """The table's prediction for ``graph``; one line naming what is missing otherwise."""
    from pathlib import Path  # not at the top: a plain summary needs neither (pathlib: 3 ms)

    from archdsl.latency import TableError, load_table, predict_layers
    from archdsl.report.latency import Latency

    if args.latency_threads < 1:
        raise SpecError(None, f"--latency-threads must be at least 1, got {args.latency_threads}")
    try:
        table = load_table(args.latency_threads, args.latency_table)
    except TableError as error:
        raise SpecError(None, str(error)) from None
    prediction = predict_layers(graph, table)
    if prediction.missing:
        import shlex

        command = ["archdsl", "latency", "calibrate", args.spec]
        command += [part for text in args.overrides for part in ("--set", text)]
        if args.latency_threads != 1:
            command += ["--threads", str(args.latency_threads)]
        if args.latency_table:
            command += ["--table", args.latency_table]
        raise SpecError(
            None,
            f"the latency table {table.path} {_lacks(table, prediction, graph)}; fill it with: {shlex.join(command)}",
        )
    return Latency(prediction, table.identity, Path(table.path) if table.path else None)
