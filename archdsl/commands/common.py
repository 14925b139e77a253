"""Options every spec-reading command shares: SPEC, --set and the size limits."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable

from archdsl.errors import SpecError
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
        type=_positive,
        default=DEFAULT_LIMITS.layers,
        metavar="N",
        help="default: %(default)s",
    )
    limits.add_argument(
        "--max-params",
        type=_positive,
        default=DEFAULT_LIMITS.params,
        metavar="N",
        help="default: %(default)s",
    )
    limits.add_argument(
        "--max-macs",
        type=_positive,
        default=DEFAULT_LIMITS.macs,
        metavar="N",
        help="default: %(default)s",
    )
    limits.add_argument(
        "--max-input-pixels",
        type=_positive,
        default=DEFAULT_LIMITS.input_pixels,
        metavar="N",
        help="default: %(default)s",
    )
    limits.add_argument(
        "--max-channels",
        type=_positive,
        default=DEFAULT_LIMITS.channels,
        metavar="N",
        help="channels of any one layer; default: %(default)s",
    )
    limits.add_argument(
        "--max-spec-bytes",
        type=_positive,
        default=DEFAULT_LIMITS.file_bytes,
        metavar="N",
        help="size of the spec file; default: %(default)s",
    )
    limits.add_argument(
        "--max-values",
        type=_positive,
        default=DEFAULT_LIMITS.document_nodes,
        metavar="N",
        help="values in the spec, aliases expanded; default: %(default)s",
    )
    limits.add_argument(
        "--max-nesting",
        type=_positive,
        default=DEFAULT_LIMITS.nesting,
        metavar="N",
        help="nesting depth of the spec; default: %(default)s",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def limits_from(args: argparse.Namespace) -> Limits:
    return Limits(
        file_bytes=args.max_spec_bytes,
        document_nodes=args.max_values,
        nesting=args.max_nesting,
        layers=args.max_layers,
        params=args.max_params,
        macs=args.max_macs,
        input_pixels=args.max_input_pixels,
        channels=args.max_channels,
    )


def graph_from(args: argparse.Namespace, spec: str | None = None) -> Graph:
    """Compile the command's SPEC with its --set overrides and limits."""
    from archdsl.compile import compile_spec

    overrides = [parse_override(text) for text in args.overrides]
    return compile_spec(spec or args.spec, overrides, limits_from(args))


def write_atomically(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it over ``path``.

    A failure leaves no partial file and the old ``path`` untouched. A file that is
    replaced keeps its mode; a new one gets the usual one (mkstemp makes 0600).
    """
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
