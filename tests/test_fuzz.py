"""Fuzzing both front ends and the compiler: nothing but a located SpecError may escape.

Inputs: valid documents (the built-in specs, in YAML and .arch, and random valid specs from
tests/strategies.py) with values replaced, keys deleted, duplicated or renamed and random
blocks inserted; the built-in spec texts with characters and lines mutated; random text
and bytes; random --set overrides and API override values. For each, archdsl either
compiles it (and the analyzer reads the graph) or raises a SpecError that points into the
file (line >= 1, col >= 1, within the text) with a one-line message of bounded length.
Only command-line mistakes (an override) may have no location.

The example counts come from the hypothesis profile in tests/conftest.py: ``ci`` runs
over 10,000 examples in all, ``dev`` a tenth of that.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from archdsl.analysis.analyze import analyze
from archdsl.compile import compile_document, compile_spec
from archdsl.errors import SpecError
from archdsl.spec.document import Document
from archdsl.spec.dsl_front import parse_dsl
from archdsl.spec.params import Override, parse_override
from archdsl.spec.schema import block_knobs, block_types, schema
from archdsl.spec.source import builtin_names, load_document
from archdsl.spec.yaml_front import parse_yaml
from tests.helpers import ROOT
from tests.strategies import spec_documents

MAX_MESSAGE = 600


def examples(share: float) -> int:
    """A share of the profile's max_examples (tests/conftest.py) for one fuzz test."""
    return max(10, int(settings.default.max_examples * share))


# --- what every outcome must satisfy ---------------------------------------------------


def check_error(error: SpecError, file: str, text: str | None = None) -> None:
    """A located, one-line, bounded message pointing into ``file``."""
    assert error.location is not None, f"unlocated: {error.message}"
    assert error.location.file == file
    assert error.location.line >= 1 and error.location.col >= 1, error.location
    if text is not None:
        assert error.location.line <= _lines(text, file), (error.location, error.message)
    assert error.message and "\n" not in error.message, repr(error.message)
    assert len(error.message) <= MAX_MESSAGE, error.message[:200]
    assert len(str(error).splitlines()[0]) <= MAX_MESSAGE + len(file) + 40


def _lines(text: str, file: str) -> int:
    """Lines as the front end counts them: YAML also breaks lines at CR, NEL, U+2028/9."""
    breaks = r"\n" if file.endswith(".arch") else r"\r\n|[\n\r\x85\u2028\u2029]"
    return len(re.split(breaks, text))


def compile_and_analyze(doc: Document, text: str | None = None) -> None:
    try:
        graph = compile_document(doc)
    except SpecError as error:
        check_error(error, doc.file, text)
        return
    analysis = analyze(graph)
    assert analysis.total.params >= 0


def parse_and_compile(text: str, file: str) -> None:
    front = parse_dsl if file.endswith(".arch") else parse_yaml
    try:
        doc = front(text, file)
    except SpecError as error:
        check_error(error, file, text)
        return
    compile_and_analyze(doc, text)


# --- the documents and texts we start from ---------------------------------------------


@cache
def builtin_texts() -> list[tuple[str, str]]:
    """(file name, text) of every built-in spec, YAML and .arch."""
    files = sorted((ROOT / "specs").glob("*.yaml")) + sorted((ROOT / "specs").glob("*.arch"))
    return [(f.name, f.read_text()) for f in files]


@cache
def builtin_documents() -> list[Document]:
    return [load_document(str(ROOT / "specs" / name)) for name, _ in builtin_texts()]


@cache
def vocabulary() -> list[str]:
    """Every name a spec may use: top-level keys, knobs, block types, defaults."""
    top = list(schema()["properties"])
    defaults = list(schema()["properties"]["defaults"]["properties"])
    knobs = {knob for kind in block_types() for knob in block_knobs(kind)}
    return sorted({*top, *defaults, *knobs, *block_types(), "select", "cases"})


# --- random values -----------------------------------------------------------------------

EDGE_INTS = [0, 1, -1, 2, 3, 7, 8, 31, 32, 33, 64, 1000, 1001, 16384, 65536, 65537, 2**31, 10**30]
EDGE_TEXTS = [
    "",
    "$width",
    "$depth",
    "$classes",
    "$nope",
    "$",
    "$1a",
    "6/0",
    "0/0",
    "72/16",
    "9999/1",
    "avg",
    "max",
    "relu",
    "none",
    "auto",
    "same",
    "valid",
    "make_divisible",
    "expanded",
    "x" * 300,
]


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(EDGE_INTS),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, 0.5, 0.25, 1.0, 1.5, -0.5, 1e-300, 1e300]),
        st.sampled_from(EDGE_TEXTS),
        st.text(max_size=12),
    )


def keys() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(vocabulary()), st.text(min_size=1, max_size=10))


def json_values() -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(keys(), inner, max_size=4)
        ),
        max_leaves=10,
    )


@st.composite
def random_block(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(block_types()))
    knobs = block_knobs(kind)
    args = draw(st.dictionaries(st.sampled_from(knobs) if knobs else keys(), scalars(), max_size=5))
    return {kind: draw(st.one_of(st.just(args), scalars()))}


# --- document mutations ------------------------------------------------------------------


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _parent(data: Any, path: tuple) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


@st.composite
def mutate(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    """One random change to a copy of ``data``."""
    data = copy.deepcopy(data)
    op = draw(st.sampled_from(["replace", "delete", "duplicate", "rename", "insert", "wrap"]))
    if op == "insert":
        section = draw(st.sampled_from(["stem", "stages", "head"]))
        blocks = data.setdefault(section, [])
        if isinstance(blocks, list):
            blocks.insert(draw(st.integers(0, len(blocks))), draw(random_block()))
        return data
    path = draw(st.sampled_from(_paths(data)))
    parent, last = _parent(data, path), path[-1]
    if op == "replace":
        parent[last] = draw(json_values())
    elif op == "delete":
        del parent[last]
    elif op == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    elif op == "duplicate":
        parent[draw(keys())] = copy.deepcopy(parent[last])
    elif op == "rename" and isinstance(parent, dict):
        parent[draw(keys())] = parent.pop(last)
    else:
        parent[last] = draw(st.sampled_from([[parent[last]], {draw(keys()): parent[last]}]))
    return data


@st.composite
def mutated_documents(draw: st.DrawFn, bases: st.SearchStrategy[Document]) -> Document:
    doc = draw(bases)
    data = doc.data
    for _ in range(draw(st.integers(1, 3))):
        data = draw(mutate(data))
    return Document(data, doc.file, doc.text, doc.values, doc.keys)


def random_valid_documents() -> st.SearchStrategy[Document]:
    return spec_documents().map(lambda data: Document(data, "<random>"))


@settings(max_examples=examples(0.8))
@given(mutated_documents(st.sampled_from(builtin_documents())))
def test_mutated_builtin_documents(doc):
    compile_and_analyze(doc)


@settings(max_examples=examples(1.5))
@given(mutated_documents(random_valid_documents()))
def test_mutated_random_documents(doc):
    compile_and_analyze(doc)


# --- text mutations ----------------------------------------------------------------------

SIGNIFICANT = list("[]{}:,-&*!|>'\"#%@`\t\n =$/.xekscg0123456789+") + [
    "\r\n",
    "\ufeff",
    "\x00",
    "\x07",
    "\x85",
    "\u2028",
    "\u00e9",
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "<<: ",
    "---\n",
    "...\n",
    "? ",
    "  ",
    "\n  ",
    "{a=",
    "|",
    "9" * 120,
    "1e999",
    ".nan",
]


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "line", "swap"]))
        at = draw(st.integers(0, len(text)))
        if op == "insert":
            text = text[:at] + draw(st.sampled_from(SIGNIFICANT)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif op == "replace":
            text = text[:at] + draw(st.text(max_size=5)) + text[at + 1 :]
        else:
            lines = text.split("\n")
            i, j = (draw(st.integers(0, len(lines) - 1)) for _ in range(2))
            if op == "line":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


@st.composite
def mutated_builtin_texts(draw: st.DrawFn, suffix: str) -> tuple[str, str]:
    name, text = draw(st.sampled_from([t for t in builtin_texts() if t[0].endswith(suffix)]))
    return name, draw(mutated_text(text))


@settings(max_examples=examples(1.0))
@given(mutated_builtin_texts(".yaml"))
def test_mutated_yaml_texts(named):
    parse_and_compile(named[1], named[0])


@settings(max_examples=examples(1.0))
@given(mutated_builtin_texts(".arch"))
def test_mutated_arch_texts(named):
    parse_and_compile(named[1], named[0])


# --- random text and bytes ---------------------------------------------------------------

TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(SIGNIFICANT + ["model t", "input", "stages", "conv", "c8"])).map(
        "".join
    ),
)


@settings(max_examples=examples(0.6))
@given(TEXTS, st.sampled_from(["random.yaml", "random.arch"]))
def test_random_text(text, file):
    parse_and_compile(text, file)


@settings(max_examples=examples(0.3))
@given(st.binary(max_size=300), st.sampled_from([".yaml", ".arch"]))
def test_random_bytes(data, suffix):
    handle, path = tempfile.mkstemp(suffix=suffix)
    try:
        os.write(handle, data)
        os.close(handle)
        try:
            doc = load_document(path)
        except SpecError as error:
            check_error(error, path)
            return
        compile_and_analyze(doc)
    finally:
        Path(path).unlink()


# --- overrides ---------------------------------------------------------------------------

OVERRIDE_NAMES = ["width", "depth", "classes", "input", "dropout", "c2", "nope", "", "w idth"]


@st.composite
def set_texts(draw: st.DrawFn) -> str:
    name = draw(st.one_of(st.sampled_from(OVERRIDE_NAMES), st.text(max_size=8)))
    value = draw(
        st.one_of(
            st.sampled_from(["0", "-1", "0.5", "0.75", "2.0", "1e999", "nan", "true", "224"]),
            st.sampled_from(["160", "192x192", "32x32x0", "0x0", "99999", "1x1x1", "9" * 300]),
            st.text(max_size=12),
            st.integers().map(str),
            st.floats().map(str),
        )
    )
    return f"{name}={value}" if draw(st.booleans()) or not name else name + value


@settings(max_examples=examples(0.6))
@given(st.sampled_from(builtin_names()), st.lists(set_texts(), max_size=3))
def test_random_set_overrides(spec, texts):
    try:
        overrides = [parse_override(text) for text in texts]
        graph = compile_spec(spec, overrides)
    except SpecError as error:
        if error.location is None:
            assert error.message.startswith("--set"), error.message
            assert len(error.message) <= MAX_MESSAGE
        else:
            check_error(error, error.location.file)
        return
    analyze(graph)


@settings(max_examples=examples(0.3))
@given(
    st.sampled_from(builtin_names()),
    st.dictionaries(
        st.sampled_from(OVERRIDE_NAMES),
        st.one_of(json_values(), st.floats(), st.sampled_from([float("nan"), float("inf")])),
        max_size=3,
    ),
)
def test_random_api_override_values(spec, values):
    """archdsl.load(spec, **values) passes any Python object as an override."""
    overrides = [Override(name, value, f"{name}={value}") for name, value in values.items()]
    try:
        compile_spec(spec, overrides)
    except SpecError as error:
        if error.location is not None:
            check_error(error, error.location.file)
