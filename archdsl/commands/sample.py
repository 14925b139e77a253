"""archdsl sample: reproducible random candidates of a space, as specs or as JSON lines."""

from __future__ import annotations

import argparse
import json
import os
import sys

from archdsl.commands.common import limits_from, write_atomically
from archdsl.commands.space import add_space_options
from archdsl.errors import SpecError

DESCRIPTION = """Draw N candidates of a search space uniformly at random (the same --seed gives
the same candidates), compile and analyze each. Without -o, prints one JSON line per
candidate: its number, the value of each choice it makes, params, MACs, memory (peak
activation bytes) and memory_access (ShuffleNetV2's memory access cost, values). With
-o DIR, writes DIR/candidates.jsonl and, for --format yaml or
arch, one spec file per candidate. No TensorFlow, no Optuna.
"""

EXAMPLES = """examples:
  archdsl sample mnasnet -n 5 --seed 1
  archdsl sample specs/spaces/mnasnet.yaml -n 100 --seed 0 -o out/samples --format yaml
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "sample",
        help="reproducible random candidates of a space, as specs or JSON lines",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_space_options(parser)
    parser.add_argument("-n", type=_count, default=10, metavar="N", help="candidates (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("-o", "--output", metavar="DIR", help="write candidates into DIR")
    parser.add_argument(
        "--format",
        choices=("jsonl", "yaml", "arch"),
        default="jsonl",
        help="jsonl (default): figures only; yaml or arch: a spec file per candidate too (needs -o)",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    parser.set_defaults(run=run)


def _count(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 10_000_000:
        raise argparse.ArgumentTypeError(f"must be between 1 and 10,000,000, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    from archdsl.compile import check_document
    from archdsl.report.progress import Progress
    from archdsl.space.evaluate import Evaluator, candidate_name, draw
    from archdsl.space.load import load_space

    if args.format != "jsonl" and not args.output:
        raise SpecError(
            None, f"--format {args.format} writes spec files: give a folder with -o DIR"
        )
    if args.output and os.path.exists(args.output) and not os.path.isdir(args.output):
        raise SpecError(None, f"-o {args.output}: exists and is not a folder")
    limits = limits_from(args)
    space = load_space(args.space, limits)
    records, texts = [], {}
    progress = Progress(args.n, "sample", args.progress)
    drawn = failed = 0
    first_error = ""
    evaluator = Evaluator(space, limits)
    for assignment in draw(space, args.seed):
        if len(records) == args.n or drawn >= 10 * args.n:
            break
        drawn += 1
        index = len(records) + 1
        try:
            figures = evaluator.figures(assignment, index)
            if args.format != "jsonl":
                doc = space.resolve(assignment, candidate_name(space, index))
                check_document(doc)  # the spec written is checked as a spec
        except SpecError as error:
            failed += 1
            first_error = first_error or str(error)
            continue
        records.append({"index": index, "choices": space.values(assignment), **figures})
        if args.format != "jsonl":
            texts[doc.data["name"]] = _spec_text(space, index, assignment, doc.data, args)
        progress.update(len(records))
    progress.close()
    if failed:
        print(
            f"archdsl: {failed} of {drawn} candidates drawn did not compile; the first:\n{first_error}",
            file=sys.stderr,
        )
    if not records:
        raise SpecError(None, f"none of {drawn} candidates drawn compiles")
    lines = "".join(json.dumps(record) + "\n" for record in records)
    if not args.output:
        sys.stdout.write(lines)
        return 0
    os.makedirs(args.output, exist_ok=True)
    for name, text in texts.items():
        _write(os.path.join(args.output, f"{name}.{args.format}"), text)
    _write(os.path.join(args.output, "candidates.jsonl"), lines)
    print(f"wrote {len(records)} candidates to {args.output}", file=sys.stderr)
    return 0


def _spec_text(space, index: int, assignment, data, args: argparse.Namespace) -> str:
    from archdsl.spec.dsl_writer import write_dsl
    from archdsl.spec.yaml_writer import write_yaml

    choices = " ".join(f"{k}={json.dumps(v)}" for k, v in space.values(assignment).items())
    header = f"# candidate {index} of {args.space} (seed {args.seed})\n# {choices}\n"
    write = write_dsl if args.format == "arch" else write_yaml
    return header + write(data)


def _write(path: str, text: str) -> None:
    def put(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)

    write_atomically(path, put)
