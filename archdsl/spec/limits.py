"""Caps on what a spec may make archdsl read, nest, unroll or allocate.

Every cap has a command-line flag for the rare user who needs more; the defaults are far
above any mobile network (the largest built-in has 242 layers and 7.4M parameters).
"""

from __future__ import annotations

from archdsl.record import Record


class Limits(Record):  # not a dataclass: see errors.Location
    file_bytes: int = 4 * 1024 * 1024
    document_nodes: int = 10_000
    nesting: int = 64
    layers: int = 20_000
    params: int = 2_000_000_000
    macs: int = 2_000_000_000_000
    input_pixels: int = 4096 * 4096
    channels: int = 1 << 16


DEFAULT_LIMITS = Limits()
