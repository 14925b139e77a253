"""The document every front end produces: plain data, and where each piece came from."""

from __future__ import annotations

from typing import Any

from archdsl.errors import Location

# A path into the document: mapping keys and list indices, from the root.
Path = tuple[str | int, ...]


class Document:
    """Plain dicts, lists and scalars, with the source location of every value and key.

    ``values[path]`` is where the value at ``path`` starts; ``keys[path]`` is where the
    mapping key that leads to ``path`` is written (absent for list items and the root).
    A plain class, not a dataclass: importing dataclasses (with inspect) costs about 9 ms
    of every first run of a command (see errors.Location).
    """

    __slots__ = ("data", "file", "text", "values", "keys")

    def __init__(
        self,
        data: Any,
        file: str,
        text: str = "",
        values: dict[Path, Location] | None = None,
        keys: dict[Path, Location] | None = None,
    ) -> None:
        self.data = data
        self.file = file
        self.text = text
        self.values = {} if values is None else values
        self.keys = {} if keys is None else keys

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, slot) == getattr(other, slot) for slot in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.data!r}, file={self.file!r})"

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
