"""The DSL's parser is generated from grammar.lark and checked in: it must not go stale."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AnyStr, Generic

import pytest

from archdsl.spec import dsl_parser, generate_parser
from tests.helpers import ROOT, modules_after_cli

REGENERATE = (
    "import zlib\nfrom archdsl.spec.generate_parser import generate\n"
    "print(zlib.crc32(generate().encode('utf-8')))"
)


@pytest.mark.parametrize("seed", ["1", "2"])
def test_regenerating_the_parser_changes_nothing(seed: str):
    """Edit grammar.lark, then run `make parser`: the checked-in file is exactly its output.

    Lark numbers the LALR states by sets of objects, differently from run to run and seed to
    seed; generate_parser renumbers them, so every run gives this one file.
    """
    checked_in = Path(generate_parser.TARGET).read_bytes()
    result = subprocess.run(
        [sys.executable, "-c", REGENERATE],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": seed},
    )
    assert int(result.stdout) == zlib.crc32(checked_in)


def test_parsing_a_spec_never_imports_lark():
    code = (
        "import sys\nfrom archdsl.spec.dsl_front import parse_dsl\n"
        "parse_dsl('model m\\ninput 224\\nstages conv c8 k3 s2\\n', 'm.arch')\n"
        "print('lark' in sys.modules, 'archdsl.spec.dsl_parser' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]


# Every .arch text in the repository, and each cut short at a few places (syntax errors of
# many kinds: unexpected end, token or character).
ARCH_FILES = sorted(
    path
    for folder in ("specs", "specs/spaces", "tests/dsl_bad", "tests/bad_inputs")
    for path in (ROOT / folder).glob("*.arch")
)


def _texts() -> list[str]:
    texts = []
    for path in ARCH_FILES:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        texts += [text] + [text[: len(text) * k // 7] for k in range(1, 7)]
    return texts


def _outcome(parser: Any, text: str) -> Any:
    """What parsing ``text`` gives, as plain data: the tree with every token's type, text
    and position, or the error's kind, position and what was expected there."""
    try:
        return _plain(parser.parse(text))
    except Exception as error:  # both parsers' own exception classes
        return (
            type(error).__name__,
            getattr(error, "line", None),
            getattr(error, "column", None),
            getattr(error, "pos_in_stream", None),
            sorted(getattr(error, "expected", None) or getattr(error, "allowed", None) or ()),
            _plain(getattr(error, "token", None)),
        )


def _plain(node: Any) -> Any:
    if hasattr(node, "children"):
        return (node.data, [_plain(child) for child in node.children])
    if node is None:
        return None
    return (node.type, str(node), node.line, node.column, node.end_line, node.end_column)


def test_the_generated_parser_parses_and_fails_exactly_as_lark():
    """The file's edits to Lark's code (generate_parser.EDITS: one regex per terminal in the
    lexer, modules imported where used) change nothing it parses or reports."""
    from lark import Lark

    with open(generate_parser.GRAMMAR, encoding="utf-8") as file:
        lark = Lark(file.read(), parser="lalr", lexer="contextual", maybe_placeholders=False)
    ours = dsl_parser.Lark_StandAlone()
    outcomes = [(_outcome(lark, text), _outcome(ours, text)) for text in _texts()]
    assert [theirs for theirs, _ in outcomes] == [mine for _, mine in outcomes]
    # Both trees and errors of each kind are compared, many times.
    kinds = Counter(
        o[0] if isinstance(o[0], str) and o[0][0].isupper() else "tree" for o, _ in outcomes
    )
    assert kinds["tree"] >= 200
    assert kinds["UnexpectedToken"] >= 500 and kinds["UnexpectedCharacters"] >= 30


@dataclass(frozen=True)
class _LarksTextSlice(Generic[AnyStr]):
    """TextSlice as Lark writes it: a frozen dataclass (dsl_parser writes it out)."""

    text: AnyStr
    start: int
    end: int

    def __post_init__(self) -> None:
        dsl_parser.TextSlice.__post_init__(self)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "args", [("abcdef", 0, None), ("abcdef", 2, 4), ("abcdef", -3, -1), (b"xyz", 1, None)]
)
def test_text_slice_is_the_frozen_dataclass_lark_declares(args: tuple[Any, ...]):
    ours, lark = dsl_parser.TextSlice(*args), _LarksTextSlice(*args)
    assert (ours.text, ours.start, ours.end) == (lark.text, lark.start, lark.end)
    assert repr(ours) == repr(lark).replace("_LarksTextSlice", "TextSlice")
    assert hash(ours) == hash(lark)
    assert ours == dsl_parser.TextSlice(*args) and ours != lark
    assert type(ours).__match_args__ == type(lark).__match_args__
    assert len(ours) == lark.end - lark.start
    assert ours.is_complete_text() == (args[1:] == (0, None))
    for change in (lambda: setattr(ours, "start", 0), lambda: delattr(ours, "end")):
        with pytest.raises(AttributeError):
            change()
    with pytest.raises(TypeError):
        dsl_parser.TextSlice(["not text"], 0, 1)


def test_a_first_run_of_validate_imports_none_of_what_parsing_does_not_use():
    """Lark's code imports dataclasses, inspect, pickle and logging; parsing uses none of
    them (generate_parser.EDITS), and each costs a first run milliseconds."""
    result, imported = modules_after_cli(
        ["validate", str(ROOT / "specs" / "mnasnet_a1.arch")],
        ("dataclasses", "inspect", "pickle", "logging"),
        env={**os.environ, "ARCHDSL_NO_CACHE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert imported == []
