"""archdsl fmt: canonical formatting of a spec, and conversion between YAML and the DSL."""

from __future__ import annotations

import argparse
import os
import sys

from archdsl.commands.common import add_limit_options, limits_from, write_atomically
from archdsl.errors import SpecError

DESCRIPTION = """Print SPEC in canonical form: in its own format, or converted with --to.
Comments are kept beside the entry or block they belong to.

The result is checked before anything is written: it must parse back to the same
document and compile to the same graph as SPEC. Files are written atomically."""

EXAMPLES = """examples:
  archdsl fmt my_net.arch                  # print the canonical .arch text
  archdsl fmt my_net.arch --write          # rewrite the file in place
  archdsl fmt mnasnet_a1 --to arch         # a built-in spec, as DSL
  archdsl fmt my_net.yaml --to arch --write   # writes my_net.arch beside it
  archdsl fmt my_net.yaml -o my_net.arch   # the format follows the output's suffix
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "fmt",
        help="canonical formatting; convert between YAML and the .arch DSL",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "spec",
        metavar="SPEC",
        help="a spec file (.yaml or .arch) or the name of a built-in spec (see 'archdsl list')",
    )
    parser.add_argument(
        "--to",
        choices=("arch", "yaml"),
        help="output format (default: -o's suffix, else SPEC's own format)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--write",
        action="store_true",
        help="write the result to SPEC (or beside it, with the new suffix, when converting)",
    )
    where.add_argument("-o", "--output", metavar="PATH", help="write the result to PATH")
    add_limit_options(parser, "spec")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from archdsl.spec import convert
    from archdsl.spec.modeline import has_modeline
    from archdsl.spec.source import load_document, resolve

    if args.spec == "-":
        raise SpecError(
            None,
            "fmt reads a spec file or a built-in name; '-' (stdin) is for validate,"
            " summary, build and graph",
        )
    limits = limits_from(args)
    path = resolve(args.spec)
    if args.write and not os.path.exists(args.spec):
        raise SpecError(
            None, f"--write needs a spec file; '{args.spec}' is a built-in name (use -o PATH)"
        )
    if args.to and args.output and convert.format_of(args.output) != args.to:
        raise SpecError(
            None,
            f"--to {args.to} does not match -o {args.output}: archdsl reads a .arch file as"
            " the DSL and any other as YAML (drop --to, or change the suffix)",
        )
    target = args.to or (convert.format_of(args.output) if args.output else convert.format_of(path))
    doc = load_document(path, limits)
    graph = _check(doc, limits)
    check_file = f"{os.path.splitext(path)[0]}.{target}"
    destination = args.output or (check_file if args.write else None)
    text = convert.write(doc, target, destination)
    again = convert.parse(text, check_file, limits)
    if again.data != doc.data or _check(again, limits) != graph:
        raise SpecError(
            None,
            f"fmt produced {target} text that does not compile to the same graph as {path}"
            " (a bug in archdsl; nothing was written)",
        )
    if destination is None:
        sys.stdout.write(text)
    elif not _holds(destination, text):
        write_atomically(destination, lambda tmp: _write_text(tmp, text))
        print(f"wrote {destination}")
    if target == "arch" and has_modeline(convert.comments_of(doc)):
        print(
            "archdsl: note: the yaml-language-server $schema line is left out (.arch files"
            " have no schema modeline)",
            file=sys.stderr,
        )
    return 0


def _check(doc, limits) -> object:
    """What ``doc`` compiles to: a spec's Graph, or a search space's fingerprint (a space is
    checked as `archdsl space` checks it: every option of every choice)."""
    from archdsl.compile import compile_document
    from archdsl.space.choices import is_space_data

    if is_space_data(doc.data):
        from archdsl.space.load import check_space
        from archdsl.space.space import read_space

        space = read_space(doc)
        check_space(space, limits)
        return space.fingerprint
    return compile_document(doc, limits=limits)


def _holds(path: str, text: str) -> bool:
    """Whether ``path`` exists and already holds ``text`` (then it is left alone)."""
    if not os.path.exists(path):
        return False
    with open(path, encoding="utf-8") as handle:
        return handle.read() == text


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
