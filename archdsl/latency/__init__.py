"""Latency of a network: measured in the TFLite interpreter, or predicted from a table.

This package's top level is pure Python (no TensorFlow): ``predict`` reads a table that
``archdsl latency calibrate`` filled, so a search can use predicted latency cheaply::

    import archdsl
    from archdsl import latency

    table = latency.load_table()  # this machine's table, 1 thread
    ms = latency.predict(archdsl.load("mnasnet_a1"), table)

Measuring and calibrating (``archdsl.latency.measure``, ``archdsl.latency.calibrate``)
import TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

from archdsl.latency.predict import MissingEntries, Prediction, predict, predict_layers
from archdsl.latency.table import Identity, Table, TableError, load

__all__ = [
    "Identity",
    "MissingEntries",
    "Prediction",
    "Table",
    "TableError",
    "load_table",
    "predict",
    "predict_layers",
]


def load_table(threads: int = 1, path: str | Path | None = None) -> Table:
    """This machine's table for the installed TFLite runtime and ``threads`` (TableError if
    the file is unusable; an empty table if there is none yet)."""
    return load(Identity.here(threads), Path(path) if path else None)
