"""PyYAML's syntax errors, reworded where the likely mistake is plain to see.

PyYAML describes what its scanner expected ("found character that cannot start any token"),
not what the person typed. A few mistakes are common enough to name: a tab used for
indentation, a key without its ':', a list item or key out of line with its neighbours.
Everything else keeps PyYAML's own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Explained:
    """Where to point (0-based line and column, as PyYAML marks count) and what to say."""

    line: int
    column: int
    message: str


def explain(exc: yaml.MarkedYAMLError, text: str) -> Explained | None:
    """A clearer message for ``exc`` on ``text``, or None to keep PyYAML's."""
    problem, context = exc.problem_mark, exc.context_mark
    if problem is None:
        return None
    lines = text.split("\n")
    here = _char(lines, problem.line, problem.column)
    if here == "\t" and exc.problem == "found character that cannot start any token":
        return Explained(
            problem.line,
            problem.column,
            "a tab cannot indent YAML; indent with spaces",
        )
    # On the key's own line, the key is over YAML's 1,024 characters: PyYAML says so.
    missing_colon = context is not None and context.line < problem.line
    if exc.problem == "could not find expected ':'" and missing_colon:
        entry = lines[context.line][context.column :].strip() if context.line < len(lines) else ""
        return Explained(
            context.line,
            context.column,
            f"'{_clip(entry)}' has no ':' after its key (write key: value)",
        )
    if exc.problem in ("did not find expected key", "did not find expected '-' indicator"):
        return _misaligned(lines, problem.line, problem.column, here)
    if exc.problem.startswith("mapping values are not allowed") and here == ":":
        return _continued(lines, problem.line, problem.column)
    return None


def _continued(lines: list[str], line: int, column: int) -> Explained | None:
    """A 'key: value' line that YAML reads as the continuation of the line above.

    A line indented deeper than a plain scalar above it continues that scalar, so its
    ':' comes too late: either the line above lacks its own ':' (``filters 8``), or this
    key is indented deeper than its neighbour.
    """
    text = lines[line]
    indent = len(text) - len(text.lstrip(" "))
    above = _previous(lines, line, lambda body: True)
    if above is None or ":" in text[indent:column]:
        return None
    above_line, above_column = above
    body = lines[above_line].strip()
    if body.endswith(":"):
        return None
    if ":" not in body.removeprefix("- "):
        return Explained(
            above_line,
            above_column,
            f"'{_clip(body)}' has no ':' after its key (write key: value)",
        )
    if above_column >= indent:
        return None
    return Explained(
        line,
        indent,
        f"this key is indented to column {indent + 1}, the one above it (line"
        f" {above_line + 1}) to column {above_column + 1}; the keys of one mapping start in"
        " the same column",
    )


def _misaligned(lines: list[str], line: int, column: int, here: str) -> Explained | None:
    """A list item or key whose indentation matches nothing above it."""
    if here == "-":
        above = _previous(lines, line, lambda body: body == "-" or body.startswith("- "))
        what, rule = "list item", "the items of one list start in the same column"
    elif here.isalnum() or here == "_":
        above = _previous(lines, line, lambda body: not body.startswith("- "))
        what, rule = "key", "the keys of one mapping start in the same column"
    else:
        return None
    if above is None:
        return None
    above_line, above_column = above
    return Explained(
        line,
        column,
        f"this {what} is indented to column {column + 1}, the one above it (line"
        f" {above_line + 1}) to column {above_column + 1}; {rule}",
    )


def _previous(lines: list[str], line: int, wanted: Any) -> tuple[int, int] | None:
    """The nearest line above ``line`` whose content is ``wanted``, and its indentation."""
    for number in range(min(line, len(lines)) - 1, -1, -1):
        body = lines[number].lstrip(" ")
        if body.strip() and not body.startswith("#") and wanted(body):
            return number, len(lines[number]) - len(body)
    return None


def _char(lines: list[str], line: int, column: int) -> str:
    if line >= len(lines) or column >= len(lines[line]):
        return ""
    return lines[line][column]


def _clip(text: str) -> str:
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:60])
    return shown if len(shown) <= 60 else shown[:57] + "..."
