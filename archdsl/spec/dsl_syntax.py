"""The DSL's own spellings, shared by its parser and its writer.

Knob names themselves come from the JSON Schema; this module only says how the DSL
abbreviates some of them and how it words the grammar's terminals in error messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from typing import Any

# Short knobs written without '=': c32 k3 s2 e6 x3 se0.25 g2 (the papers' table columns).
SHORT_KNOBS = {
    "c": "filters",
    "k": "kernel",
    "s": "stride",
    "e": "expansion",
    "x": "repeats",
    "se": "se",
    "g": "groups",
}
# A NAME that is a short knob: c32, k3, se0, e1e5.
SHORT_WORD_RE = re.compile(r"(se|c|k|s|e|x|g)([0-9]+(?:[eE][0-9]+)?)\Z")
# key=value spellings shorter than the schema's name.
KEY_ALIASES = {"act": "activation"}

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
REF_RE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*\Z")
FRACTION_RE = re.compile(r"[0-9]+/[0-9]+\Z")
KEYWORDS = ("true", "false", "null")
# Words that start a statement at column 1.
STATEMENTS = ("model", "input", "params", "select", "defaults", "ops", "stem", "stages", "head")

_TERMINALS = {
    "NAME": "a name",
    "REF": "a $param",
    "INT": "an integer",
    "FLOAT": "a number",
    "FRACTION": "a fraction such as 72/16",
    "STRING": 'a "quoted string"',
    "SHORT": "a short knob such as c32 or k3",
    "_SEP": "end of line",
    "_CONT": "an indented line",
    "$END": "end of file",
    "SECTION": "'stem', 'stages' or 'head'",
    "X": "'x' (as in 224x224x3)",
    "SIGNED": "a signed integer such as +1",
    "SHORT_CHOICE": "a short knob's choice such as k{3|5}",
    "RELATIVE": "a relative choice such as 24x{0.75|1.0} or 2+{-1|0|+1}",
    "BAR": "'|'",
    "PER": "'/layer' (a choice made per layer)",
}
_STATEMENTS = {"MODEL", "INPUT", "PARAMS", "SELECT", "DEFAULTS", "OPS", "SECTION"}
_VALUES = {"INT", "FLOAT", "REF", "STRING", "FRACTION", "NAME"}
_GROUPS = {
    "STATEMENT": "a statement (model, input, params, select, defaults, ops, stem, stages or head)",
    "VALUE": 'a value (number, name, $param or "string")',
    "KNOB": "a knob (c32, k3, noskip, key=value)",
}


def has_short_form(block_type: str) -> bool:
    """Whether the schema lets the block be written as one value (dense: 1000, pool: max)."""
    from archdsl.spec.schema import schema

    return "anyOf" in schema()["$defs"].get(f"{block_type}_block", {})


def clip(text: str) -> str:
    """At most 60 characters of user text: a message must not echo a megabyte of spec."""
    return text if len(text) <= 60 else text[:57] + "..."


def flag_value(word: str, known: Collection[str]) -> tuple[str, bool] | None:
    """A bare word as a boolean knob: 'bias' -> (bias, True), 'nobias' -> (bias, False)."""
    if word in known:
        return word, True
    if word.startswith("no") and word[2:] in known:
        return word[2:], False
    return None


def describe_expected(names: Iterable[str]) -> str:
    """Grammar terminal names, as words: "a name, '=' or end of line"."""
    names = set(names) - {"WS", "COMMENT"}
    if names >= _STATEMENTS:
        names = (names - _STATEMENTS) | {"STATEMENT"}
    if names >= _VALUES:
        names = (names - _VALUES - {"RELATIVE"}) | {"VALUE"}
    if {"SHORT", "VALUE"} <= names:
        names = (names - {"SHORT", "VALUE", "EQ"}) | {"KNOB"}
    words = sorted(_describe(name) for name in names)
    if not words:
        return "nothing more"
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _describe(name: str) -> str:
    if name in _GROUPS:
        return _GROUPS[name]
    if name in _TERMINALS:
        return _TERMINALS[name]
    from archdsl.spec.dsl_front import parser

    for terminal in parser().terminals:
        if terminal.name == name and terminal.pattern.type == "str":
            return repr(terminal.pattern.value)
    return name.lower()


def scalar_text(value: Any) -> str:
    """A scalar as the DSL writes it; strings are bare only where they read back as strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    if (
        isinstance(value, str)
        and (REF_RE.match(value) or FRACTION_RE.match(value) or NAME_RE.match(value))
        and value not in KEYWORDS
    ):
        return value
    return quote(value)


def quote(text: str) -> str:
    """A "string" the DSL reads back as ``text``; unprintable characters are escaped."""
    return json.dumps(text, ensure_ascii=not text.isprintable())
