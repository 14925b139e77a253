"""archdsl list: the built-in specs and the block types a spec can use."""

from __future__ import annotations

import argparse

from archdsl.errors import SpecError

EXAMPLES = """examples:
  archdsl list                             # built-in specs and block types
  archdsl summary mobilenet_v3_small       # then use a listed name as SPEC
  archdsl fmt mnasnet_a1 --to arch         # see a built-in spec's source
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "list",
        help="built-in specs and block types",
        description="List the built-in specs (usable by name wherever SPEC is asked), with their"
        " parameters and MACs, and the block types with their knobs.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from archdsl.analysis.analyze import analyze
    from archdsl.compile import compile_spec
    from archdsl.spec.schema import block_knobs, block_types, schema
    from archdsl.spec.source import builtin_names

    print("Built-in specs (use the name as SPEC):")
    print(f"  {'name':<20} {'params':>11} {'MACs':>9}  title")
    for name in builtin_names():
        try:
            analysis = analyze(compile_spec(name))
        except SpecError as error:  # a broken built-in is a bug; show it, keep listing
            print(f"  {name:<20} {error}")
            continue
        total = analysis.total
        print(f"  {name:<20} {total.params:>11,} {total.macs / 1e6:>8.1f}M  {analysis.title}")
    print("\nBlock types:")
    definitions = schema()["$defs"]
    width = max(len(block) for block in block_types())
    for block in block_types():
        summary = definitions[f"{block}_block"]["description"].split(". ")[0].rstrip(".")
        print(f"  {block:<{width}}  {summary}")
        knobs = ", ".join(k for k in block_knobs(block) if k != "name")
        print(f"  {'':<{width}}  knobs: {knobs or f'none (written {block}: {{}})'}")
    return 0
