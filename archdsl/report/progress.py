"""A one-line progress bar on stderr, for sampling and search (shown on a terminal only)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``label [#####     ] 120/1000 2.1 s``, redrawn at most ten times a second."""

    def __init__(
        self, total: int, label: str, enabled: bool | None = None, stream: TextIO | None = None
    ):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = max(total, 1)
        self.label = label
        self.done = 0
        self.start = time.perf_counter()
        self.drawn = 0.0

    def update(self, done: int, note: str = "", total: int | None = None) -> None:
        """Redraw at ``done``; ``total`` when the work found along the way changes it."""
        self.done = done
        if total is not None:
            self.total = max(total, 1)
        now = time.perf_counter()
        if self.enabled and (now - self.drawn >= 0.1 or done >= self.total):
            self.drawn = now
            filled = int(20 * min(done, self.total) / self.total)
            bar = "#" * filled + " " * (20 - filled)
            text = f"\r{self.label} [{bar}] {done}/{self.total} {now - self.start:.1f} s {note}"
            self.stream.write(text.ljust(79))
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.update(self.done)
            self.stream.write("\n")
            self.stream.flush()
