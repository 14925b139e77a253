"""The Keras callback that keeps the run folder: timing, honest statistics, checkpoints."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf

from archdsl.commands.common import write_atomically
from archdsl.train import run_folder
from archdsl.train.batch_norm import StatisticsRecomputer
from archdsl.train.plots import write_curves


class RunRecorder(keras.callbacks.Callback):
    """After every epoch, writes history.csv, last.keras, best.keras, curves.png, run.json.

    When ``statistics`` is given, batch-norm statistics are recomputed from it as
    validation begins, so the validation figures and both checkpoints use them. Training
    time per epoch stops when validation begins: it is fit's own time, without validation.
    """

    def __init__(
        self,
        folder: Path,
        record: dict[str, Any],
        rows: list[dict[str, float]],
        train_images: int,
        statistics: tf.data.Dataset | None,
    ) -> None:
        super().__init__()
        self.folder = folder
        self.record = record
        self.rows = rows
        self.train_images = train_images
        self.statistics = statistics
        self._recomputer: StatisticsRecomputer | None = None
        self._began = 0.0
        self._trained = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._began = time.perf_counter()
        self._trained = 0.0

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._trained = time.perf_counter() - self._began
        if self.statistics is not None:
            if self._recomputer is None:
                self._recomputer = StatisticsRecomputer(self.model)
            images = self._recomputer.recompute(self.statistics)
            self.record["batch_norm"]["images"] = images

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        seconds = self._trained or time.perf_counter() - self._began
        row = {
            "epoch": epoch + 1,
            **{key: float(logs[key]) for key in ("loss", "accuracy", "val_loss", "val_accuracy")},
            "learning_rate": float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)),
            "seconds": round(seconds, 3),
            "images_per_second": round(self.train_images / seconds, 1),
        }
        improved = not self.rows or row["val_accuracy"] > max(r["val_accuracy"] for r in self.rows)
        self.rows.append(row)
        folder = self.folder
        run_folder.write_history(folder / run_folder.HISTORY, self.rows)
        write_atomically(str(folder / run_folder.LAST), self.model.save)
        if improved:
            copy_checkpoint(folder / run_folder.LAST, folder / run_folder.BEST)
        write_curves(folder / run_folder.CURVES, self.rows, self.record["title"])
        update_record(self.record, self.rows)
        run_folder.write_json(folder / run_folder.RUN_JSON, self.record)


def copy_checkpoint(source: Path, target: Path) -> None:
    write_atomically(str(target), lambda tmp: shutil.copyfile(source, tmp))


def update_record(record: dict[str, Any], rows: list[dict[str, float]]) -> None:
    """The run's figures from its history rows: progress, speed, final and best metrics."""
    record["epochs_done"] = len(rows)
    if not rows:
        return
    last = rows[-1]
    best = max(rows, key=lambda row: row["val_accuracy"])
    # The first epoch traces and compiles the step functions: the median leaves it out.
    steady = sorted(row["seconds"] for row in rows[1:]) or [rows[0]["seconds"]]
    median = steady[len(steady) // 2]
    record["time"] = {
        "seconds_per_epoch": median,
        "images_per_second": round(record["data"]["train_images"] / median, 1),
        "total_training_seconds": round(sum(row["seconds"] for row in rows), 1),
    }
    record["final"] = {key: last[key] for key in ("loss", "accuracy", "val_loss", "val_accuracy")}
    record["best"] = {"epoch": int(best["epoch"]), "val_accuracy": best["val_accuracy"]}
