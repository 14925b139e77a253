"""Cold caches for unit timings: the CPU's L2 size, and a buffer that evicts it.

A unit timed alone, invoke after invoke, runs with its weights hot in the L1 and L2
caches. Inside a network they are not: between two inferences the other layers stream
megabytes of weights and activations through the caches, so each layer fetches its weights
from far memory while its input, just written by the layer before, is hot. So the table's
figure for a unit is timed that way: before each timed invoke, a buffer of
``EVICT_MULTIPLE`` times the L2 size is written (evicting the unit's weights from the
core's private caches), then the unit's input is written again. The multiple is a choice,
made by measurement (docs/latency.md has the figures): on the machine the benchmarks ran
on, evicting 32x the L2 brought the widest networks' sums closest, but made each small
layer pay for a cold runtime that a small network keeps warm (small networks 60-190% over);
4x did better than hot timing over 48 networks. The L2 size itself is read from the machine
at calibration time and stored in the table.
"""

from __future__ import annotations

import os
from pathlib import Path

EVICT_MULTIPLE = 4
CACHE_FOLDER = Path("/sys/devices/system/cpu/cpu0/cache")


class CacheSizeUnknown(Exception):
    """The L2 cache size cannot be read on this machine."""


def l2_bytes(folder: Path = CACHE_FOLDER) -> int:
    """The L2 cache size of CPU 0 in bytes (Linux sysfs, else glibc's sysconf)."""
    try:
        for index in sorted(folder.glob("index*")):
            if (index / "level").read_text().strip() == "2":
                return _size((index / "size").read_text().strip())
    except (OSError, ValueError):
        pass
    try:
        size = os.sysconf("SC_LEVEL2_CACHE_SIZE")
    except (ValueError, OSError, AttributeError):
        size = 0
    if size > 0:
        return size
    raise CacheSizeUnknown(
        f"cannot read this CPU's L2 cache size (from {folder} or sysconf), which latency"
        " calibration needs to time layers with cold caches"
    )


def _size(text: str) -> int:
    """sysfs sizes: '2048K', '4M' or plain bytes."""
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    if text and text[-1].upper() in units:
        return int(text[:-1]) * units[text[-1].upper()]
    return int(text)


class Evictor:
    """Writes a buffer of ``nbytes`` (a multiple of the L2 size) to evict the caches."""

    def __init__(self, nbytes: int) -> None:
        import numpy as np

        self.nbytes = nbytes
        self._buffer = np.zeros(max(1, nbytes // 8))

    def __call__(self) -> None:
        self._buffer += 1.0
