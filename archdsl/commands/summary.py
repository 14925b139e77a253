"""archdsl summary: shapes, parameters, MACs and memory, without TensorFlow."""

from __future__ import annotations

import argparse

from archdsl.commands.common import add_spec_options, graph_from

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
"""

EXAMPLES = """examples:
  archdsl summary mnasnet_a1
  archdsl summary mobilenet_v2 --set width=1.4 --level layer
  archdsl summary shufflenet_v2 --set width=0.5 --format json
  archdsl summary specs/mnasnet_a1.yaml --set input=160 --format markdown
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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from archdsl.analysis.analyze import analyze

    analysis = analyze(graph_from(args))
    if args.format == "json":
        from archdsl.report.records import to_json

        text = to_json(analysis)
    elif args.format == "csv":
        from archdsl.report.records import to_csv

        text = to_csv(analysis, args.level)
    elif args.format == "markdown":
        from archdsl.report.table import to_markdown

        text = to_markdown(analysis, args.level)
    else:
        from archdsl.report.table import to_table

        text = to_table(analysis, args.level)
    print(text, end="")
    return 0
