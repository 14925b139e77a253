"""The checked document of a spec file, kept in the user's cache folder by the file's bytes.

Reading a spec imports a parser (PyYAML, or the generated Lark parser for .arch) and
checking it imports jsonschema-rs: about 45 ms of a ``summary`` of about 150 ms, spent again
on every run of an unchanged file. An entry holds the document as ``check_document`` left it (parameters
substituted, schema and semantic checks passed, every position kept), so a repeated
``summary``, ``validate``, ``graph`` or ``build`` of an unchanged file goes from its bytes
straight to expansion.

An entry is found by a checksum of what it depends on and then compared exactly: the
file's bytes and path, the --set overrides, the limits, archdsl's version, Python's, and
the front end's own files (schema, grammar, sources: their size and mtime; the schema's
and the grammar's checksum). Only documents that passed every check are stored, so an
error is always found and worded afresh. An entry that does not load (cut short,
corrupt, from another version) is ignored and written again. Writes are atomic.
``--no-cache`` or ``ARCHDSL_NO_CACHE=1`` bypasses the cache; ``XDG_CACHE_HOME`` moves it.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import zlib
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from archdsl import __version__
from archdsl.errors import Location
from archdsl.spec.document import Document, Path
from archdsl.spec.limits import Limits
from archdsl.user_cache import cache_folder

if TYPE_CHECKING:
    from archdsl.spec.params import Override

FORMAT = 1  # of an entry; part of every key
ENV = "ARCHDSL_NO_CACHE"
_FRONT_END = ("spec", "compile.py", "space/choices.py")  # under archdsl/: what check_document runs


def enabled() -> bool:
    return os.environ.get(ENV, "") in ("", "0")


class CachedDocument(Document):
    """A document read back from the cache: positions become Locations when asked for."""

    def locate(self, path: Path, *, key: bool = False) -> Location:
        path = tuple(path)
        while True:
            if key and path in self.keys:
                return Location(*self.keys[path])
            if path in self.values:
                return Location(*self.values[path])
            if not path:
                return Location(self.file, 1, 1)
            path = path[:-1]
            key = False


@cache
def _front_end_stamp() -> tuple[Any, ...]:
    """Size and mtime of the front end's files, and a checksum of the schema and grammar.

    Worked out once per process (a first run asks twice, to load and to store): the front
    end a process runs is the one it imported.
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stamp: list[Any] = []
    for part in _FRONT_END:
        where = os.path.join(root, part)
        entries = sorted(os.scandir(where), key=lambda e: e.name) if os.path.isdir(where) else None
        for entry in entries or [None]:
            file = entry.path if entry else where
            if not file.endswith((".py", ".json", ".lark")):
                continue
            info = os.stat(file)
            stamp.append((os.path.basename(file), info.st_size, info.st_mtime_ns))
            if file.endswith((".json", ".lark")):
                with open(file, "rb") as handle:
                    stamp.append(zlib.crc32(handle.read()))
    return tuple(stamp)


def _identity(path: str, raw: bytes, overrides: Sequence[Override], limits: Limits) -> bytes:
    """Everything an entry depends on, as bytes to compare exactly."""
    sets = tuple((o.name, o.value, o.text, o.via) for o in overrides)
    head = (FORMAT, __version__, sys.version, path, sets, repr(limits), _front_end_stamp())
    return repr(head).encode("utf-8", "surrogatepass") + b"\0" + raw


def _entry_path(identity: bytes) -> str:
    name = f"{zlib.crc32(identity):08x}{zlib.adler32(identity):08x}-{len(identity):x}"
    return os.path.join(cache_folder("documents"), name)


def load(path: str, raw: bytes, overrides: Sequence[Override], limits: Limits) -> Document | None:
    """The cached checked document of ``raw`` read from ``path``, or None."""
    identity = _identity(path, raw, overrides, limits)
    try:
        with open(_entry_path(identity), "rb") as handle:
            blob = handle.read()
        checksum, payload = int.from_bytes(blob[:4], "big"), blob[4:]
        if zlib.crc32(payload) != checksum:
            return None
        stored, data, file, text, values, keys = marshal.loads(payload)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if stored != identity:
        return None
    return CachedDocument(data, file, text, values, keys)


def store(
    doc: Document, path: str, raw: bytes, overrides: Sequence[Override], limits: Limits
) -> None:
    """Keep ``doc`` (checked) for the next run; a cache that cannot be written is skipped."""
    identity = _identity(path, raw, overrides, limits)
    values = {key: (at.file, at.line, at.col) for key, at in doc.values.items()}
    keys = {key: (at.file, at.line, at.col) for key, at in doc.keys.items()}
    try:
        payload = marshal.dumps((identity, doc.data, doc.file, doc.text, values, keys))
    except ValueError:  # a value marshal cannot hold: nothing to keep
        return
    target = _entry_path(identity)
    temporary = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(zlib.crc32(payload).to_bytes(4, "big") + payload)
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
