"""Parameters: declared in the spec, overridden with --set, substituted for $name."""

from __future__ import annotations

import math
import re
from typing import Any

from archdsl.errors import SpecError
from archdsl.record import Record
from archdsl.spec.document import Document, Path
from archdsl.spec.input_shape import INPUT_FORMS, parse_size
from archdsl.spec.spellings import get_close_matches

# Params every spec has, declared or not: the multipliers, and what the network ends in
# (as keras.applications' include_top and pooling, and timm's features_only).
BUILTIN_PARAMS: dict[str, Any] = {
    "width": 1.0,
    "depth": 1.0,
    "include_top": True,
    "pooling": "none",
    "features_only": False,
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Longest --set NAME=VALUE accepted: no real value comes near it, and every message quotes it.
MAX_SET_CHARS = 200


class Override(Record):  # not a dataclass: see errors.Location
    """One ``--set name=value`` from the command line, or one keyword of ``archdsl.load``.

    ``label`` is how messages quote it: ``--set classes=10`` or ``load(classes=10)``.
    """

    name: str
    value: Any
    text: str
    via: str = "--set"

    @property
    def label(self) -> str:
        return f"--set {self.text}" if self.via == "--set" else f"{self.via}({self.text})"


def parse_override(text: str) -> Override:
    """Parse ``name=value``; the value is a bool, int, float or string as written."""
    if len(text) > MAX_SET_CHARS:
        raise SpecError(None, f"--set '{text[:40]}...' is longer than {MAX_SET_CHARS} characters")
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not _NAME.fullmatch(name) or not raw:
        raise SpecError(None, f"--set expects name=value, got '{text}'")
    return Override(name, _scalar(raw), text)


def _scalar(raw: str) -> Any:
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            value = kind(raw)
        except ValueError:
            continue
        if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
            raise SpecError(None, f"--set value '{raw}' is not a finite number")
        return value
    return raw


def apply_params(
    doc: Document, overrides: list[Override] | tuple[Override, ...] = ()
) -> tuple[Document, dict[Path, str]]:
    """A new document with every $name replaced by its value, and where each came from.

    The returned map notes, for each substituted path, which parameter (and which
    ``--set``) supplied the value, so later range errors can say so.
    """
    data = doc.data
    declared: dict[str, Any] = dict(data.get("params") or {})
    values: dict[str, Any] = {**BUILTIN_PARAMS, **declared}
    set_by: dict[str, str] = {}
    input_override: tuple[tuple[int, int, int | None], str] | None = None
    for override in overrides:
        _check_value(override)
        if override.name == "input":
            input_override = (_parse_input(override), override.label)
            continue
        if override.name not in values:
            known = sorted([*values, "input"])
            close = get_close_matches(override.name, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (params: {', '.join(known)})"
            raise SpecError(
                None, f"{override.label}: the spec has no param '{override.name}'{hint}"
            )
        _check_type(override, values[override.name])
        values[override.name] = override.value
        set_by[override.name] = override.label
    resolved = {name: _resolve(doc, values, name, ()) for name in values}
    origins: dict[Path, str] = {}
    uses, refs = _uses(data)
    new_data = dict(data)
    _substitute(doc, new_data, uses, resolved, set_by, origins)
    new_data["params"] = {
        **{k: resolved[k] for k in BUILTIN_PARAMS},
        **{name: resolved[name] for name in declared},
    }
    for name, text in set_by.items():
        origins[("params", name)] = f"set by {text}"
    if input_override is not None:
        (height, width, given), label = input_override
        channels = new_data["input"][2] if len(new_data.get("input", [])) == 3 else 3
        new_data["input"] = [height, width, channels if given is None else given]
        for i in range(3):
            origins[("input", i)] = f"from {label}"
    _check_used(doc, declared, refs)
    return Document(new_data, doc.file, doc.text, doc.values, doc.keys), origins


def check_outputs(doc: Document, origins: dict[Path, str]) -> None:
    """``pooling`` ends a network without its head: with the head it would be ignored."""
    params = doc.data["params"]
    if params["pooling"] == "none" or not params["include_top"] and not params["features_only"]:
        return
    path = ("params", "pooling")
    note = f" ({origins[path]})" if path in origins else ""
    reason = (
        "features_only has one output per stage end, and none is pooled"
        if params["features_only"]
        else "pooling needs include_top: false (with its head the network ends in the head)"
    )
    raise SpecError(
        None if path in origins else doc.locate(path, key=True),
        f"pooling: {params['pooling']}{note}: {reason}",
    )


def _check_used(doc: Document, declared: dict[str, Any], refs: set[str]) -> None:
    """Refuse a declared param that nothing uses: it is almost always a misspelt one.

    ``params: {widht: 0.5}`` used to validate and build at full width. A param is used
    when ``$name`` appears outside ``params`` (``refs``: what ``_uses`` found there), or in
    (or as the selector of) a used param; the built-in multipliers are always used.
    """
    used = set(BUILTIN_PARAMS)
    pending = list(refs)
    while pending:
        name = pending.pop()
        if name in used or name not in declared:
            continue
        used.add(name)
        pending.extend(_refs(declared[name]))
    for name in declared:
        if name in used:
            continue
        close = get_close_matches(name, sorted(used), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; remove it or use it as ${name}"
        raise SpecError(
            doc.locate(("params", name), key=True),
            f"param '{_printable(name)}' is declared but never used{hint}",
        )


def _refs(value: Any) -> set[str]:
    """Param names that ``value`` refers to: ``$name`` strings and select tables' selectors.

    A walk with a stack rather than nested generators: it runs on every document, and a
    search checks thousands a second.
    """
    found: set[str] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            selector = node.get("select")
            if isinstance(selector, str):
                found.add(selector)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and node.startswith("$"):
            found.add(node[1:])
    return found


def _check_value(override: Override) -> None:
    """An override from the API is any object: accept what ``--set`` could have written."""
    value = override.value
    if not isinstance(value, bool | int | float | str):
        kind = type(value).__name__
        raise SpecError(None, f"{override.label}: expected a number, string or boolean, not {kind}")
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecError(None, f"{override.label}: {value} is not a finite number")
    if isinstance(value, int) and abs(value) >= 10**18 or len(str(value)) > MAX_SET_CHARS:
        raise SpecError(None, f"{override.label}: value too large")


def _parse_input(override: Override) -> tuple[int, int, int | None]:
    size = parse_size(str(override.value))
    if size is None:
        raise SpecError(None, f"{override.label}: input is {INPUT_FORMS}")
    return size


def _check_type(override: Override, current: Any) -> None:
    if isinstance(current, dict):  # a select param: any scalar may pick the case
        return
    numeric = isinstance(current, int | float) and not isinstance(current, bool)
    given_numeric = isinstance(override.value, int | float) and not isinstance(override.value, bool)
    if (
        numeric
        and not given_numeric
        or isinstance(current, bool)
        and not isinstance(override.value, bool)
    ):
        kind = "a number" if numeric else "true or false"
        raise SpecError(None, f"{override.label}: '{override.name}' must be {kind}")


def _resolve(doc: Document, values: dict[str, Any], name: str, chain: tuple[str, ...]) -> Any:
    """The final value of param ``name``: following $aliases and select tables."""
    path = ("params", name)
    if name in chain:
        cycle = " -> ".join(f"${n}" for n in (*chain, name))
        raise SpecError(doc.locate(path), f"circular parameter reference: {cycle}")
    value = values[name]
    if isinstance(value, str) and value.startswith("$"):
        target = value[1:]
        if target not in values:
            raise SpecError(doc.locate(path), _unknown(target, values))
        return _resolve(doc, values, target, (*chain, name))
    if isinstance(value, dict):
        selector = value["select"]
        if selector not in values:
            raise SpecError(doc.locate((*path, "select")), _unknown(selector, values))
        key = _resolve(doc, values, selector, (*chain, name))
        for case, result in value["cases"].items():
            if _same(case, key):
                return result
        cases = ", ".join(_printable(case) for case in value["cases"])
        raise SpecError(
            doc.locate((*path, "cases")),
            f"param '{name}' has no case for {selector}={_printable(str(key))} (cases: {cases})",
        )
    return value


def _same(case: str, key: Any) -> bool:
    if isinstance(key, bool):
        return case.lower() == str(key).lower()
    if isinstance(key, int | float):
        try:
            return float(case) == float(key)
        except ValueError:
            return False
    return case == str(key)


def _unknown(name: str, values: dict[str, Any]) -> str:
    close = get_close_matches(name, list(values), n=1)
    hint = f"; did you mean '${close[0]}'?" if close else f" (params: {', '.join(values)})"
    return f"unknown parameter '${_printable(name)}'{hint}"


def _printable(text: str) -> str:
    """``text`` for a one-line message: control characters escaped, at most 60 characters."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:60])
    return shown if len(text) <= 60 and len(shown) <= 60 else shown[:57] + "..."


def _uses(data: Any) -> tuple[list[tuple[Path, str]], set[str]]:
    """Where a ``$name`` stands outside ``params``, and every param name referred to there
    (as ``_refs`` counts them).

    One walk with a stack that copies nothing and makes a path only for a container or a
    use: a search checks thousands of documents a second, and most of a document holds
    no ``$name``. The uses come in no particular order; ``_first_unknown`` finds the one
    a reader meets first.
    """
    uses: list[tuple[Path, str]] = []
    refs: set[str] = set()
    if not isinstance(data, dict):
        return uses, refs
    stack: list[tuple[Any, Path]] = [({k: v for k, v in data.items() if k != "params"}, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            selector = node.get("select")
            if isinstance(selector, str) and path:
                refs.add(selector)
            items: Any = node.items()
        else:
            items = enumerate(node)
        for key, value in items:
            if isinstance(value, str):
                if value.startswith("$"):
                    refs.add(value[1:])
                    if _NAME.fullmatch(value[1:]):
                        uses.append(((*path, key), value[1:]))
            elif isinstance(value, dict | list):
                stack.append((value, (*path, key)))
    return uses, refs


def _first_unknown(value: Any, path: Path, resolved: dict[str, Any]) -> tuple[Path, str] | None:
    """The first ``$name`` of no param in ``value``, in reading order (the one reported)."""
    if isinstance(value, dict | list):
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            found = _first_unknown(item, (*path, key), resolved)
            if found is not None:
                return found
    elif isinstance(value, str) and value.startswith("$") and _NAME.fullmatch(value[1:]):
        return None if value[1:] in resolved else (path, value[1:])
    return None


def _substitute(
    doc: Document,
    data: dict[str, Any],
    uses: list[tuple[Path, str]],
    resolved: dict[str, Any],
    set_by: dict[str, str],
    origins: dict[Path, str],
) -> None:
    """Put each use's value in ``data`` (a copy of the document's top level), copying only
    the mappings and lists on the way to a use: the rest is shared with the document."""
    if any(name not in resolved for _, name in uses):
        top = {key: value for key, value in doc.data.items() if key != "params"}
        unknown = _first_unknown(top, (), resolved)
        if unknown is not None:
            raise SpecError(doc.locate(unknown[0]), _unknown(unknown[1], resolved))
    copied: set[Path] = set()
    for path, name in uses:
        origins[path] = f"from ${name}" + (f", set by {set_by[name]}" if name in set_by else "")
        parent: Any = data
        for depth in range(1, len(path)):
            step = path[depth - 1]
            if path[:depth] not in copied:
                child = parent[step]
                parent[step] = dict(child) if isinstance(child, dict) else list(child)
                copied.add(path[:depth])
            parent = parent[step]
        parent[path[-1]] = resolved[name]
