"""The machine a run happened on, for the report's header."""

from __future__ import annotations

import datetime
import os
import platform
from importlib import metadata

from archdsl.latency.machine import cpu_model


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def describe() -> dict[str, str]:
    """Name -> value, in the order the report prints them (read without importing TensorFlow)."""
    return {
        "Date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": cpu_model(),
        "Cores": str(os.cpu_count()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "TensorFlow": version("tensorflow"),
        "Keras": version("keras"),
        "archdsl": version("archdsl"),
        "Load average at start (1/5/15 min)": load_average(),
    }
