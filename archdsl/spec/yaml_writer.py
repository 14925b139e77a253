"""Document -> canonical YAML text: one line per entry and per block, flow mappings inside.

Written by hand rather than with yaml.dump so the layout is the specs' own (one block per
line, aligned runs of similar blocks) and comments can be put back beside their anchors.
"""

from __future__ import annotations

from typing import Any

import yaml

from archdsl.spec.canonical import canonical
from archdsl.spec.comments import Comments, Line, render
from archdsl.spec.document import Path
from archdsl.spec.schema import BLOCK_SECTIONS

_RESOLVER = yaml.resolver.Resolver()
_PLAIN_TAGS = {"tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null")}
_BAD_START = set("-?:,[]{}#&*!|>'\"%@`~")


def write_yaml(data: dict[str, Any], comments: Comments | None = None) -> str:
    """Canonical YAML text for a valid document's data, with ``comments`` in place."""
    data = canonical(data)
    comments = comments or Comments()
    lines: list[Line] = []
    for key, value in data.items():
        anchor: Path = (key,)
        if key == "params" and isinstance(value, dict) and _params_in_block(value, comments):
            lines.append(Line("params:", [anchor], [anchor], "top"))
            lines += _entries("params", value)
        elif key in ("defaults", "ops") and isinstance(value, dict) and value:
            lines.append(Line(f"{key}:", [anchor], [anchor], "top"))
            lines += _entries(key, value)
        elif key in BLOCK_SECTIONS and isinstance(value, list) and value:
            lines.append(Line(f"{key}:", [anchor], [anchor], "top"))
            lines += _blocks(key, value)
        else:
            text = f"{key}: {_flow(value, flow=False)}"
            trail = [anchor, *((key, name) for name in value)] if key == "params" else [anchor]
            lines.append(Line(text, trail, trail, "top"))
    return render(lines, comments)


def _params_in_block(params: dict[str, Any], comments: Comments) -> bool:
    """Params go one per line when a select table or a comment of their own needs it."""
    return any(isinstance(v, dict) or comments.has(("params", k)) for k, v in params.items())


def _entries(key: str, mapping: dict[str, Any]) -> list[Line]:
    lines = []
    for name, value in mapping.items():
        anchor: Path = (key, name)
        lines.append(Line(f"  {_key(name)}: {_flow(value)}", [anchor], [anchor], key, 2))
    return lines


def _blocks(section: str, blocks: list[Any]) -> list[Line]:
    texts = [_block_text(block, widths=None) for block in blocks]
    # Runs of blocks with the same type and knobs are aligned like a table.
    start = 0
    while start < len(blocks):
        end = start
        while end + 1 < len(blocks) and _shape(blocks[end + 1]) == _shape(blocks[start]):
            end += 1
        run = blocks[start : end + 1]
        if len(run) > 1 and _shape(run[0]) is not None:
            widths = _widths(run)
            texts[start : end + 1] = [_block_text(block, widths) for block in run]
        start = end + 1
    return [
        Line(f"  - {text}", [(section, i)], [(section, i)], section, 2)
        for i, text in enumerate(texts)
    ]


def _shape(block: Any) -> tuple | None:
    ((kind, value),) = block.items()
    return (kind, *value) if isinstance(value, dict) and value else None


def _widths(run: list[Any]) -> dict[str, int]:
    widths: dict[str, int] = {}
    for block in run:
        ((_, value),) = block.items()
        for key, knob in value.items():
            widths[key] = max(widths.get(key, 0), len(_flow(knob)))
    return widths


def _block_text(block: Any, widths: dict[str, int] | None) -> str:
    ((kind, value),) = block.items()
    if not isinstance(value, dict) or not value or widths is None:
        return f"{kind}: {_flow(value)}"
    cells = [f"{_key(k)}: {_flow(v)}," for k, v in value.items()]
    cells = [
        cell.ljust(len(k) + 3 + widths[k]) for cell, k in zip(cells[:-1], value, strict=False)
    ] + [cells[-1][:-1]]
    return f"{kind}: {{{' '.join(cells)}}}"


def _flow(value: Any, flow: bool = True) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value, flow)


def _scalar(value: Any, flow: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        # YAML 1.1 reads 1e-05 as a string: its floats need a '.' (1.0e-05).
        if "e" in text and "." not in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent}"
        return text
    if _plain_ok(value, flow) and _tag(value) == "tag:yaml.org,2002:str":
        return value
    return _quoted(value)


def _key(key: str) -> str:
    """A mapping key; the front end keys mappings by a key's text, so plain keeps it."""
    return key if _plain_ok(key, True) and _tag(key) in _PLAIN_TAGS else _quoted(key)


def _plain_ok(text: str, flow: bool) -> bool:
    return (
        bool(text)
        and text == text.strip()
        and text[0] not in _BAD_START
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and text.isprintable()
        and not (flow and any(char in ",[]{}:" for char in text))
    )


def _tag(text: str) -> str:
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))


def _quoted(text: str) -> str:
    """A double-quoted YAML scalar; unprintable characters become \\x, \\u or \\U escapes."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'
