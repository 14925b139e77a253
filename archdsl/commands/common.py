"""Options every spec-reading command shares: SPEC, --set and the size limits."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable

from archdsl.ir.graph import Graph
from archdsl.spec.limits import DEFAULT_LIMITS, Limits
from archdsl.spec.params import parse_override

SPEC_HELP = "a spec file (.yaml or .arch) or the name of a built-in spec (see 'archdsl list')"


def add_spec_options(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    parser.add_argument("spec", nargs="+" if many else None, metavar="SPEC", help=SPEC_HELP)
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a param (repeatable): --set width=0.75 --set classes=17 --set input=160",
    )
    limits = parser.add_argument_group("limits (what a spec may make archdsl build)")
    limits.add_argument(
        "--max-layers",
        type=int,
        default=DEFAULT_LIMITS.layers,
        metavar="N",
        help="default: %(default)s",
    )
    limits.add_argument(
        "--max-params",
        type=int,
        default=DEFAULT_LIMITS.params,
        metavar="N",
        help="default: %(default)s",
    )
    limits.add_argument(
        "--max-macs",
        type=int,
        default=DEFAULT_LIMITS.macs,
        metavar="N",
        help="default: %(default)s",
    )
    limits.add_argument(
        "--max-input-pixels",
        type=int,
        default=DEFAULT_LIMITS.input_pixels,
        metavar="N",
        help="default: %(default)s",
    )


def limits_from(args: argparse.Namespace) -> Limits:
    return Limits(
        layers=args.max_layers,
        params=args.max_params,
        macs=args.max_macs,
        input_pixels=args.max_input_pixels,
    )


def graph_from(args: argparse.Namespace, spec: str | None = None) -> Graph:
    """Compile the command's SPEC with its --set overrides and limits."""
    from archdsl.compile import compile_spec

    overrides = [parse_override(text) for text in args.overrides]
    return compile_spec(spec or args.spec, overrides, limits_from(args))


def write_atomically(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it over ``path``.

    A failure leaves no partial file and the old ``path`` untouched.
    """
    folder = os.path.dirname(os.path.abspath(path))
    suffix = os.path.splitext(path)[1]
    handle, tmp = tempfile.mkstemp(prefix=".archdsl-", suffix=suffix, dir=folder)
    os.close(handle)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
