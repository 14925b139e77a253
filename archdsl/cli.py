"""The archdsl command: argument parsing and error reporting around the commands.

Each command lives in ``archdsl.commands``; only ``build``, ``train``, ``evaluate`` and
``predict`` import TensorFlow.
"""

from __future__ import annotations

import argparse
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


def make_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The archdsl parser; given a command's name, only that command's options.

    Importing and describing all thirteen commands costs a quick command such as
    ``summary`` a good part of its run; its own options parse and print the same alone.
    """
    parser = argparse.ArgumentParser(
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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = make_parser(argv[0] if argv and argv[0] in COMMANDS else None).parse_args(argv)
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
