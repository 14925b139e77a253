"""Run the archdsl benchmarks and write docs/benchmarks.md.

    python bench/run.py                 # the full run (under 15 minutes on 2 cores)
    python bench/run.py --only summary  # rerun one benchmark; the others' rows are kept
    python bench/run.py --quick         # a smoke run: few rounds, figures not to be trusted,
                                        # written to out/ (out/benchmarks-quick.md)

Each benchmark's results are kept in docs/bench/NAME.json; docs/benchmarks.md is rendered
from all of them.

Benchmarks that do not need TensorFlow run first, before any of them imports it.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make the bench package importable
    sys.path.insert(0, str(REPO))

from archdsl.commands.common import write_atomically  # noqa: E402
from bench import (  # noqa: E402
    analyzer,
    build_time,
    depth,
    graph_render,
    inference,
    latency,
    search,
    shuffle,
    summary_vs_keras,
    train_throughput,
    validate_specs,
)
from bench.config import FULL, QUICK  # noqa: E402
from bench.machine import describe, load_average  # noqa: E402
from bench.report import median_iqr, render  # noqa: E402
from bench.results import Figure, Note, NotRun, Row, Unavailable  # noqa: E402
from bench.store import Run, load_all, save, stored  # noqa: E402

BENCHMARKS = {
    "summary": summary_vs_keras,
    "graph": graph_render,
    "validate": validate_specs,
    "analyzer": analyzer,
    "depth": depth,
    "build": build_time,
    "inference": inference,
    "shuffle": shuffle,
    "search": search,
    "latency": latency,
    "train": train_throughput,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    parser.add_argument(
        "--only", nargs="+", choices=list(BENCHMARKS), help="run only these benchmarks"
    )
    parser.add_argument(
        "-o",
        "--output",
        help="where to write the report (default: docs/benchmarks.md, or with --quick"
        " out/benchmarks-quick.md, which git ignores, so smoke figures never replace real ones);"
        " the results files go in a folder 'bench' beside it",
    )
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    output = Path(
        args.output or REPO / ("out/benchmarks-quick.md" if args.quick else "docs/benchmarks.md")
    )
    results = output.parent / "bench"
    chosen = {name: BENCHMARKS[name] for name in args.only or BENCHMARKS}
    errors = 0
    for index, (key, module) in enumerate(chosen.items(), 1):
        print(f"[{index}/{len(chosen)}] {module.TITLE}", file=sys.stderr, flush=True)
        machine = describe()
        began = time.perf_counter()
        try:
            found = module.run(config)
        except Unavailable as exc:
            found = [NotRun(module.TITLE, str(exc))]
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            traceback.print_exc()
            errors += 1
            found = [NotRun(module.TITLE, f"failed: {type(exc).__name__}: {exc}")]
        for row in found:
            print(f"    {_line(row)}", file=sys.stderr, flush=True)
        seconds = time.perf_counter() - began
        print(f"    ({seconds:.0f} s)", file=sys.stderr, flush=True)
        machine["Load average at end (1/5/15 min)"] = load_average()
        mode = f"{config.name} ({config.rounds} rounds in process, {config.process_rounds} of processes)"
        rows = tuple(stored(row) for row in found)
        save(results, Run(key, module.TITLE, module.METHOD, mode, machine, seconds, rows))
    text = render(load_all(results, list(BENCHMARKS)))
    write_atomically(str(output), lambda path: Path(path).write_text(text, encoding="utf-8"))
    print(f"wrote {output}", file=sys.stderr)
    return 1 if errors else 0


def _line(row: Row) -> str:
    if isinstance(row, Figure):
        return f"{row.name}: {median_iqr(row.ratio)} ({row.ratio_meaning}) {row.verdict}"
    if isinstance(row, NotRun):
        return f"not run: {row.reason}"
    if isinstance(row, Note):
        return row.text
    return f"{row.name}: {median_iqr(row.sample)}"


if __name__ == "__main__":
    sys.exit(main())
