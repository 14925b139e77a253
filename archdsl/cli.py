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

# Command modules, in the order --help lists them.
COMMANDS = (
    "validate",
    "summary",
    "build",
    "latency",
    "train",
    "evaluate",
    "predict",
    "graph",
    "fmt",
    "list_specs",
    "space",
    "sample",
    "search",
)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archdsl",
        description="A compiler for mobile CNN architectures: write a network as the papers print it,"
        " then check, measure, draw and build it.",
        epilog="Run 'archdsl COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"archdsl {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in COMMANDS:
        import_module(f"archdsl.commands.{name}").register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
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
