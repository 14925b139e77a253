"""The JSON Schema (shipped as schema.json) and its errors turned into located messages."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from archdsl.errors import SpecError
from archdsl.spec.document import Document, Path
from archdsl.spec.spellings import get_close_matches, key_hint, value_hint

BLOCK_SECTIONS = ("stem", "stages", "head")
PARAM_REF_PATTERN = "^\\$[A-Za-z_][A-Za-z0-9_]*$"


@cache
def schema() -> dict[str, Any]:
    """The spec format's JSON Schema (draft 2020-12)."""
    with open(os.path.join(os.path.dirname(__file__), "schema.json"), encoding="utf-8") as file:
        return json.load(file)


@cache
def _is_valid() -> Callable[[Any], bool]:
    """The fast path: jsonschema-rs, compiled from schema.json once per process.

    It answers only "valid or not", about 100x faster than jsonschema (which also costs
    over 100 ms to import); jsonschema stays the authority and words the errors. A value
    jsonschema-rs cannot take (a string with a lone surrogate) counts as "not known
    valid", so jsonschema decides it. tests/test_schema_fast_path.py checks that both
    accept exactly the same documents.
    """
    import jsonschema_rs

    validator = jsonschema_rs.validator_for(schema(), validate_formats=False)

    def is_valid(data: Any) -> bool:
        try:
            return validator.is_valid(data)
        except ValueError:
            return False

    return is_valid


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator, validators

    validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})
    return validator(_inline_refs(schema(), schema()["$defs"]))


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every local $ref replaced by its definition.

    The schema has no recursive references, and resolving $refs while validating took half
    of the validation time (each spec is validated twice, on every command).
    """
    if isinstance(node, list):
        return [_inline_refs(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    inlined = {
        key: _inline_refs(value, defs)
        for key, value in node.items()
        if key not in ("$ref", "$defs")
    }
    if "$ref" in node:
        return {**_inline_refs(defs[node["$ref"].rsplit("/", 1)[-1]], defs), **inlined}
    return inlined


def _ecma_pattern(validator: Any, pattern: str, instance: Any, _schema: Any) -> Any:
    """'pattern' as JSON Schema defines it (ECMA-262 regexes): '$' matches only at the end.

    Python's '$' also matches before a final newline, so "a\\n" passed '^[a-z]+$' and
    became a block name, a $param or a fraction with a newline in it.
    """
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern))


def knob_default(knob: str) -> Any:
    """The schema's default for a knob defined under $defs (None when it has none)."""
    return schema()["$defs"].get(knob, {}).get("default")


def block_types() -> list[str]:
    return list(schema()["$defs"]["block"]["properties"])


def block_knobs(block_type: str) -> list[str]:
    """Knobs a block type accepts, in schema order."""
    definition = schema()["$defs"][f"{block_type}_block"]
    obj = definition["anyOf"][0] if "anyOf" in definition else definition
    return list(obj["properties"])


def check_schema(doc: Document, origins: dict[Path, str] | None = None) -> None:
    """Raise the first schema violation in source order as a located SpecError.

    ``origins`` maps paths whose value came from a $param to a note saying so, so an
    out-of-range ``--set`` is reported where the parameter is used.
    """
    if _is_valid()(doc.data):
        return
    errors = list(_validator().iter_errors(doc.data))
    if not errors:
        return
    errors = [_innermost(error) for error in errors]
    first = min(errors, key=lambda e: _sort_key(doc, e))
    location, message = _describe(doc, first)
    note = (origins or {}).get(tuple(first.absolute_path))
    raise SpecError(location, f"{message} ({note})" if note else message)


def _sort_key(doc: Document, error: Any) -> tuple[int, int]:
    location = doc.locate(tuple(error.absolute_path))
    return (location.line, location.col)


def _innermost(error: Any) -> Any:
    """For anyOf failures, the branch error that matches what the user wrote."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        instance = error.instance
        is_ref = isinstance(instance, str) and instance.startswith("$")
        candidates = [c for c in error.context if _is_ref_branch(c) == is_ref] or list(
            error.context
        )
        # Prefer a branch that got past the type check: it says what is really wrong.
        typed = [c for c in candidates if c.validator != "type"]
        deeper = [c for c in typed if len(c.absolute_path) > len(error.absolute_path)]
        error = (deeper or typed or candidates)[0]
    return error


def _is_ref_branch(error: Any) -> bool:
    return error.schema.get("pattern") == PARAM_REF_PATTERN


def _field(path: Path) -> str:
    """A readable name for what sits at ``path``: 'mbconv stride', 'mbconv', 'input item 2'."""
    names = [p for p in path if isinstance(p, str)]
    if not names:
        return "the spec"
    last = path[-1]
    if isinstance(last, int):
        return f"item {last + 1} of '{names[-1]}'"
    if len(path) == 3 and path[0] in BLOCK_SECTIONS:
        return str(last)  # the block itself: ('stages', 2, 'mbconv')
    owner = path[-2] if len(path) >= 2 else None
    if isinstance(owner, str) and owner in block_types():
        return f"{owner} {last}"
    return _show(str(last))


def _describe(doc: Document, error: Any) -> tuple[Any, str]:
    path = tuple(error.absolute_path)
    validator = error.validator
    value = error.instance
    where = doc.locate(path)
    if "propertyNames" in error.relative_schema_path or "propertyNames" in error.schema_path:
        return _bad_name(doc, path, value)
    if validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = [key for key in value if key not in allowed]
        key = extra[0]
        context = _field(path) if path else "the spec"
        hint = key_hint(key, allowed) if isinstance(key, str) else ""
        return doc.locate((*path, key), key=True), f"unknown key {_show(key)} in {context}{hint}"
    if validator == "required":
        missing = [key for key in error.validator_value if key not in value]
        return doc.locate(path, key=True), f"{_field(path)} needs '{missing[0]}'"
    if validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        shown = "" if value is None else f" ({_show(value)})"
        return where, f"{_field(path)} must be {_article(expected)}, not {_json_type(value)}{shown}"
    if validator == "enum":
        options = ", ".join(_show(o) for o in error.validator_value)
        hint = (
            value_hint(value, [str(o) for o in error.validator_value])
            if isinstance(value, str)
            else ""
        )
        return where, f"{_field(path)} must be one of {options}; got {_show(value)}{hint}"
    if validator == "const":
        return where, f"{_field(path)} must be {_show(error.validator_value)}; got {_show(value)}"
    if validator in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bound = {
            "minimum": "at least",
            "exclusiveMinimum": "greater than",
            "maximum": "at most",
            "exclusiveMaximum": "less than",
        }[validator]
        return (
            where,
            f"{_field(path)} must be {bound} {_show(error.validator_value)}; got {_show(value)}",
        )
    if validator == "pattern":
        if isinstance(value, str) and _regex(PARAM_REF_PATTERN).search(value):
            return where, f"{_field(path)} cannot be a $param; write the value itself"
        if isinstance(value, str) and value.startswith("$"):
            return (
                where,
                f"{_show(value)} is not a parameter reference (write $name: letters, digits, _)",
            )
        return (
            where,
            f"{_field(path)} {_show(value)} is not allowed here (expected {_pattern_hint(path)})",
        )
    if validator in ("minLength", "maxLength"):
        bound = "longer" if validator == "maxLength" else "shorter"
        return (
            where,
            f"{_field(path)} is {bound} than {error.validator_value} characters: {_show(value)}",
        )
    if validator in ("minItems", "maxItems"):
        return where, f"{_field(path)} {error.message.split(' is ', 1)[-1]}"
    if validator in ("minProperties", "maxProperties") and _in_block_list(path):
        return where, "a block is written as one key, its type, e.g. mbconv: {filters: 24}"
    return where, f"{_field(path)}: {_clip(error.message, 200)}"


def _bad_name(doc: Document, path: Path, name: Any) -> tuple[Any, str]:
    if _in_block_list(path):
        hint = _did_you_mean(name, block_types())
        return doc.locate((*path, name), key=True), f"unknown block type {_show(name)}{hint}"
    where = doc.locate((*path, name), key=True)
    return where, f"{_show(name)} is not a valid name (letters, digits, _)"


def _in_block_list(path: Path) -> bool:
    return len(path) == 2 and path[0] in BLOCK_SECTIONS and isinstance(path[1], int)


def _pattern_hint(path: Path) -> str:
    return (
        "a name of letters, digits and _" if path and path[-1] == "name" else "a number or $param"
    )


def _did_you_mean(word: Any, options: list[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a list" if isinstance(value, list) else "a mapping"


def _article(kind: str) -> str:
    names = {"object": "a mapping", "array": "a list", "integer": "an integer", "null": "null"}
    return names.get(kind, f"a {kind}")


def _show(value: Any) -> str:
    """``value`` as the spec wrote it, on one line and at most 60 characters."""
    if isinstance(value, str):
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value[:60])
        return _clip(f"'{text}'", 60)
    return _clip(json.dumps(value), 60)


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters: a message must not echo a megabyte of spec."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
