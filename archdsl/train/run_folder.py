"""The run folder: what ``archdsl train`` writes, each file atomically, and reads to resume.

Order of writes at the end of an epoch: history.csv, last.keras, best.keras, curves.png,
run.json. The number of finished epochs is read from last.keras itself (its optimizer's
step count over the steps per epoch), so a kill between two writes cannot count an epoch
twice: history rows beyond last.keras are dropped on resume and that epoch runs again,
and a best.keras that missed its update is copied from last.keras.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from archdsl.commands.common import write_atomically
from archdsl.errors import SpecError

RUN_JSON = "run.json"
HISTORY = "history.csv"
BEST = "best.keras"
LAST = "last.keras"
CURVES = "curves.png"
CONFUSION = "confusion.png"  # written by archdsl evaluate
FILES = (RUN_JSON, HISTORY, BEST, LAST, CURVES)
COLUMNS = (
    "epoch",
    "loss",
    "accuracy",
    "val_loss",
    "val_accuracy",
    "learning_rate",
    "seconds",
    "images_per_second",
)
TEMPORARY_PREFIX = ".archdsl-"  # write_atomically's temporary files


def write_text(path: Path, text: str) -> None:
    write_atomically(str(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_json(path: Path, record: dict[str, Any]) -> None:
    write_text(path, json.dumps(record, indent=2) + "\n")


def read_run(folder: Path) -> dict[str, Any]:
    """run.json of ``folder``, or one clear error saying why it is not a run folder."""
    path = folder / RUN_JSON
    if not folder.is_dir():
        raise SpecError(None, f"{folder}: no such run folder")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(None, f"{folder}: not a run folder (no {RUN_JSON})") from None
    except (OSError, ValueError) as error:
        raise SpecError(None, f"{path}: cannot read it ({error})") from None
    if not isinstance(record, dict) or "classes" not in record or "pipeline" not in record:
        raise SpecError(None, f"{path}: not a run record written by archdsl train")
    return record


def write_history(path: Path, rows: list[dict[str, float]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_number(row[key]) for key in COLUMNS})
    write_text(path, out.getvalue())


def _csv_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.6g}"


def read_history(path: Path) -> list[dict[str, float]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [{key: float(value) for key, value in row.items()} for row in csv.DictReader(handle)]
    for row in rows:
        row["epoch"] = int(row["epoch"])
    return rows


def remove_temporary_files(folder: Path) -> None:
    """Temporary files a killed process left (a kill skips write_atomically's clean-up)."""
    for path in folder.glob(f"{TEMPORARY_PREFIX}*"):
        path.unlink()


def check_new(folder: Path, force: bool) -> None:
    """Refuse a folder that holds anything but a run that ``force`` allows to replace."""
    if folder.exists() and not folder.is_dir():
        raise SpecError(None, f"-o {folder}: a file, not a folder")
    if folder.is_dir():
        entries = [entry.name for entry in folder.iterdir()]
        if RUN_JSON in entries and not force:
            raise SpecError(
                None,
                f"-o {folder}: holds another run; continue it with --resume {folder}"
                " or replace it with --force",
            )
        foreign = sorted(
            name
            for name in entries
            if name not in (*FILES, CONFUSION) and not name.startswith(TEMPORARY_PREFIX)
        )
        if foreign:
            raise SpecError(
                None,
                f"-o {folder}: not empty and not a run folder (holds {', '.join(foreign[:3])});"
                " choose a new folder",
            )


def prepare_new(folder: Path, force: bool) -> None:
    """Check ``folder`` again (time has passed), empty it of the old run, or create it."""
    check_new(folder, force)
    if folder.is_dir():
        for entry in folder.iterdir():
            os.unlink(entry)
    folder.mkdir(parents=True, exist_ok=True)
