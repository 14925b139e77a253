"""Each benchmark's last results, one JSON file apiece (docs/bench/NAME.json).

``run.py --only NAME`` refreshes NAME's file and renders docs/benchmarks.md from all of
them, so one benchmark can be rerun without losing the others' figures, and every row
says which run (date, mode, load) it came from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.results import Figure, Goal, Measurement, Note, NotRun, Row
from bench.stats import Stat

FORMAT = 1


@dataclass(frozen=True)
class StoredFigure:
    benchmark: str
    name: str
    ours: Stat
    reference: Stat
    reference_name: str
    ratio: Stat
    ratio_meaning: str
    goal: Goal | None
    verdict: str


@dataclass(frozen=True)
class StoredMeasurement:
    benchmark: str
    name: str
    sample: Stat


StoredRow = StoredFigure | StoredMeasurement | Note | NotRun


@dataclass(frozen=True)
class Run:
    """One benchmark's last run: where and how it ran, and what it found."""

    key: str
    title: str
    method: str
    mode: str
    machine: Mapping[str, str]
    seconds: float | None  # None: carried over from a report that gave only the whole run's time
    rows: tuple[StoredRow, ...]


def stored(row: Row) -> StoredRow:
    if isinstance(row, Figure):
        return StoredFigure(
            row.benchmark,
            row.name,
            Stat.of(row.ours),
            Stat.of(row.reference),
            row.reference_name,
            Stat.of(row.ratio),
            row.ratio_meaning,
            row.goal,
            row.verdict,
        )
    if isinstance(row, Measurement):
        return StoredMeasurement(row.benchmark, row.name, Stat.of(row.sample))
    return row


def save(folder: Path, run: Run) -> None:
    from archdsl.commands.common import write_atomically

    record = {"format": FORMAT, **asdict(run)}
    record["rows"] = [{"kind": type(row).__name__, **asdict(row)} for row in run.rows]
    text = json.dumps(record, indent=1, ensure_ascii=False) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(
        str(folder / f"{run.key}.json"), lambda path: Path(path).write_text(text, encoding="utf-8")
    )


def load_all(folder: Path, order: Sequence[str]) -> list[Run]:
    """The stored runs of the benchmarks in ``order`` that have one, in that order."""
    runs = []
    for key in order:
        path = folder / f"{key}.json"
        if path.exists():
            runs.append(_run(json.loads(path.read_text(encoding="utf-8")), path))
    return runs


def _run(record: dict[str, Any], path: Path) -> Run:
    if record.get("format") != FORMAT:
        raise ValueError(f"{path}: results format {record.get('format')!r}, expected {FORMAT}")
    return Run(
        record["key"],
        record["title"],
        record["method"],
        record["mode"],
        record["machine"],
        record["seconds"],
        tuple(_row(row) for row in record["rows"]),
    )


def _row(record: dict[str, Any]) -> StoredRow:
    kind = record.pop("kind")
    if kind == "StoredFigure":
        goal = record["goal"]
        return StoredFigure(
            **{
                **record,
                "ours": Stat(**record["ours"]),
                "reference": Stat(**record["reference"]),
                "ratio": Stat(**record["ratio"]),
                "goal": Goal(**goal) if goal else None,
            }
        )
    if kind == "StoredMeasurement":
        return StoredMeasurement(record["benchmark"], record["name"], Stat(**record["sample"]))
    if kind == "Note":
        return Note(**record)
    if kind == "NotRun":
        return NotRun(**record)
    raise ValueError(f"unknown row kind {kind!r}")
