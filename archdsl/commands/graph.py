"""archdsl graph: the paper-style block diagram or the full layer graph, with graphviz."""

from __future__ import annotations

import argparse
import os
import sys

from archdsl.commands.common import add_spec_options, default_stem, graph_from, write_atomically
from archdsl.errors import SpecError
from archdsl.ir.graph import Graph

FORMATS = ("svg", "png", "pdf", "dot")

DESCRIPTION = """Draw a spec with graphviz. No TensorFlow is imported.

  --level block  one box per block, labelled as the MnasNet paper's Figure 7 labels them
                 ("Conv3x3", "SepConv (k3x3)", "MBConv6 (k5x5), SE", "ShuffleUnit s2",
                 "Pooling", "FC"), with its output shape HxWxC, coloured by kind, with a
                 legend; --fold draws a stage's identical repeats as one box marked x3
  --level layer  every layer with its output shape and parameters, each block a cluster;
                 residual adds (the identity input dashed), SE multiplies, splits, concats
                 and channel shuffles are ellipses; --blocks draws only some blocks

The format follows the extension of -o: .svg, .png, .pdf (rendered by graphviz's 'dot'
program: apt-get install graphviz, brew install graphviz) or .dot (DOT text, which needs
no graphviz program). '-o -' prints DOT to stdout. Default: NAME.svg for the block
diagram, NAME_layers.svg for the layer graph, in the current directory; each --set is
part of NAME (mobilenet_v2_width=0.5.svg), so drawings of two settings do not collide.
"""

EXAMPLES = """examples:
  archdsl graph mnasnet_a1 --fold -o mnasnet_a1.png
  archdsl graph mobilenet_v3_large --level layer -o v3_layers.svg
  archdsl graph mnasnet_a1 --level layer --blocks s3_b1..s3_b2 -o a1_s3.png
  archdsl graph shufflenet_v2 --set width=0.5 --rankdir LR --title "ShuffleNetV2 0.5x"
  archdsl graph specs/mnasnet_a1.yaml -o - | dot -Tpdf > a1.pdf
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "graph",
        help="draw the block diagram or the layer graph (graphviz; no TensorFlow)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_spec_options(parser)
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="FILE.svg, .png, .pdf or .dot; '-' for DOT on stdout"
        " (default: NAME.svg, or NAME_layers.svg with --level layer)",
    )
    parser.add_argument(
        "--level",
        choices=("block", "layer"),
        default="block",
        help="one box per block (default) or every layer",
    )
    parser.add_argument(
        "--fold",
        action="store_true",
        help="block level: draw a stage's identical repeats as one box marked xN",
    )
    parser.add_argument(
        "--blocks",
        metavar="NAMES",
        help="layer level: draw only these blocks, as NAME, FIRST..LAST or a comma list; a stage"
        " name is all its blocks (--blocks s3_b2, --blocks s3_b1..s3_b3, --blocks s3);"
        " layers feeding them from outside are stubs",
    )
    parser.add_argument(
        "--rankdir",
        choices=("TB", "LR"),
        default="TB",
        help="top to bottom (default) or left to right",
    )
    parser.add_argument(
        "--title",
        metavar="TEXT",
        help="the diagram's title (default: the spec's title; '' for none)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from archdsl.backends.graphviz_backend import block_diagram, layer_diagram

    if args.fold and args.level != "block":
        raise SpecError(None, "--fold folds blocks; it works with --level block only")
    if args.blocks and args.level != "layer":
        raise SpecError(None, "--blocks picks blocks to draw layer by layer; add --level layer")
    fmt = output_format(args.output)
    if fmt != "dot":
        from archdsl.backends.graphviz_render import dot_program

        dot_program(fmt)  # fail before compiling when the program is missing
    graph = graph_from(args)
    if args.level == "block":
        source = block_diagram(graph, fold=args.fold, rankdir=args.rankdir, title=args.title)
    else:
        chosen = select_blocks(graph, args.blocks) if args.blocks else None
        source = layer_diagram(graph, blocks=chosen, rankdir=args.rankdir, title=args.title)
    if args.output == "-":
        sys.stdout.write(source)
        return 0
    path = (
        args.output
        or f"{default_stem(graph, args)}{'_layers' if args.level == 'layer' else ''}.svg"
    )
    data = source.encode()
    if fmt != "dot":
        from archdsl.backends.graphviz_render import render

        data = render(source, fmt)
    try:
        write_atomically(path, lambda tmp: _write_bytes(tmp, data))
    except OSError as error:
        raise SpecError(None, f"cannot write {path}: {error.strerror or error}") from None
    print(f"wrote {path}")
    return 0


def output_format(output: str | None) -> str:
    """The format named by -o's extension: svg (the default), png, pdf or dot ('-')."""
    if output is None:
        return "svg"
    if output == "-":
        return "dot"
    extension = os.path.splitext(output)[1].lower().lstrip(".")
    if extension not in FORMATS:
        raise SpecError(
            None,
            f"cannot tell the format of '{output}': end it in .svg, .png, .pdf or .dot"
            " (or write '-o -' for DOT on stdout)",
        )
    return extension


def select_blocks(graph: Graph, text: str) -> set[str]:
    """Block names from 'NAME', 'FIRST..LAST' (in graph order, inclusive) or a comma list.

    A stage's name ('s3') stands for all its blocks: 's3' and 's2..s3' pick whole stages.
    """
    order = [block.name for block in graph.blocks]
    stages = [block.stage for block in graph.blocks]
    chosen: set[str] = set()
    for part in text.split(","):
        first, dots, last = part.strip().partition("..")
        ends = [first, last] if dots else [first]
        for name in ends:
            if name not in order and name not in stages:
                raise SpecError(
                    None,
                    f"--blocks: {graph.name} has no block or stage '{name}'; its blocks are"
                    f" {', '.join(order)}",
                )
        start = order.index(ends[0]) if ends[0] in order else stages.index(ends[0])
        stop = (
            order.index(ends[-1])
            if ends[-1] in order
            else len(stages) - 1 - stages[::-1].index(ends[-1])
        )
        if stop < start:
            raise SpecError(
                None, f"--blocks: '{part.strip()}' runs backwards; write {last}..{first}"
            )
        chosen.update(order[start : stop + 1])
    return chosen


def _write_bytes(path: str, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
