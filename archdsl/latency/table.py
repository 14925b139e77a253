"""The latency lookup table: measured milliseconds per unit key, for one machine and runtime.

One JSON file per (machine, runtime, threads) in the user's cache folder
(``$XDG_CACHE_HOME/archdsl/latency`` or ``~/.cache/archdsl/latency``). The file carries
its identity and a CRC-32 of its content, so a corrupt or truncated file, or one copied
from another machine or measured with another runtime, is refused in one line instead of
silently used. (A checksum anyone can recompute guards against damage, not against a
forger, so the cheapest one that finds damage will do: a CRC-32 of a 300 KB table takes
0.1 ms with zlib, which a summary has imported already; SHA-256 took 3 ms, or 4 to 6 ms
with hashlib's import.) Writers merge under a lock file and replace the table atomically, so two
calibrations at once both keep their measurements.

Each entry is what prediction reads and nothing more: the unit's fastest run by each clock
(``CLOCKS``), one line per unit. ``summary --latency`` reads the whole table on every run,
and parsing is most of what that costs: benchmark 8's table (2,535 entries) in version 4,
whose entries also held the median, 10th percentile, quartile range, run count and load
average under repeated names, was 969 KB and took json.loads 8.5 to 13 ms; the same entries
in version 5 are 300 KB and take 1.8 to 3.3 ms (in a new process, as a summary reads it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from archdsl import user_cache
from archdsl.latency.correction import Correction
from archdsl.latency.machine import fingerprint, machine, machine_text, tflite_runtime

FORMAT = "archdsl-latency-table"
VERSION = 6  # 6: entries timed in 9 rounds, corrections fitted on references timed in 16 (the
# same format as 5, whose entries were too noisy to keep: docs/latency.md); 5: an entry is
# [fastest CPU time, fastest wall-clock time], a CRC-32; 4: entries
# predict from the fastest run; 3: the checksum covers the file's own text; 2: the corrections
# The checksum leads the file, over the body's exact text that follows it, so reading a
# table checks its bytes instead of encoding all its entries again.
_SIGNED = re.compile(r'\{"crc32": "([0-9a-f]{8})",\n')
OVERHEAD = "overhead"  # the key of an (almost) empty model's time: per-inference overhead
CLOCKS = ("cpu", "wall")  # an entry's figures, in this order: milliseconds by each clock
_COLUMN = {clock: index for index, clock in enumerate(CLOCKS)}
DIGITS = 6  # figures are kept to the nanosecond, what the clocks resolve

Entry = list[float]  # [fastest CPU time, fastest wall-clock time] in ms, as CLOCKS (as read)


class TableError(Exception):
    """A table that cannot be used; the message is one line naming the file."""


class Identity(NamedTuple):
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


class Table:
    """A table's identity, its entries (unit key -> ``Entry``), its file and its
    corrections (``correction_key(batch, clock)`` -> ``Correction.as_dict()``).

    A plain class rather than a dataclass: importing dataclasses costs ``summary --latency``
    about 5 ms (see errors.Location).
    """

    __slots__ = ("identity", "entries", "path", "corrections")

    def __init__(
        self,
        identity: Identity,
        entries: dict[str, Entry] | None = None,
        path: Path | None = None,
        corrections: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.identity = identity
        self.entries = {} if entries is None else entries
        self.path = path
        self.corrections = {} if corrections is None else corrections

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, slot) == getattr(other, slot) for slot in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        fields = ", ".join(f"{slot}={getattr(self, slot)!r}" for slot in self.__slots__)
        return f"Table({fields})"

    def ms(self, key: str, clock: str = "wall") -> float | None:
        """The entry's fastest run by ``clock`` (``archdsl.latency.timing`` says why)."""
        entry = self.entries.get(key)
        return None if entry is None else entry[_COLUMN[clock]]

    def correction(self, batch: int, clock: str) -> Correction | None:
        data = self.corrections.get(correction_key(batch, clock))
        return None if data is None else Correction.from_dict(data)

    def overhead_ms(self, batch: int, clock: str = "wall") -> float | None:
        return self.ms(overhead_key(batch), clock)


def entry(cpu_ms: float, wall_ms: float) -> Entry:
    """A unit's entry from its fastest runs, kept to ``DIGITS`` decimals of a millisecond."""
    return [round(cpu_ms, DIGITS), round(wall_ms, DIGITS)]


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
    return f"{zlib.crc32(body_text.encode()):08x}"


def _body_text(table: Table) -> str:
    """The file after its checksum line: the identity and corrections, then one line per entry."""
    head = json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            **table.identity.as_dict(),
            "corrections": table.corrections,
            "clocks": list(CLOCKS),
        },
        indent=0,
        sort_keys=True,
    )
    rows = ",\n".join(
        f"{json.dumps(key)}: [{cpu!r}, {wall!r}]"
        for key, (cpu, wall) in sorted(table.entries.items())
    )
    return f'{head[:-2]},\n"entries": {{\n{rows}\n}}\n}}'  # head without its closing "\n}"


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
            f"{refuse}: format version {data.get('version')!r}, this archdsl reads {VERSION};"
            f" {fix} to rebuild it"
        )
    signed = _SIGNED.match(text)
    if signed is None or signed[1] != _checksum("{\n" + text[signed.end() :].rstrip("\n")):
        raise TableError(
            f"{refuse}: its checksum does not match its content (corrupt or edited); {fix}"
        )
    try:
        if data["clocks"] != list(CLOCKS):
            raise ValueError
        entries = data["entries"]
        if any(len(value) != len(CLOCKS) for value in entries.values()):
            raise ValueError
        table = Table(
            Identity(data["machine"], data["runtime"], data["threads"]),
            entries,
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
    body_text = _body_text(table)
    text = f'{{"crc32": "{_checksum(body_text)}",\n{body_text[2:]}'  # after its opening "{" and newline

    def put(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    write_atomically(str(table.path), put)


def merge(
    identity: Identity,
    path: Path,
    entries: Mapping[str, Entry],
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
