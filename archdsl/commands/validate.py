"""archdsl validate: check specs without building anything."""

from __future__ import annotations

import argparse
import sys

from archdsl.commands.common import add_spec_options, graph_from
from archdsl.errors import SpecError

EXAMPLES = """examples:
  archdsl validate specs/*.yaml
  archdsl validate my_net.arch --set width=0.5
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate",
        help="check specs against the schema and the semantic rules",
        description="Check each SPEC: schema, parameters, shapes. Prints FILE:LINE:COL: error: ... for each"
        " spec with a mistake and exits 1 if any has one.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_spec_options(parser, many=True)
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing for valid specs")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    failed = 0
    for spec in args.spec:
        try:
            graph = graph_from(args, spec)
        except SpecError as error:
            print(error, file=sys.stderr)
            failed += 1
            continue
        if not args.quiet:
            print(
                f"{spec}: ok ({graph.name}, {len(graph.blocks) - 1} blocks, {len(graph.nodes) - 1} layers)"
            )
    return 1 if failed else 0
