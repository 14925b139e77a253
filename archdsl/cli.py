"""The archdsl command: argument parsing and error reporting around the commands.

Each command lives in ``archdsl.commands``; only ``build``, ``train``, ``evaluate`` and
``predict`` import TensorFlow.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module

from archdsl import __version__
from archdsl.errors import SpecError

# Command name -> its module in archdsl.commands, in the order --help lists them.
COMMANDS = {
    "validate": "validate",
    "summary": "summary",
    "build": "build",
    "latency": "latency",
    "train": "train",
    "evaluate": "evaluate",
    "predict": "predict",
    "graph": "graph",
    "fmt": "fmt",
    "list": "list_specs",
    "space": "space",
    "sample": "sample",
    "search": "search",
}
# Commands whose SPEC... list may have options between its items ('latency calibrate --no-fit
# mnasnet_a1'): argparse's nargs='+' stops at the first option, so they parse intermixed.
INTERMIXED = ("latency",)


class _Parser(argparse.ArgumentParser):
    """argparse's parser, with the help width worked out here: argparse asks
    ``shutil.get_terminal_size()`` for it each time it makes a formatter (adding every
    option makes one), and importing shutil (with bz2 and lzma) is about 2.5 ms of a
    ``summary``. Subparsers are made of the same class."""

    def _get_formatter(self) -> argparse.HelpFormatter:
        return self.formatter_class(prog=self.prog, width=_help_width())


def _help_width() -> int:
    """The width shutil.get_terminal_size() gives argparse: $COLUMNS, else the terminal's
    columns, else 80; less 2, as argparse takes it."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


def make_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The archdsl parser; given a command's name, only that command's options.

    Importing and describing all thirteen commands costs a quick command such as
    ``summary`` a good part of its run; its own options parse and print the same alone.
    """
    parser = _Parser(
        prog="archdsl",
        description="A compiler for mobile CNN architectures: write a network as the papers print it,"
        " then check, measure, draw and build it.",
        epilog="Run 'archdsl COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"archdsl {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
        if command in (None, name):
            import_module(f"archdsl.commands.{module}").register(commands)
    return parser


def parse(
    parser: argparse.ArgumentParser, argv: list[str], command: str | None
) -> argparse.Namespace:
    """``argv`` parsed by ``parser``; an ``INTERMIXED`` command by its own parser, intermixed,
    with the same messages (the command's parser reports its errors either way; arguments
    it does not know, ``parser`` reports)."""
    if command not in INTERMIXED:
        return parser.parse_args(argv)
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    args, unknown = commands.choices[command].parse_known_intermixed_args(argv[1:])
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv and argv[0] in COMMANDS else None
    args = parse(make_parser(command), argv, command)
    try:
        return args.run(args)
    except SpecError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (| head); nothing more to say
        return 0


if __name__ == "__main__":
    sys.exit(main())
