"""Document -> canonical `.arch` text, laid out like the papers' tables.

Blocks take one line each, with the short knobs (c k s e x se g) in aligned columns;
small head layers are chained onto the line above with '|'. Booleans are flags (`bias`,
`nobn`), other knobs `key=value`, bn settings `bn={epsilon=0.001 momentum=0.99}`.
"""

from __future__ import annotations

import re
from typing import Any

from archdsl.space.choices import is_choice
from archdsl.spec.canonical import canonical, is_select, param_order, select_group
from archdsl.spec.comments import Comments, Line, render
from archdsl.spec.document import Path
from archdsl.spec.dsl_syntax import (
    KEY_ALIASES,
    SHORT_KNOBS,
    SHORT_WORD_RE,
    flag_value,
    has_short_form,
    quote,
    scalar_text,
)
from archdsl.spec.schema import BLOCK_SECTIONS, block_knobs, block_types, schema

# Small head layers chain onto the line above, and params and defaults share a line, while
# the line stays this short.
CHAIN_WIDTH = 80
_SHORT_OF = {knob: short for short, knob in SHORT_KNOBS.items()}
_ALIAS_OF = {knob: alias for alias, knob in KEY_ALIASES.items()}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SHORT_VALUE = re.compile(
    r"(?:\$[A-Za-z_][A-Za-z0-9_]*|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|[0-9]+/[0-9]+)\Z"
)
_CASE_KEY = re.compile(
    r"(?:-?[0-9]+|-?[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?|-?[0-9]+[eE][-+]?[0-9]+"
    r"|[A-Za-z_][A-Za-z0-9_]*|[0-9]+/[0-9]+)\Z"
)


def write_dsl(data: dict[str, Any], comments: Comments | None = None) -> str:
    """Canonical `.arch` text for a valid document's data, with ``comments`` in place."""
    data = canonical(data)
    comments = comments or Comments()
    lines = _header(data, comments)
    body = _sections(data, comments)
    if lines and body:
        lines.append(Line(""))
    return render(lines + body, comments)


def _header(data: dict[str, Any], comments: Comments) -> list[Line]:
    lines = []
    if "name" in data:
        title = f" {quote(data['title'])}" if "title" in data else ""
        anchors: list[Path] = [("archdsl",), ("name",), ("title",)]
        lines.append(Line(f"model {data['name']}{title}", anchors, anchors))
    if "input" in data:
        dims = [scalar_text(dim) for dim in data["input"]]
        sep = "x" if all(isinstance(dim, int) for dim in data["input"]) else " x "
        lines.append(Line(f"input {sep.join(dims)}", [("input",)], [("input",)]))
    if "params" in data:
        params = data["params"]
        plain = [name for name in params if not is_select(params[name])]
        items = [(("params", n), f"{n}={_value(params[n])}") for n in plain]
        if plain or not params:
            lines += _packed("params", ("params",), items, comments)
        lines += _selects(params, first=not plain)
    if "defaults" in data:
        defaults = data["defaults"]
        known = list(schema()["properties"]["defaults"]["properties"])
        items = [(("defaults", k), _arg(k, v, known)) for k, v in defaults.items()]
        lines += _packed("defaults", ("defaults",), items, comments)
    if "ops" in data:
        lines += _ops(data["ops"])
    return lines


def _ops(ops: dict[str, Any]) -> list[Line]:
    """A space's op table: `ops NAME BLOCK`, one op a row, names aligned."""
    width = max(len(name) for name in ops)
    lines = []
    for i, (name, block) in enumerate(ops.items()):
        ((kind, value),) = block.items()
        text = " ".join([name.ljust(width), _inline(kind, value)]).rstrip()
        anchors: list[Path] = [("ops",), ("ops", name)] if i == 0 else [("ops", name)]
        lead = "ops " if i == 0 else "    "
        lines.append(Line(lead + text, anchors, anchors, "ops", 0 if i == 0 else 4))
    return lines


def _packed(
    keyword: str, anchor: Path, items: list[tuple[Path, str]], comments: Comments
) -> list[Line]:
    """`keyword a=1 b=2`, continued on indented lines; a commented item gets its own line."""
    indent = len(keyword) + 1
    lines = [Line(keyword, [anchor], [anchor], keyword)]
    fresh = False  # whether the last line is a continuation line still empty
    for path, text in items:
        if comments.has(path):
            if fresh:
                lines.pop()
            lines.append(Line(" " * indent + text, [path], [path], keyword, indent))
            lines.append(Line(" " * indent, [], [], keyword, indent))
            fresh = True
            continue
        if not fresh and len(lines[-1].text) + 1 + len(text) > CHAIN_WIDTH and lines[-1].lead[1:]:
            lines.append(Line(" " * indent, [], [], keyword, indent))
            fresh = True
        line = lines[-1]
        line.text += ("" if fresh else " ") + text
        line.lead.append(path)
        line.trail.append(path)
        fresh = False
    if fresh:
        lines.pop()
    return lines


def _selects(params: dict[str, Any], first: bool) -> list[Line]:
    lines = []
    groups: dict[tuple, list[str]] = {}
    for name in param_order(params):
        if is_select(params[name]):
            groups.setdefault(select_group(params[name]), []).append(name)
    for (selector, cases), names in groups.items():
        rows = [["select", selector, *(_case_text(case) for case in cases)]]
        rows += [
            ["", name, *(scalar_text(v) for v in params[name]["cases"].values())] for name in names
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        texts = [
            " ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        head: list[Path] = [("params",)] if first else []
        lines.append(Line(texts[0], [*head, ("params", names[0])], head, group="select"))
        for i, name in enumerate(names):
            lead: list[Path] = [("params", name)] if i else []
            lines.append(Line(texts[i + 1], lead, [("params", name)], "select", len("select ")))
        first = False
    return lines


def _case_text(case: str) -> str:
    return case if _CASE_KEY.match(case) else quote(case)


def _sections(data: dict[str, Any], comments: Comments) -> list[Line]:
    present = [sec for sec in BLOCK_SECTIONS if sec in data]
    if not present:
        return []
    tables = {sec: _rows(sec, data[sec], comments) for sec in present}
    label_width = max(len(sec) for sec in present)
    # Rows of small layers (global_pool | dense ...) do not widen the type column.
    kinds = [row.kind for rows in tables.values() for row in rows]
    type_width = max((len(k) for k in kinds if not has_short_form(k)), default=0)
    lines = []
    for sec in present:
        rows = tables[sec]
        if not rows:
            lines.append(Line(sec, [(sec,)], [(sec,)], sec))
            continue
        slots = [s for s in SHORT_KNOBS if any(s in row.slots for row in rows)]
        widths = {s: max(len(row.slots.get(s, "")) for row in rows) for s in slots}
        for i, row in enumerate(rows):
            cells = [(sec if i == 0 else "").ljust(label_width)]
            if row.slots:  # rows without short knobs (dense, dropout...) are not padded
                cells.append(row.kind.ljust(type_width))
                cells += [row.slots.get(s, "").ljust(widths[s]) for s in slots]
            else:
                cells.append(row.kind)
            cells += [" ".join(row.rest)]
            text = re.sub(r" +$", "", " ".join(cells))
            anchors = ([(sec,)] if i == 0 else []) + row.anchors
            indent = 0 if i == 0 else label_width + 1
            lines.append(Line(text, anchors, anchors, sec, indent))
    return lines


class _Row:
    def __init__(self, kind: str, slots: dict[str, str], rest: list[str], anchor: Path) -> None:
        self.kind = kind
        self.slots = slots
        self.rest = rest
        self.anchors = [anchor]


def _rows(section: str, blocks: list[Any], comments: Comments) -> list[_Row]:
    """One row per block; in the head, layers with a one-value form (pool, dense...) chain
    onto the row above with '|' unless they carry comments of their own."""
    rows: list[_Row] = []
    for i, block in enumerate(blocks):
        ((kind, value),) = block.items()
        chain = rows and has_short_form(kind) and not comments.has((section, i))
        if section == "head" and chain and _fits(rows[-1], kind, value):
            rows[-1].rest += ["|", _inline(kind, value)]
            rows[-1].anchors.append((section, i))
            continue
        if kind == "block" and isinstance(value, dict) and "op" in value:
            # a space's searched block: its op (choice) beside the type, as the paper's column
            value = dict(value)
            kind = f"block op={_value(value.pop('op'))}"
            if "per" in value:  # how the block's choices are made, beside its op
                kind += f" per={_value(value.pop('per'))}"
        slots, rest = _parts(kind, value)
        rows.append(_Row(kind, slots, rest, (section, i)))
    return rows


def _fits(row: _Row, kind: str, value: Any) -> bool:
    words = [row.kind, *row.slots.values(), *row.rest, "|", _inline(kind, value)]
    return len(" ".join(words)) <= CHAIN_WIDTH


def _inline(kind: str, value: Any) -> str:
    slots, rest = _parts(kind, value)
    return " ".join([kind, *slots.values(), *rest])


def _parts(kind: str, value: Any) -> tuple[dict[str, str], list[str]]:
    """A block's short-knob cells and its other arguments."""
    known = block_knobs(kind) if kind in block_types() else []
    if kind.startswith("block"):
        known = [knob for k in block_types() for knob in block_knobs(k)]
    if not isinstance(value, dict):
        text = scalar_text(value)
        if flag_value(text, known) is not None or SHORT_WORD_RE.match(text):
            text = quote(text)
        return {}, [text]
    slots: dict[str, str] = {}
    rest = []
    for key, knob in value.items():
        short = _SHORT_OF.get(key)
        text = scalar_text(knob) if not isinstance(knob, dict) else ""
        if short and not isinstance(knob, bool) and _SHORT_VALUE.match(text):
            slots[short] = f"{short}{text}"
        elif short and is_choice(knob) and _choice_text(knob, short=True):
            slots[short] = f"{short}{_choice_text(knob, short=True)}"
        else:
            rest.append(_arg(key, knob, known))
    return slots, rest


def _arg(key: str, value: Any, known: list[str]) -> str:
    if isinstance(value, bool) and key in known:
        return key if value else f"no{key}"
    return f"{_ALIAS_OF.get(key, key)}={_value(value)}"


def _value(value: Any) -> str:
    if is_choice(value) and _choice_text(value):
        return _choice_text(value)
    if isinstance(value, dict):
        return "{" + " ".join(f"{k}={_value(v)}" for k, v in value.items()) + "}"
    return scalar_text(value)


def _choice_text(choice: dict[str, Any], short: bool = False) -> str:
    """``{a|b}``, ``24x{0.75|1.0}`` or ``2+{-1|0|+1}``; "" for what the DSL cannot spell
    that way (a malformed choice, which the space reports instead)."""
    listed = next((key for key in ("choice", "times", "plus") if key in choice), "")
    options = choice.get(listed)
    base = choice.get("of")
    expected = {"choice"} if listed == "choice" else {"of", listed}
    per = choice.get("per")
    if "per" in choice and not (isinstance(per, str) and _NAME.fullmatch(per)):
        return ""
    if set(choice) - {"per"} != expected or not isinstance(options, list) or not options:
        return ""
    if any(isinstance(o, dict | list) or o is None for o in options):
        return ""
    if listed == "choice" and len(options) < 2 and not short:
        return ""  # {a} would read as a mapping
    if listed == "choice":
        prefix = ""
    elif isinstance(base, int) and not isinstance(base, bool) and base >= 0:
        prefix = f"{base}{'x' if listed == 'times' else '+'}"
    else:
        return ""
    texts = [
        f"{o:+d}" if listed == "plus" and type(o) is int and o > 0 else scalar_text(o)
        for o in options
    ]
    return prefix + "{" + "|".join(texts) + "}" + (f"/{per}" if per is not None else "")
