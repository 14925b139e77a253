"""Which machine and runtime a latency figure belongs to, read without importing TensorFlow.

A latency table is only valid on the hardware and runtime it was measured with, so both
are part of its identity: the CPU model, architecture and core count (not the host name,
which changes with every container), and the interpreter package and its version.

Read from /proc/cpuinfo and os.uname() where they exist: the platform module answers the
same, but importing it costs ``summary --latency`` about 2 ms (it compiles its regular
expressions), so it is only imported where they do not (Windows, or a CPU that
/proc/cpuinfo does not name).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys

from archdsl.latency.sha256 import sha256_hex


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    return value.strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown CPU"


def architecture() -> str:
    """What platform.machine() says (on POSIX it is os.uname()'s machine)."""
    if hasattr(os, "uname"):
        return os.uname().machine
    import platform

    return platform.machine()


def machine() -> dict[str, str | int]:
    return {"cpu": cpu_model(), "arch": architecture(), "cores": os.cpu_count() or 1}


def machine_text(info: dict[str, str | int]) -> str:
    return f"{info['cpu']} ({info['arch']}, {info['cores']} cores)"


def tflite_runtime() -> str:
    """The TFLite interpreter archdsl runs: LiteRT's when installed, else TensorFlow's."""
    if importlib.util.find_spec("ai_edge_litert") is not None:
        return f"litert {_version('ai-edge-litert')}"
    return f"tensorflow-lite {_version('tensorflow')}"


def keras_runtime() -> str:
    return f"keras {_version('keras')} on tensorflow {_version('tensorflow')}"


def _version(package: str) -> str:
    """The installed version of a distribution, from the Version line of the first
    ``NAME-VERSION.dist-info/METADATA`` on sys.path (where importlib.metadata finds it).

    importlib.metadata answers the same, but its imports (email parsing) cost about 20 ms,
    a sixth of a whole ``summary --latency``, for one string.
    """
    wanted = _normalized(package)
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and _normalized(name.split("-", 1)[0]) == wanted:
                version = _metadata_version(os.path.join(folder or ".", name, "METADATA"))
                if version is not None:
                    return version
    return "unknown"


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def _metadata_version(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("Version:"):
                    return line.partition(":")[2].strip()
                if not line.strip():
                    return None  # the headers end at the first blank line
    except OSError:
        pass
    return None


def fingerprint(info: dict[str, str | int], runtime: str) -> str:
    """A short name for (machine, runtime), used in the table's file name."""
    text = json.dumps([info, runtime], sort_keys=True)
    return sha256_hex(text.encode())[:12]


def load_average() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None
