"""`archdsl space` output: the choices per block, the counts, the range of params and MACs."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from typing import Any

from archdsl.space.count import SpaceCount
from archdsl.space.extremes import Extremes
from archdsl.space.space import Space
from archdsl.spec.schema import block_knobs


def space_record(space: Space, count: SpaceCount, extremes: Extremes | None) -> dict[str, Any]:
    """Everything `archdsl space` says, as one JSON-ready object."""
    paper_s, searched, layers = paper_estimate(count)
    return {
        "name": space.doc.data.get("name"),
        "file": space.doc.file,
        "fingerprint": space.fingerprint,
        "choices": [
            {
                "name": c.name,
                "stage": None if c.block is None else f"s{c.block + 1}",
                "knob": c.knob,
                "options": list(c.options),
                "labels": list(c.labels),
                "per": c.per,
                "layer": c.layer or None,
            }
            for c in space.choices
        ],
        "blocks": [
            {
                "stage": None if g.stage is None else f"s{g.stage + 1}",
                "paper": g.paper,
                "distinct": g.distinct,
                "flat_paper": g.flat_paper,
                "flat_distinct": g.flat_distinct,
            }
            for g in count.groups
        ],
        "factorized": {"paper": count.paper, "distinct": count.distinct},
        "flat": {"paper": count.flat_paper, "distinct": count.flat_distinct},
        "paper_estimate": {
            "S": paper_s,
            "B": searched,
            "N": layers,
            "factorized": paper_s**searched,
            "flat": paper_s ** (searched * layers),
        },
        "params": list(extremes.params) if extremes else None,
        "macs": list(extremes.macs) if extremes else None,
    }


def paper_estimate(count: SpaceCount) -> tuple[int, int, int]:
    """The paper's S, B and N: the usual designs per block, searched blocks, median layers."""
    blocks = [g for g in count.groups if g.stage is not None]
    if not blocks:
        return count.paper, 1, 1
    s = Counter(g.designs for g in blocks).most_common(1)[0][0]
    layers = [
        statistics.median_low(c.options) for g in blocks for c in g.choices if c.knob == "repeats"
    ]
    n = round(statistics.mean(layers)) if layers else 1
    return s, len(blocks), int(n)


def to_json(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=1) + "\n"


def to_table(space: Space, record: dict[str, Any]) -> str:
    lines = [f"{record['name']}: {space.doc.data.get('title', record['name'])}"]
    lines.append(f"{record['file']} (fingerprint {record['fingerprint']})")
    lines.append("")
    knobs = list(dict.fromkeys(c["knob"] for c in record["choices"]))
    rows = [["stage", *knobs, "designs", "distinct"]]
    for block in record["blocks"]:
        cells = [block["stage"] or "global"]
        for knob in knobs:
            labels = [  # a per-layer choice once, for all its layers
                " ".join(c["labels"]) + (" /layer" if c["layer"] else "")
                for c in record["choices"]
                if c["knob"] == knob and c["stage"] == block["stage"] and (c["layer"] or 1) == 1
            ]
            cells.append(" | ".join(labels) or "-")
        rows.append([*cells, f"{block['paper']:,}", f"{block['distinct']:,}"])
    lines += _columns(rows)
    lines.append("")
    lines += _notes(space)
    est = record["paper_estimate"]
    lines += _columns(
        [
            ["candidates", "as the paper counts", "distinct"],
            [
                "factorized",
                _big(record["factorized"]["paper"]),
                _big(record["factorized"]["distinct"]),
            ],
            ["flat (per layer)", _big(record["flat"]["paper"]), _big(record["flat"]["distinct"])],
        ]
    )
    lines.append(
        f"the paper's estimate: S^B = {est['S']}^{est['B']} = {est['factorized']:.1e} factorized,"
        f" S^(B*N) = {est['S']}^{est['B'] * est['N']} = {est['flat']:.1e} flat"
        f" (S = {est['S']} designs per block, B = {est['B']} blocks, N = {est['N']} per block)"
    )
    if record["params"]:
        low, high = record["params"]
        lines.append(f"params  {low:,} .. {high:,} (exact)")
        low, high = record["macs"]
        lines.append(f"MACs    {low:,} .. {high:,} (exact)")
    else:
        lines.append("params and MACs: no exact range (a choice lies outside the stages)")
    return "\n".join(lines) + "\n"


def _notes(space: Space) -> list[str]:
    """Which ops skip which choices, and options that round to the same value."""
    notes = []
    for op, (kind, _) in space.ops.items():
        knobs = {
            c.knob for b in space.blocks.values() for c in b.knobs.values() if hasattr(c, "knob")
        }
        missing = sorted(knobs - set(block_knobs(kind)))
        if missing:
            notes.append(
                f"op {op} ({kind}) takes no {', '.join(missing)}: those choices are not made"
            )
    for choice in space.choices:
        if choice.layer > 1:
            continue  # said for its first layer
        if len(set(map(repr, choice.options))) < choice.size:
            notes.append(
                f"{choice.name}: {' '.join(choice.labels)} (equal values count once as distinct)"
            )
    return [f"note: {note}" for note in notes] + ([""] if notes else [])


def _big(value: int) -> str:
    return f"{value:,} ({value:.1e})" if value >= 10**6 else f"{value:,}"


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
