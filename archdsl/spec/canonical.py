"""The canonical order of a spec's keys, which both writers follow.

Both writers print the same order, so YAML -> DSL -> YAML returns the same text: top-level
entries and defaults in schema order; params as declared, plain ones first, then select
params grouped by their selector and cases (as the DSL's select tables group them); block
knobs with the papers' columns first (filters, kernel, stride, expansion, repeats, se,
groups), the rest in schema order, the name last.
"""

from __future__ import annotations

from typing import Any

from archdsl.space.choices import is_choice
from archdsl.spec.dsl_syntax import SHORT_KNOBS
from archdsl.spec.schema import BLOCK_SECTIONS, block_knobs, block_types, schema


def canonical(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every mapping reordered canonically (values are unchanged).

    A search space's ``ops`` table comes before the block lists that name its ops."""
    top = list(schema()["properties"])
    top.insert(top.index("stem"), "ops")
    result = {}
    for key in _ordered(data, top):
        value = data[key]
        if key == "params" and isinstance(value, dict):
            value = {name: _select(value[name]) for name in param_order(value)}
        elif key == "defaults" and isinstance(value, dict):
            order = list(schema()["properties"]["defaults"]["properties"])
            value = {k: _bn(k, value[k]) for k in _ordered(value, order)}
        elif key in BLOCK_SECTIONS and isinstance(value, list):
            value = [_block(block) for block in value]
        elif key == "ops" and isinstance(value, dict):
            value = {name: _block(block) for name, block in value.items()}
        result[key] = value
    return result


def param_order(params: dict[str, Any]) -> list[str]:
    """Plain params as declared, then select params grouped by (selector, case keys)."""
    plain = [name for name, value in params.items() if not is_select(value)]
    groups: dict[tuple, list[str]] = {}
    for name, value in params.items():
        if is_select(value):
            groups.setdefault(select_group(value), []).append(name)
    return plain + [name for names in groups.values() for name in names]


def is_select(value: Any) -> bool:
    return isinstance(value, dict) and not is_choice(value)


def select_group(value: dict[str, Any]) -> tuple:
    cases = value.get("cases")
    return (value.get("select"), tuple(cases) if isinstance(cases, dict) else ())


def knob_order(block_type: str) -> list[str]:
    if block_type == "block":  # a space's searched block: its op first
        return ["op", "per", *SHORT_KNOBS.values()]
    known = block_knobs(block_type) if block_type in block_types() else []
    short = [knob for knob in SHORT_KNOBS.values() if knob in known]
    rest = [knob for knob in known if knob not in short and knob != "name"]
    return short + rest + ["name"]


def _ordered(mapping: dict[str, Any], order: list[str]) -> list[str]:
    return [k for k in order if k in mapping] + [k for k in mapping if k not in order]


def _select(value: Any) -> Any:
    return (
        {k: value[k] for k in _ordered(value, ["select", "cases"])} if is_select(value) else value
    )


def _bn(key: str, value: Any) -> Any:
    if key == "bn" and isinstance(value, dict):
        order = list(schema()["$defs"]["bn_options"]["properties"])
        return {k: value[k] for k in _ordered(value, order)}
    return value


def _block(block: Any) -> Any:
    if not isinstance(block, dict) or len(block) != 1:
        return block
    ((kind, knobs),) = block.items()
    if isinstance(knobs, dict):
        knobs = {k: _bn(k, knobs[k]) for k in _ordered(knobs, knob_order(kind))}
    return {kind: knobs}
