"""2. How the analyzer's time grows with network depth (generated specs of 10 to 1,000 blocks)."""

from __future__ import annotations

from collections.abc import Callable

import archdsl
from archdsl.compile import compile_document
from archdsl.ir import memo
from archdsl.spec.document import Document
from archdsl.spec.limits import DEFAULT_LIMITS
from archdsl.spec.yaml_front import parse_yaml
from bench.config import Config
from bench.results import Figure, Goal, Measurement, Row
from bench.stats import Sample, paired_ratios
from bench.timing import calibrate, interleave, seconds

TITLE = "2. analyzer vs depth"
DEPTHS = (10, 100, 1000)
METHOD = f"""Generated specs of 10, 100 and 1,000 MnasNet-style blocks (stem, then N stride-1
mbconv blocks cycling through expansion 3/6, kernel 3/5, SE on every third block, filters
24/40/80 so that some blocks have a skip and some do not, then the usual head), each parsed
once; the full pipeline (`compile_document` + `analyze`) is timed in alternating rounds. The
growth figure sets the time per block at the largest depth against the smallest: 1 means
linear; the goal (at most 2x) catches anything worse than linear. Expansion's memo
(`archdsl.ir.memo`) is warm after the first calls, as in a search: it keeps each lowered block
and, from the second time an entry comes at the same place on the same input, the entry whole
(up to {memo.CAPACITY:,} blocks and entries in all), so every depth here, 1,000 blocks included, is placed entry by
entry; the per-document work around the entries (checking, substituting params) weighs most
at 10 blocks."""

_FILTERS = (24, 24, 40, 40, 40, 80)
# A 1,000-block spec holds more values than a spec file may by default (--max-values).
LIMITS = DEFAULT_LIMITS._replace(document_nodes=100_000)


def generated_spec(blocks: int) -> str:
    """YAML text of a network with ``blocks`` mbconv blocks between a stem and a head."""
    lines = [
        "archdsl: 1",
        f"name: depth_{blocks}",
        "input: [96, 96, 3]",
        "defaults: {activation: relu, divisor: 8, se_base: input, se_round: floor}",
        "stem:",
        "  - conv: {filters: 32, kernel: 3, stride: 2}",
        "stages:",
    ]
    for index in range(blocks):
        se = ", se: 0.25" if index % 3 == 2 else ""
        lines.append(
            f"  - mbconv: {{expansion: {3 if index % 2 else 6}, kernel: {5 if index % 4 >= 2 else 3},"
            f" stride: 1, filters: {_FILTERS[index % len(_FILTERS)]}{se}}}"
        )
    lines += [
        "head:",
        "  - conv: {filters: 1280, kernel: 1}",
        "  - global_pool: avg",
        "  - dense: {units: 1000}",
    ]
    return "\n".join(lines) + "\n"


def run(config: Config, depths: tuple[int, ...] = DEPTHS) -> list[Row]:
    docs = {n: parse_yaml(generated_spec(n), f"<generated {n} blocks>", LIMITS) for n in depths}
    batches = {}
    for n, doc in docs.items():
        call = _pipeline(doc)
        batches[n] = (call, calibrate(call, config.target_seconds))
    times = interleave(
        {
            str(n): (lambda call=call, times=times: seconds(call, times))
            for n, (call, times) in batches.items()
        },
        rounds=config.rounds,
    )
    per_block = {n: [t / batches[n][1] / n for t in times[str(n)]] for n in depths}
    rows: list[Row] = [
        Measurement(
            TITLE,
            f"{n:,} blocks: compile_document + analyze, per document",
            Sample.of([t * n * 1e3 for t in per_block[n]], "ms"),
        )
        for n in depths
    ]
    small, large = depths[0], depths[-1]
    rows.append(
        Figure(
            TITLE,
            f"time per block at {large:,} blocks",
            Sample.of([t * 1e6 for t in per_block[large]], "µs"),
            Sample.of([t * 1e6 for t in per_block[small]], "µs"),
            f"time per block at {small} blocks",
            paired_ratios(per_block[large], per_block[small]),
            f"per-block time at {large:,} / at {small}",
            Goal(2.0, at_least=False),
        )
    )
    return rows


def _pipeline(doc: Document) -> Callable[[], object]:
    return lambda: archdsl.analyze(compile_document(doc, (), LIMITS))
