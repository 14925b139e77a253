"""The input size in every form a spec or ``--set`` may write it.

``[H, W, C]`` is the document's form; ``SIZE`` (square, 3 channels), ``HxW`` (3 channels)
and ``HxWxC`` are accepted wherever an input size is written: YAML's ``input:``, the
DSL's ``input`` line and ``--set input=``. The front ends write the short forms out, so
everything after them sees ``[H, W, C]``.
"""

from __future__ import annotations

import re
from typing import Any

from archdsl.errors import SpecError
from archdsl.spec.document import Document

INPUT_FORMS = "SIZE, HxW or HxWxC, e.g. 160 or 192x192x3"
_FORMS = "SIZE, HxW or HxWxC (e.g. 160 or 192x192x3)"
DEFAULT_CHANNELS = 3
_SIZE = re.compile(r"([0-9]{1,100})(?:x([0-9]{1,100}))?(?:x([0-9]{1,100}))?")
_REF = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")


def parse_size(text: str) -> tuple[int, int, int | None] | None:
    """(height, width, channels or None) from SIZE, HxW or HxWxC; None if not one of them."""
    match = _SIZE.fullmatch(text)
    if not match:
        return None
    height = int(match.group(1))
    width = int(match.group(2) or height)
    return height, width, int(match.group(3)) if match.group(3) else None


def expand_input(value: Any) -> list[Any] | None:
    """``value`` as [H, W, C] if it is a short form (160, "160x128", "$size"), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [value, value, DEFAULT_CHANNELS]
    if isinstance(value, str) and _REF.fullmatch(value):
        return [value, value, DEFAULT_CHANNELS]
    if isinstance(value, str):
        size = parse_size(value)
        if size is None:
            return None
        height, width, channels = size
        return [height, width, DEFAULT_CHANNELS if channels is None else channels]
    return None


def normalize_input(doc: Document) -> Document:
    """``doc`` with a short-form ``input`` written out as [H, W, C], located where it was.

    Any other scalar is an error here: the schema would only say that it is not a list.
    """
    data = doc.data
    if not isinstance(data, dict) or isinstance(data.get("input"), list | dict | None):
        return doc
    value = data["input"]
    shape = expand_input(value)
    where = doc.locate(("input",))
    if shape is None:
        raise SpecError(where, f"input is [H, W, C], {_FORMS}; got {_show(value)}")
    values = {**doc.values, **{("input", i): where for i in range(3)}}
    return Document({**data, "input": shape}, doc.file, doc.text, values, doc.keys)


def _show(value: Any) -> str:
    if not isinstance(value, str):
        return repr(value).lower() if isinstance(value, bool) else repr(value)
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value[:60])
    return f"'{shown if len(value) <= 60 and len(shown) <= 60 else shown[:57] + '...'}'"
