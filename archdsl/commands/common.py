"""Options every spec-reading command shares: SPEC, --set and the size limits."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable

from archdsl.errors import SpecError
from archdsl.ir.graph import Graph
from archdsl.spec.limits import DEFAULT_LIMITS, Limits
from archdsl.spec.params import parse_override

SPEC_HELP = (
    "a spec file (.yaml or .arch), the name of a built-in spec (see 'archdsl list'),"
    " or '-' to read the spec from stdin"
)


def add_spec_options(
    parser: argparse.ArgumentParser,
    *,
    many: bool = False,
    optional: bool = False,
    cache: bool = True,
) -> None:
    """SPEC, --set, --no-warnings, the limits, and --no-cache when the command reads SPEC
    with ``graph_from`` (``cache``)."""
    nargs = "+" if many else "?" if optional else None
    parser.add_argument("spec", nargs=nargs, metavar="SPEC", help=SPEC_HELP)
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a param (repeatable): --set width=0.75 --set classes=17 --set input=160",
    )
    parser.add_argument(
        "--no-warnings",
        action="store_true",
        help="do not print warnings (legal but likely mistakes: an even kernel, stride 3,"
        " a stride-2 block on a 1x1 map)",
    )
    if cache:
        parser.add_argument(
            "--no-cache",
            action="store_true",
            help="read and check SPEC afresh, without the checked copy archdsl keeps of"
            " each spec file in ~/.cache/archdsl/documents (also: ARCHDSL_NO_CACHE=1)",
        )
    add_limit_options(parser, "spec")


def add_limit_options(parser: argparse.ArgumentParser, reads: str) -> None:
    """The --max-* flags, one per field of Limits."""
    limits = parser.add_argument_group(f"limits (what a {reads} may make archdsl read and build)")
    for flag, field, what in LIMIT_FLAGS:
        limits.add_argument(
            flag,
            dest=field,
            type=positive_int,
            default=getattr(DEFAULT_LIMITS, field),
            metavar="N",
            help=f"{what}; default: %(default)s",
        )


# (flag, Limits field, what it bounds), in --help order.
LIMIT_FLAGS = (
    ("--max-layers", "layers", "layers in the network"),
    ("--max-params", "params", "parameters in the network"),
    ("--max-macs", "macs", "multiply-accumulates of one image"),
    ("--max-input-pixels", "input_pixels", "height x width of the input"),
    ("--max-channels", "channels", "channels of any one layer"),
    ("--max-spec-bytes", "file_bytes", "size of the spec file"),
    ("--max-values", "document_nodes", "values in the spec, aliases expanded"),
    ("--max-nesting", "nesting", "nesting depth of the spec"),
)


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def limits_from(args: argparse.Namespace) -> Limits:
    return Limits(**{field: getattr(args, field) for _, field, _ in LIMIT_FLAGS})


def graph_from(args: argparse.Namespace, spec: str | None = None) -> Graph:
    """Compile the command's SPEC with its --set overrides and limits."""
    from archdsl.compile import compile_spec

    overrides = [parse_override(text) for text in args.overrides]
    graph = compile_spec(spec or args.spec, overrides, limits_from(args), cache=not args.no_cache)
    if not args.no_warnings:
        for warning in graph.warnings:
            print(warning, file=sys.stderr)
    return graph


def default_stem(graph: Graph, args: argparse.Namespace) -> str:
    """The default output file's name without suffix: the spec's name and its --set values.

    ``mobilenet_v2_width=0.5_classes=10``, so a width-0.5 build does not overwrite the
    width-1.0 file. Characters a file name should not hold become '-'.
    """
    parts = [graph.name, *(text.strip() for text in args.overrides)]
    return "_".join(re.sub(r"[^A-Za-z0-9._=+-]", "-", part) for part in parts)


def write_atomically(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it over ``path``.

    A failure leaves no partial file and the old ``path`` untouched. A file that is
    replaced keeps its mode; a new one gets the usual one (mkstemp makes 0600).
    """
    import tempfile  # only commands that write files need it

    folder = os.path.dirname(os.path.abspath(path))
    suffix = os.path.splitext(path)[1]
    try:
        mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o666 & ~_umask()
        handle, tmp = tempfile.mkstemp(prefix=".archdsl-", suffix=suffix, dir=folder)
    except OSError as error:
        raise SpecError(None, f"cannot write {path}: {error.strerror or error}") from None
    os.close(handle)
    try:
        write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
