"""The compiled fast path (jsonschema-rs) accepts exactly the documents jsonschema accepts.

``check_schema`` asks jsonschema-rs first and runs jsonschema, which words every message,
only when the answer is "not valid". A document the fast path wrongly accepted would skip
a check; one it wrongly rejected would only be slow. Both must never happen: each
document here is checked by both, as written and, when that passes, with its params
substituted (the second pass of ``check_document``, with the corpus file's --set values).

Documents: every file of the bad-input corpora (tests/bad_inputs, tests/dsl_bad) that
parses, the built-in specs, and the fuzz strategies of tests/test_fuzz.py (mutated
built-in and random documents). The fuzz part takes about 10 s with the ``ci`` profile.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from archdsl.errors import SpecError
from archdsl.spec import schema as schema_module
from archdsl.spec.document import Document
from archdsl.spec.params import apply_params, parse_override
from archdsl.spec.source import load_document
from tests import test_fuzz as fuzz
from tests.helpers import ROOT
from tests.test_bad_inputs import SUFFIXES, read_entry

CORPUS = sorted(
    path
    for folder in (ROOT / "tests" / "bad_inputs", ROOT / "tests" / "dsl_bad", ROOT / "specs")
    for path in folder.iterdir()
    if path.suffix in SUFFIXES
)


def fast(data: Any) -> bool:
    return schema_module._is_valid()(data)


def slow(data: Any) -> bool:
    return schema_module._validator().is_valid(data)


def agree(doc: Document, sets: tuple[str, ...] = ()) -> list[bool]:
    """Compare both validators on ``doc`` and on its resolved form; return the verdicts."""
    verdict = slow(doc.data)
    assert fast(doc.data) == verdict, f"{doc.file}: jsonschema says {verdict}"
    verdicts = [verdict]
    if verdict:
        try:
            resolved, _ = apply_params(doc, tuple(parse_override(text) for text in sets))
        except SpecError:
            return verdicts
        verdict = slow(resolved.data)
        assert fast(resolved.data) == verdict, f"{doc.file} resolved: jsonschema says {verdict}"
        verdicts.append(verdict)
    return verdicts


def _sets(path: Path) -> tuple[str, ...]:
    """The --set values a bad-input corpus file is run with."""
    if path.parent.name != "bad_inputs":
        return ()
    args = read_entry(path).args
    return tuple(args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--set")


def test_corpus_and_builtin_specs_get_the_same_verdict():
    verdicts = []
    for path in CORPUS:
        try:
            doc = load_document(str(path))
        except SpecError:
            continue  # the front end rejects it: no document reaches the schema
        verdicts += agree(doc, _sets(path))
    # Both outcomes occur many times, so the comparison cannot pass by saying one thing.
    assert verdicts.count(True) >= 100, verdicts.count(True)
    assert verdicts.count(False) >= 100, verdicts.count(False)


@pytest.mark.parametrize(
    "data",
    [
        {"archdsl": 1.0},  # 1.0 is an integer in JSON Schema
        {"archdsl": 1, "name": "a\n"},  # ECMA '$' does not match before a final newline
        {"archdsl": 1, "name": "\udc80"},  # jsonschema-rs cannot take a lone surrogate
        {"archdsl": 1, "input": [10**30, 10**30, 3]},  # beyond 64 bits
        {"archdsl": 1, "input": [224.0, 224, 3]},
    ],
)
def test_values_where_implementations_differ(data):
    valid = load_document("mnasnet_a1").data
    document = {**valid, **data}
    assert fast(document) == slow(document)


@settings(max_examples=fuzz.examples(0.5))
@given(fuzz.mutated_documents(fuzz.st.sampled_from(fuzz.builtin_documents())))
def test_mutated_builtin_documents(doc):
    agree(doc)


@settings(max_examples=fuzz.examples(0.5))
@given(fuzz.mutated_documents(fuzz.random_valid_documents()))
def test_mutated_random_documents(doc):
    agree(doc)


@settings(max_examples=fuzz.examples(0.2))
@given(fuzz.random_valid_documents())
def test_random_valid_documents(doc):
    assert agree(doc) == [True, True]


# --- what a command imports ------------------------------------------------------------

PROBE = """
import sys
from archdsl.cli import main
code = main(sys.argv[1:])
slow = [m for m in ('jsonschema', 'importlib.resources', 'importlib.abc', 'tempfile', 'lark')
        if m in sys.modules]
print('SLOW:' + ','.join(slow), file=sys.stderr)
sys.exit(code)
"""


def _probe(*args: str) -> tuple[int, str]:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False
    )
    return result.returncode, result.stderr


def test_summary_of_a_valid_spec_imports_only_what_it_needs():
    """jsonschema (~100 ms to import) only words errors; a valid YAML spec needs no Lark."""
    code, stderr = _probe("summary", "mnasnet_a1")
    assert code == 0, stderr
    assert stderr.endswith("SLOW:\n"), stderr


def test_an_invalid_spec_is_worded_by_jsonschema(tmp_path):
    spec = tmp_path / "bad.yaml"
    text = load_document("mnasnet_a1").text.replace("input: [224, 224, 3]", "input: [224, 224]")
    assert text != load_document("mnasnet_a1").text
    spec.write_text(text)
    code, stderr = _probe("validate", str(spec))
    assert code == 1
    assert stderr.splitlines()[0] == f"{spec}:6:8: error: 'input' too short", stderr
    assert "SLOW:jsonschema" in stderr, stderr


def test_a_command_imports_no_other_command():
    """The parser describes only the command given: summary never imports build or train."""
    code = (
        "import sys\n"
        "from archdsl.cli import main\n"
        "main(['summary', 'mnasnet_a1'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('archdsl.commands.')), file=sys.stderr)"
    )
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == str(
        ["archdsl.commands.common", "archdsl.commands.summary"]
    )


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_command_parses_alone_as_among_all():
    """COMMANDS names each command as its module registers it; alone, its help is the same."""
    from archdsl.cli import COMMANDS, make_parser

    every = _subcommands(make_parser())
    assert list(every) == list(COMMANDS)
    for name in COMMANDS:
        alone = _subcommands(make_parser(name))
        assert list(alone) == [name]
        assert alone[name].format_help() == every[name].format_help()
