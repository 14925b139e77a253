"""archdsl space: how large a search space is, and what it chooses per block."""

from __future__ import annotations

import argparse

from archdsl.commands.common import add_limit_options, limits_from

SPACE_HELP = "a space file (.yaml) or the name of a built-in space (mnasnet)"

DESCRIPTION = """A search space is a spec in which some values are choices:
  kernel: {choice: [3, 5]}                     one of these values
  filters: {of: 96, times: [0.75, 1.0, 1.25]}  times the base, rounded to the divisor
  repeats: {of: 3, plus: [-1, 0, 1]}           the base plus one of these
and a stage written `block: {op: {choice: [...]}, ...}` takes one op from the space's
`ops` table. Each block's choice is made once for all its layers (MnasNet's factorized
hierarchical space), or for each layer where the space says `per: layer` (k{3|5}/layer in
the DSL; `per: layer` on a searched block: all its choices). Prints the choices per block, the number of candidates factorized
and flat (exact integers; as the MnasNet paper counts them and as distinct designs), and
the exact range of parameters and MACs over the space. No TensorFlow, no Optuna.
"""

EXAMPLES = """examples:
  archdsl space mnasnet
  archdsl space specs/spaces/mnasnet.yaml --format json
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "space",
        help="a search space's size, choices per block and range of params and MACs",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_space_options(parser)
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="table (default) or json"
    )
    parser.set_defaults(run=run)


def add_space_options(parser: argparse.ArgumentParser) -> None:
    """SPACE and the size limits (the same flags as the spec commands)."""
    parser.add_argument("space", metavar="SPACE", help=SPACE_HELP)
    add_limit_options(parser, "space")


def run(args: argparse.Namespace) -> int:
    from archdsl.space.count import count_space
    from archdsl.space.extremes import extremes
    from archdsl.space.load import load_space
    from archdsl.space.report import space_record, to_json, to_table

    limits = limits_from(args)
    space = load_space(args.space, limits)
    record = space_record(space, count_space(space), extremes(space, limits))
    print(to_json(record) if args.format == "json" else to_table(space, record), end="")
    return 0
