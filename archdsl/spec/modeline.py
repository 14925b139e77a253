"""The `# yaml-language-server: $schema=PATH` comment, kept true when `fmt` moves a spec.

The YAML language server reads it from a YAML file's comments; a relative PATH counts
from the file's folder. Written into `.arch` text it means nothing, and written into a
YAML file in another folder it points nowhere, so `fmt` drops it from `.arch` output and
re-bases a relative PATH on the folder it writes to.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from archdsl.spec.comments import Comments, Notes

_MODELINE = re.compile(r"#\s*yaml-language-server:\s*\$schema=(\S+)\s*")


def is_modeline(comment: str) -> bool:
    return _MODELINE.fullmatch(comment) is not None


def has_modeline(comments: Comments) -> bool:
    return any(is_modeline(c) for c in _all(comments))


def without_modelines(comments: Comments) -> Comments:
    """``comments`` less every modeline (for `.arch` text)."""
    return _mapped(comments, lambda c: None if is_modeline(c) else c)


def moved(comments: Comments, source: str, destination: str) -> Comments:
    """``comments`` with each relative $schema path re-based from ``source``'s folder to
    ``destination``'s, when it names a file that exists; URLs and absolute paths stay."""

    def rebase(comment: str) -> str:
        match = _MODELINE.fullmatch(comment)
        if match is None:
            return comment
        target = match.group(1)
        if "://" in target or os.path.isabs(target):
            return comment
        schema = os.path.join(os.path.dirname(os.path.abspath(source)), target)
        if not os.path.isfile(schema):
            return comment
        folder = os.path.dirname(os.path.abspath(destination))
        relative = os.path.relpath(schema, folder).replace(os.sep, "/")
        return comment[: match.start(1)] + relative + comment[match.end(1) :]

    return _mapped(comments, rebase)


def _all(comments: Comments) -> list[str]:
    notes = [n for notes in comments.by_anchor.values() for n in (*notes.leading, *notes.trailing)]
    return notes + comments.end


def _mapped(comments: Comments, change: Callable[[str], str | None]) -> Comments:
    def each(texts: list[str]) -> list[str]:
        return [new for new in map(change, texts) if new is not None]

    return Comments(
        {
            anchor: Notes(each(notes.leading), each(notes.trailing))
            for anchor, notes in comments.by_anchor.items()
        },
        each(comments.end),
    )
