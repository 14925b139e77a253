"""The latency lookup table: measured milliseconds per unit key, for one machine and runtime.

One JSON file per (machine, runtime, threads) in the user's cache folder
(``$XDG_CACHE_HOME/archdsl/latency`` or ``~/.cache/archdsl/latency``). The file carries
its identity and a SHA-256 of its content, so a corrupt or truncated file, or one copied
from another machine or measured with another runtime, is refused in one line instead of
silently used. Writers merge under a lock file and replace the table atomically, so two
calibrations at once both keep their measurements.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archdsl import user_cache
from archdsl.latency.correction import Correction
from archdsl.latency.machine import fingerprint, machine, machine_text, tflite_runtime

FORMAT = "archdsl-latency-table"
VERSION = 4  # 4: entries predict from the fastest run; 3: the checksum covers the file's own
# text; 2: the fitted corrections
# The checksum leads the file, over the body's exact text that follows it, so reading a
# table hashes its bytes instead of encoding all its entries again (about 30 ms of a
# ``summary --latency`` with a 2,500-entry table).
_SIGNED = re.compile(r'\{"sha256": "([0-9a-f]{64})",\n')
OVERHEAD = "overhead"  # the key of an (almost) empty model's time: per-inference overhead


class TableError(Exception):
    """A table that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class Identity:
    """What a table's figures are valid for."""

    machine: Mapping[str, Any]
    runtime: str
    threads: int

    @classmethod
    def here(cls, threads: int = 1, runtime: str | None = None) -> Identity:
        return cls(machine(), runtime or tflite_runtime(), threads)

    def as_dict(self) -> dict[str, Any]:
        return {"machine": dict(self.machine), "runtime": self.runtime, "threads": self.threads}

    def describe(self) -> str:
        threads = f"{self.threads} thread{'s' if self.threads != 1 else ''}"
        return f"{self.runtime}, {threads}, on {machine_text(dict(self.machine))}"


@dataclass
class Table:
    identity: Identity
    entries: dict[str, dict[str, float]] = field(default_factory=dict)
    path: Path | None = None
    # correction_key(batch, clock) -> Correction.as_dict() (archdsl.latency.correction)
    corrections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def ms(self, key: str, clock: str = "wall") -> float | None:
        """The entry's fastest run by ``clock`` (``archdsl.latency.timing`` says why)."""
        entry = self.entries.get(key)
        return None if entry is None else entry.get(f"{clock}_min_ms")

    def correction(self, batch: int, clock: str) -> Correction | None:
        data = self.corrections.get(correction_key(batch, clock))
        return None if data is None else Correction.from_dict(data)

    def overhead_ms(self, batch: int, clock: str = "wall") -> float | None:
        return self.ms(overhead_key(batch), clock)


def overhead_key(batch: int) -> str:
    return f"{OVERHEAD}@{batch}"


def correction_key(batch: int, clock: str) -> str:
    return f"{clock}@{batch}"


def cache_folder() -> Path:
    return Path(user_cache.cache_folder("latency"))


def default_path(identity: Identity) -> Path:
    runtime = re.sub(r"[^A-Za-z0-9.]+", "-", identity.runtime)
    name = f"{runtime}-{fingerprint(dict(identity.machine), identity.runtime)}-{identity.threads}t.json"
    return cache_folder() / name


def _checksum(body_text: str) -> str:
    return hashlib.sha256(body_text.encode()).hexdigest()


def _body(table: Table) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        **table.identity.as_dict(),
        "entries": table.entries,
        "corrections": table.corrections,
    }


def read(path: Path, expected: Identity | None) -> Table:
    """Read and check the table at ``path``; ``expected`` is the identity it must have."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TableError(f"cannot read latency table {path}: {error.strerror or error}") from None
    refuse = f"refusing latency table {path}"
    fix = "delete it and run 'archdsl latency calibrate' again"
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TableError(
            f"{refuse}: it is not complete JSON (truncated or corrupt); {fix}"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TableError(f"{refuse}: it is not an archdsl latency table; {fix}")
    if data.get("version") != VERSION:
        raise TableError(
            f"{refuse}: format version {data.get('version')!r}, this archdsl reads {VERSION}; {fix}"
        )
    data.pop("sha256", None)
    signed = _SIGNED.match(text)
    if signed is None or signed[1] != _checksum("{\n" + text[signed.end() :].rstrip("\n")):
        raise TableError(
            f"{refuse}: its checksum does not match its content (corrupt or edited); {fix}"
        )
    try:
        table = Table(
            Identity(data["machine"], data["runtime"], data["threads"]),
            {key: dict(value) for key, value in data["entries"].items()},
            path,
            {key: dict(value) for key, value in data["corrections"].items()},
        )
        machine_text(dict(table.identity.machine))
        for key in table.corrections:
            clock, batch = key.split("@")
            table.correction(int(batch), clock)
    except (KeyError, TypeError, AttributeError, ValueError):
        raise TableError(f"{refuse}: it lacks fields a table has; {fix}") from None
    if expected is not None:
        _check_identity(table.identity, expected, refuse)
    return table


def _check_identity(found: Identity, expected: Identity, refuse: str) -> None:
    if dict(found.machine) != dict(expected.machine):
        raise TableError(
            f"{refuse}: it was measured on {machine_text(dict(found.machine))},"
            f" this is {machine_text(dict(expected.machine))}"
        )
    if found.runtime != expected.runtime:
        raise TableError(
            f"{refuse}: it was measured with {found.runtime}, this is {expected.runtime}"
        )
    if found.threads != expected.threads:
        raise TableError(
            f"{refuse}: it was measured with {found.threads} threads, not {expected.threads}"
        )


def load(identity: Identity, path: Path | None = None) -> Table:
    """The table for ``identity`` (empty when its file does not exist yet)."""
    path = path or default_path(identity)
    if not path.exists():
        return Table(identity, {}, path)
    return read(path, identity)


def write(table: Table) -> None:
    from archdsl.commands.common import write_atomically

    assert table.path is not None
    table.path.parent.mkdir(parents=True, exist_ok=True)
    body_text = json.dumps(_body(table), indent=0, sort_keys=True)
    text = f'{{"sha256": "{_checksum(body_text)}",\n{body_text[2:]}'  # after its opening "{" and newline

    def put(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    write_atomically(str(table.path), put)


def merge(
    identity: Identity,
    path: Path,
    entries: Mapping[str, dict[str, float]],
    corrections: Mapping[str, dict[str, Any]] | None = None,
) -> Table:
    """Add ``entries`` (and ``corrections``) to the table at ``path`` under its lock; return
    the merged table.

    The file is read again under the lock, so entries another calibration wrote meanwhile
    are kept.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        table = load(identity, path)
        table.entries.update(entries)
        table.corrections.update(corrections or {})
        write(table)
    return table


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # no flock (Windows): the atomic replace still keeps the file whole
        yield
        return
    with open(f"{path}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
