"""``apply_params`` substitutes exactly what a plain walk of the whole document does.

``apply_params`` finds the ``$name`` uses in one walk that copies nothing, then copies
only the mappings and lists on the way to a use (archdsl/spec/params.py). Here a plain
reference (a deep copy of the document with every ``$name`` replaced, in reading order)
must give the same data, the same origins and, for an unknown name, the same place: over
the bad-input corpora and built-in specs with their ``--set`` values, and over random
documents with ``$name`` uses put anywhere (nested mappings, lists, whole blocks, top
level), with and without ``--set``. The input document must come out unchanged.
About 3 s with the ``ci`` profile.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from archdsl.errors import SpecError
from archdsl.spec.document import Document, Path
from archdsl.spec.input_shape import normalize_input
from archdsl.spec.params import BUILTIN_PARAMS, Override, apply_params, parse_override
from archdsl.spec.schema import check_schema
from archdsl.spec.source import load_document
from tests.strategies import spec_documents
from tests.test_fuzz import examples
from tests.test_schema_fast_path import CORPUS, _sets

_USE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")


def _reference(value: Any, path: Path, params: dict[str, Any], found: list) -> Any:
    """``value`` copied with each ``$name`` replaced; ``found`` gets (path, name) in
    reading order, known or not."""
    if isinstance(value, dict):
        return {k: _reference(v, (*path, k), params, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_reference(v, (*path, i), params, found) for i, v in enumerate(value)]
    match = _USE.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    found.append((path, match[1]))
    return params.get(match[1], value)


def _agree(doc: Document, overrides: tuple[Override, ...]) -> str:
    """Run both; assert they agree; say how ("substituted", "unknown" or "other error")."""
    before = copy.deepcopy(doc.data)
    body = {key: value for key, value in doc.data.items() if key != "params"}
    try:
        resolved, origins = apply_params(doc, overrides)
    except SpecError as error:
        assert repr(doc.data) == repr(before), "apply_params changed its input"
        if not error.message.startswith("unknown parameter '$"):
            return "other error"
        found: list[tuple[Path, str]] = []
        _reference(body, (), {}, found)
        known = {**BUILTIN_PARAMS, **(doc.data.get("params") or {})}
        first = next((where for where, name in found if name not in known), None)
        if first is None:  # an alias or selector inside params names no param
            return "other error"
        assert error.location == doc.locate(first), (error, first)
        return "unknown"
    assert repr(doc.data) == repr(before), "apply_params changed its input"
    found = []
    params = resolved.data["params"]
    expected = _reference(body, (), params, found)
    got = {key: value for key, value in resolved.data.items() if key != "params"}
    if any(override.name == "input" for override in overrides):
        expected.pop("input", None)
        got.pop("input", None)
    # repr, not ==: 1, 1.0 and True are equal but not the same value in a spec
    assert repr(got) == repr(expected)
    assert list(resolved.data) == [*doc.data, *(() if "params" in doc.data else ("params",))]
    set_by = {override.name: override.label for override in overrides}
    input_set = "input" in set_by  # then --set input's note replaces any there
    expected_notes = {
        path: f"from ${name}" + (f", set by {set_by[name]}" if name in set_by else "")
        for path, name in found
        if not (input_set and path[0] == "input")
    }
    assert expected_notes == {
        path: note
        for path, note in origins.items()
        if path[0] != "params" and not (input_set and path[0] == "input")
    }
    return "substituted"


def test_corpus_and_builtin_specs():
    outcomes = []
    for path in CORPUS:
        try:
            doc = normalize_input(load_document(str(path)))
            check_schema(doc)
            overrides = tuple(parse_override(text) for text in _sets(path))
        except SpecError:
            continue  # stopped before params are substituted
        outcomes.append(_agree(doc, overrides))
    # both the usual case and the unknown-name error occur, so neither side can pass alone
    assert outcomes.count("substituted") >= 40, outcomes
    assert outcomes.count("unknown") >= 1, outcomes


def _leaves(value: Any, path: Path, out: list[Path]) -> None:
    """Every path below ``value`` (containers and scalars), outside params."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if path == () and key == "params":
            continue
        out.append((*path, key))
        if isinstance(item, dict | list):
            _leaves(item, (*path, key), out)


@st.composite
def documents_with_uses(draw: st.DrawFn) -> tuple[Document, tuple[Override, ...]]:
    """A random spec with ``$p0``.. (and maybe an unknown ``$nope``) put at random places."""
    data = draw(spec_documents())
    places: list[Path] = []
    _leaves(data, (), places)
    chosen = draw(st.lists(st.sampled_from(places), min_size=1, max_size=6, unique=True))
    values = st.one_of(st.integers(1, 64), st.floats(0.1, 2.0), st.booleans(), st.text(max_size=5))
    for index, path in enumerate(chosen):
        parent: Any = data
        for step in path[:-1]:
            parent = parent[step] if isinstance(parent, dict | list) else None
        if not isinstance(parent, dict | list):
            continue  # an earlier use replaced a container above this place
        name = "nope" if draw(st.integers(0, 9)) == 0 else f"p{index}"
        parent[path[-1]] = f"${name}"
        if name != "nope":
            data["params"][name] = draw(values)
    numbers = [
        name
        for name, value in data["params"].items()
        if name.startswith("p") and isinstance(value, int) and not isinstance(value, bool)
    ]
    chosen_sets = draw(st.lists(st.sampled_from(numbers), unique=True)) if numbers else []
    overrides = tuple(
        Override(name, draw(st.integers(1, 9)), f"{name}=...") for name in chosen_sets
    )
    return Document(data, "random.yaml"), overrides


@given(documents_with_uses())
@settings(max_examples=examples(0.1))
def test_random_uses(case: tuple[Document, tuple[Override, ...]]):
    doc, overrides = case
    _agree(doc, overrides)


def test_builtin_spec_with_set():
    doc = normalize_input(load_document("mnasnet_a1"))
    overrides = (parse_override("classes=10"), parse_override("input=160"))
    assert _agree(doc, overrides) == "substituted"
    resolved, origins = apply_params(doc, overrides)
    assert resolved.data["head"][3] == {"dense": {"units": 10, "name": "logits"}}
    assert origins[("head", 3, "dense", "units")] == "from $classes, set by --set classes=10"
    # what holds no $name is shared with the document, not copied
    assert resolved.data["stages"] is doc.data["stages"]
    assert resolved.data["head"] is not doc.data["head"]
