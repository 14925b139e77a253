"""Comments of a spec, attached to the statements they belong to, so `fmt` keeps them.

Neither front end keeps comments in the document. `fmt` finds them in the source text
and attaches each to an *anchor*: a top-level entry, a param, a default, a search space's
op or a block. A
comment alone on its line leads the next anchor; a comment after code trails the anchor
on its line (the block there, else the outermost entry). The writers print each anchor's
comments beside it, which works across formats: a YAML comment lands on the same block
in the DSL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archdsl.errors import Location
from archdsl.spec.document import Document, Path
from archdsl.spec.schema import BLOCK_SECTIONS


@dataclass
class Notes:
    """The comments (each with its '#') of one anchor."""

    leading: list[str] = field(default_factory=list)
    trailing: list[str] = field(default_factory=list)


@dataclass
class Comments:
    by_anchor: dict[Path, Notes] = field(default_factory=dict)
    end: list[str] = field(default_factory=list)

    def leading(self, anchor: Path) -> list[str]:
        notes = self.by_anchor.get(anchor)
        return notes.leading if notes else []

    def trailing(self, anchor: Path) -> list[str]:
        notes = self.by_anchor.get(anchor)
        return notes.trailing if notes else []

    def has(self, anchor: Path) -> bool:
        notes = self.by_anchor.get(anchor)
        return bool(notes and (notes.leading or notes.trailing))


@dataclass(frozen=True)
class Comment:
    line: int
    col: int
    text: str
    trailing: bool


def anchors(doc: Document) -> list[tuple[Path, Location]]:
    """Every anchor of ``doc`` with where it starts, in source order."""
    data = doc.data if isinstance(doc.data, dict) else {}
    found: list[tuple[Path, Location]] = []
    for key, value in data.items():
        found.append(((key,), doc.locate((key,), key=True)))
        if key in ("params", "defaults", "ops") and isinstance(value, dict):
            found += [((key, name), doc.locate((key, name), key=True)) for name in value]
        if key in BLOCK_SECTIONS and isinstance(value, list):
            found += [((key, i), doc.locate((key, i))) for i in range(len(value))]
    return sorted(found, key=lambda item: (item[1].line, item[1].col, len(item[0])))


def attach(doc: Document, comments: list[Comment]) -> Comments:
    """Give each comment to its anchor (see the module docstring)."""
    result = Comments()
    spots = anchors(doc)
    for comment in comments:
        anchor = _trailing_anchor(spots, comment) if comment.trailing else None
        if not comment.trailing:
            after = [path for path, at in spots if (at.line, at.col) > (comment.line, comment.col)]
            anchor = after[0] if after else None
        if anchor is None:
            result.end.append(comment.text)
            continue
        notes = result.by_anchor.setdefault(anchor, Notes())
        (notes.trailing if comment.trailing else notes.leading).append(comment.text)
    return result


def _trailing_anchor(spots: list[tuple[Path, Location]], comment: Comment) -> Path | None:
    same_line = [path for path, at in spots if at.line == comment.line]
    blocks = [path for path in same_line if path[0] in (*BLOCK_SECTIONS, "ops") and len(path) == 2]
    if blocks:
        return blocks[0]
    if same_line:
        return min(same_line, key=len)
    before = [path for path, at in spots if (at.line, at.col) < (comment.line, comment.col)]
    return before[-1] if before else None


def dsl_comments(text: str) -> list[Comment]:
    """Comments in `.arch` text: a '#' outside a "string" runs to the end of its line."""
    found = []
    for number, line in enumerate(text.split("\n"), 1):  # Lark counts lines by \n only
        quoted = escaped = False
        for col, char in enumerate(line):
            if escaped:
                escaped = False
            elif quoted:
                escaped = char == "\\"
                quoted = char != '"'
            elif char == '"':
                quoted = True
            elif char == "#":
                text_here = line[col:].rstrip()
                found.append(Comment(number, col + 1, text_here, bool(line[:col].strip())))
                break
    return found


def yaml_comments(text: str) -> list[Comment]:
    """Comments in YAML text: a '#' after a blank or at a line start, outside any scalar."""
    import yaml

    spans: list[tuple[int, int]] = []
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.ScalarToken):
            spans.append((token.start_mark.index, token.end_mark.index))
    found = []
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        for col, char in enumerate(line):
            if char != "#" or (col and not line[col - 1].isspace()):
                continue
            index = offset + col
            if any(start <= index < end for start, end in spans):
                continue
            body = line[col:].rstrip()
            found.append(Comment(number, col + 1, body, bool(line[:col].strip())))
            break
        offset += len(line)
    return found


@dataclass
class Line:
    """One output line, and the anchors whose comments go before it and after it."""

    text: str
    lead: list[Path] = field(default_factory=list)
    trail: list[Path] = field(default_factory=list)
    group: str = ""
    indent: int = 0


def render(lines: list[Line], comments: Comments) -> str:
    """The lines with their comments; trailing comments of a group share one column."""
    columns: dict[str, int] = {}
    for line in lines:
        if any(comments.trailing(anchor) for anchor in line.trail):
            columns[line.group] = max(columns.get(line.group, 0), len(line.text))
    out: list[str] = []
    for line in lines:
        for anchor in line.lead:
            out += [" " * line.indent + note for note in comments.leading(anchor)]
        notes = [note for anchor in line.trail for note in comments.trailing(anchor)]
        if notes:
            out.append(f"{line.text.ljust(columns[line.group])}  {'  '.join(notes)}")
        else:
            out.append(line.text)
    out += comments.end
    return "\n".join(out) + "\n"
