"""Errors a user can cause, located in their file the way compilers locate them."""

from __future__ import annotations

from archdsl.record import Record


class Location(Record):
    """A 1-based line and column in a file (column counts characters).

    A NamedTuple rather than a frozen dataclass, as every small record on the way from a
    spec to its summary: a dataclass costs about 0.5 ms to define, a NamedTuple 0.1 ms,
    and the first run of a command pays for each one it imports. Made as a ``Record``
    (archdsl.record), a NamedTuple without typing's check of each field's annotation.
    """

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class SpecError(Exception):
    """A mistake in a spec or in the command line that names it.

    Printed as ``FILE:LINE:COL: error: MESSAGE``; ``detail`` holds optional extra lines
    (a source excerpt with a caret, a hint) printed below it.
    """

    def __init__(self, location: Location | None, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.location = location
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else "archdsl: "
        text = f"{where}error: {self.message}"
        return f"{text}\n{self.detail}" if self.detail else text


class SpecWarning(UserWarning):
    """Legal, but almost always a mistake: ``FILE:LINE:COL: warning: MESSAGE`` on stderr.

    Commands print them and exit 0 (``--no-warnings`` silences them); ``archdsl.load``
    issues them as Python warnings and keeps them in ``Graph.warnings``.
    """

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message

    def __str__(self) -> str:
        return f"{self.location}: warning: {self.message}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpecWarning) and (self.location, self.message) == (
            other.location,
            other.message,
        )

    def __hash__(self) -> int:
        return hash((self.location, self.message))


def source_excerpt(text: str, line: int, col: int) -> str:
    """The source line and a caret under column ``col``, for syntax errors."""
    lines = text.split("\n")  # only \n ends a line, as parsers count them
    if not 1 <= line <= len(lines):
        return ""
    source = lines[line - 1].rstrip("\r").expandtabs(1)
    if len(source) > 200:
        start = max(0, col - 100)
        source = source[start : start + 200]
        col -= start
    return f"  {source}\n  {' ' * (col - 1)}^"
