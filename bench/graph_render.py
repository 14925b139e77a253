"""6. `archdsl graph` at layer level for the largest built-in spec, against `dot` alone."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import archdsl
from archdsl.spec.source import builtin_names
from bench.availability import require_command, require_program
from bench.config import Config
from bench.results import Figure, Row
from bench.stats import Sample, paired_ratios
from bench.timing import interleave, process_seconds

TITLE = "6. graph rendering"
METHOD = """`archdsl graph SPEC --level layer -o out.svg` as a whole process, for the built-in spec
with the most layers. Reference: `dot -Tsvg` of the DOT text archdsl writes for the same graph
(made once with `-o out.dot`), alone. Any route to a picture of this graph pays for graphviz's
layout, so that is the floor; the ratio (graph time / dot time) says how much archdsl adds on
top (reading, checking and compiling the spec, writing the DOT, starting Python). The same
rounds also time `archdsl summary SPEC --level layer` (the same front end without a picture)."""

ARCHDSL = [sys.executable, "-m", "archdsl"]


def largest_builtin() -> str:
    return max(builtin_names(), key=lambda name: len(archdsl.load(name).nodes))


def run(config: Config) -> list[Row]:
    require_command("graph")
    dot = require_program("dot")
    spec = largest_builtin()
    layers = len(archdsl.load(spec).nodes)
    with tempfile.TemporaryDirectory(prefix="archdsl-bench-") as folder:
        out = Path(folder)
        layer_graph = [*ARCHDSL, "graph", spec, "--level", "layer", "-o"]
        process_seconds([*layer_graph, str(out / "graph.dot")])
        times = interleave(
            {
                "graph": lambda: process_seconds([*layer_graph, str(out / "graph.svg")]),
                "dot": lambda: process_seconds(
                    [dot, "-Tsvg", str(out / "graph.dot"), "-o", str(out / "dot.svg")]
                ),
                "summary": lambda: process_seconds([*ARCHDSL, "summary", spec, "--level", "layer"]),
            },
            rounds=config.process_rounds,
        )
    name = f"`archdsl graph {spec} --level layer -o out.svg` ({layers} layers)"
    return [
        Figure(
            TITLE,
            name,
            Sample.of(times["graph"], "s"),
            Sample.of(times["dot"], "s"),
            "`dot -Tsvg` of the same DOT",
            paired_ratios(times["graph"], times["dot"]),
            "graph time / dot time",
        ),
        Figure(
            TITLE,
            name,
            Sample.of(times["graph"], "s"),
            Sample.of(times["summary"], "s"),
            f"`archdsl summary {spec} --level layer`",
            paired_ratios(times["graph"], times["summary"]),
            "graph time / summary time",
        ),
    ]
