"""The document every front end produces: plain data, and where each piece came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archdsl.errors import Location

# A path into the document: mapping keys and list indices, from the root.
Path = tuple[str | int, ...]


@dataclass
class Document:
    """Plain dicts, lists and scalars, with the source location of every value and key.

    ``values[path]`` is where the value at ``path`` starts; ``keys[path]`` is where the
    mapping key that leads to ``path`` is written (absent for list items and the root).
    """

    data: Any
    file: str
    text: str = ""
    values: dict[Path, Location] = field(default_factory=dict)
    keys: dict[Path, Location] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> Location:
        """Where ``path`` is written; its key when ``key``; else the nearest enclosing node."""
        path = tuple(path)
        while True:
            if key and path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            if not path:
                return Location(self.file, 1, 1)
            path = path[:-1]
            key = False
