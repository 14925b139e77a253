"""The .arch DSL: same documents as YAML, located values, readable syntax errors, speed."""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archdsl.cli import main
from archdsl.compile import compile_spec
from archdsl.errors import SpecError
from archdsl.spec.dsl_front import parse_dsl, parser
from archdsl.spec.dsl_writer import write_dsl
from archdsl.spec.input_shape import expand_input
from archdsl.spec.schema import _validator, schema
from archdsl.spec.source import load_document
from archdsl.spec.yaml_front import parse_yaml
from archdsl.spec.yaml_writer import write_yaml
from tests.helpers import ROOT, run_cli

SPECS = sorted(Path(p).stem for p in glob.glob(str(ROOT / "specs" / "*.yaml")))
BAD = sorted(glob.glob(str(ROOT / "tests" / "dsl_bad" / "*.arch")))
EXPECT = re.compile(r"# expect: (\d+):(\d+): (.*)")


def tagged(value: Any) -> Any:
    """``value`` with every scalar's type made explicit, so 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return {key: tagged(item) for key, item in value.items()}
    if isinstance(value, list):
        return [tagged(item) for item in value]
    return (type(value).__name__, value)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += paths(item, (*prefix, i))
    return found


# The twins in specs/.


@pytest.mark.parametrize("name", SPECS)
def test_twin_is_the_same_document(name: str) -> None:
    yaml_doc = load_document(str(ROOT / "specs" / f"{name}.yaml"))
    arch_doc = load_document(str(ROOT / "specs" / f"{name}.arch"))
    assert tagged(arch_doc.data) == tagged(yaml_doc.data)


@pytest.mark.parametrize("name", SPECS)
def test_every_value_and_key_is_located(name: str) -> None:
    path = ROOT / "specs" / f"{name}.arch"
    doc = load_document(str(path))
    lines = path.read_text().splitlines()
    for where in paths(doc.data):
        assert where in doc.values, where
        if where and isinstance(where[-1], str):
            assert where in doc.keys, where
            key = doc.keys[where]
            assert 1 <= key.col <= len(lines[key.line - 1]), where


def test_locations_point_at_the_text() -> None:
    text = 'model m "T"\ninput 32x32x3\nstages mbconv c16 k3 e72/16 act=relu bn={epsilon=0.01}\n'
    doc = parse_dsl(text, "m.arch")
    at = {path: (loc.line, loc.col) for path, loc in doc.values.items()}
    knobs = ("stages", 0, "mbconv")
    assert at[(*knobs, "filters")] == (3, 16)  # after the 'c' of c16
    assert doc.keys[(*knobs, "filters")].col == 15
    assert at[(*knobs, "expansion")] == (3, 23)
    assert at[(*knobs, "activation")] == (3, 33)
    assert at[(*knobs, "bn", "epsilon")] == (3, 50)
    assert at[("input", 2)] == (2, 13)
    assert doc.data["stages"][0]["mbconv"]["expansion"] == "72/16"


def test_summary_json_of_yaml_and_arch_twin_are_identical(capsys: pytest.CaptureFixture) -> None:
    for name in SPECS:
        outputs = []
        for suffix in ("yaml", "arch"):
            assert (
                main(["summary", str(ROOT / "specs" / f"{name}.{suffix}"), "--format", "json"]) == 0
            )
            outputs.append(json.loads(capsys.readouterr().out))
        assert outputs[0] == outputs[1], name
        assert outputs[0]["layers"], name


def test_summary_json_identical_as_processes() -> None:
    yaml_run = run_cli("summary", str(ROOT / "specs" / "mnasnet_a1.yaml"), "--format", "json")
    arch_run = run_cli("summary", str(ROOT / "specs" / "mnasnet_a1.arch"), "--format", "json")
    assert yaml_run.returncode == arch_run.returncode == 0
    assert yaml_run.stdout == arch_run.stdout
    assert json.loads(arch_run.stdout)["params"]["total"] == 3920526


def test_overrides_work_on_arch_specs() -> None:
    from archdsl.spec.params import parse_override

    graph = compile_spec(str(ROOT / "specs" / "shufflenet_v2.arch"), [parse_override("width=0.5")])
    twin = compile_spec(str(ROOT / "specs" / "shufflenet_v2.yaml"), [parse_override("width=0.5")])
    assert graph == twin


# Spellings.


def test_short_keys_flags_and_forms() -> None:
    text = """model net "A \\"quoted\\" title"
input $size x $size x 3
params size=64 act=relu6 flag=true word="true" frac=72/16 neg=-1.5e-07
select width 0.5 1.0 "x y"
       c2    8   16  24
defaults act=$act nobias bn={epsilon=0.001 momentum=0.99} se0.25

stem   conv   c8 k3 s2 g1 bias nobn
stages mbconv c$c2 k5 s1 e2.5 x2 se0 noskip
       shuffle c16 g2 skip_me=1
head   global_pool keepdims | dense $size | flatten null | pool max | rescale -1 | activation "keepdims"
"""
    data = parse_dsl(text, "x.arch").data
    assert data["title"] == 'A "quoted" title'
    assert data["input"] == ["$size", "$size", 3]
    assert tagged(data["params"]) == tagged(
        {
            "size": 64,
            "act": "relu6",
            "flag": True,
            "word": "true",
            "frac": "72/16",
            "neg": -1.5e-07,
            "c2": {"select": "width", "cases": {"0.5": 8, "1.0": 16, "x y": 24}},
        }
    )
    assert tagged(data["defaults"]) == tagged(
        {
            "activation": "$act",
            "bias": False,
            "bn": {"epsilon": 0.001, "momentum": 0.99},
            "se": 0.25,
        }
    )
    assert data["stem"] == [
        {"conv": {"filters": 8, "kernel": 3, "stride": 2, "groups": 1, "bias": True, "bn": False}}
    ]
    assert tagged(data["stages"][0]["mbconv"]) == tagged(
        {
            "filters": "$c2",
            "kernel": 5,
            "stride": 1,
            "expansion": 2.5,
            "repeats": 2,
            "se": 0,
            "skip": False,
        }
    )
    assert data["stages"][1] == {"shuffle": {"filters": 16, "groups": 2, "skip_me": 1}}
    assert data["head"] == [
        {"global_pool": {"keepdims": True}},
        {"dense": "$size"},
        {"flatten": None},
        {"pool": "max"},
        {"rescale": -1},
        {"activation": "keepdims"},
    ]


def test_empty_sections_and_mappings_are_expressible() -> None:
    data = {"archdsl": 1, "name": "m", "input": [8, 8, 3], "params": {}, "defaults": {}}
    data |= {"stem": [], "stages": [{"flatten": {}}], "head": []}
    text = write_dsl(data)
    assert tagged(parse_dsl(text, "m.arch").data) == tagged(data)


def test_comments_and_blank_lines_are_ignored() -> None:
    text = "# top\n\nmodel m  # name\n\n# before\ninput 8x8x3\nstages conv c8  # a\n\n  # inside\n       conv c16\n# end"
    data = parse_dsl(text, "m.arch").data
    assert data["stages"] == [{"conv": {"filters": 8}}, {"conv": {"filters": 16}}]


def test_parser_is_built_once() -> None:
    assert parser() is parser()
    assert parser().options.parser == "lalr"


# Malformed inputs.


def expectation(path: str) -> tuple[int, int, str]:
    match = EXPECT.match(Path(path).read_text().splitlines()[0])
    assert match, f"{path}: first line must be '# expect: LINE:COL: message'"
    return int(match[1]), int(match[2]), match[3]


def test_enough_malformed_inputs() -> None:
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=lambda p: Path(p).stem)
def test_malformed_input_gives_one_located_message(
    path: str, capsys: pytest.CaptureFixture
) -> None:
    line, col, message = expectation(path)
    with pytest.raises(SpecError) as raised:
        compile_spec(path)
    error = raised.value
    assert (error.location.line, error.location.col) == (line, col), str(error)
    assert message in error.message
    assert main(["validate", path]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:{line}:{col}: error: ")
    assert err.count("error:") == 1
    assert "Traceback" not in err and "__ANON" not in err and "_SEP" not in err


@pytest.mark.parametrize("name", ["unknown_statement", "select_short_row", "typo_flag"])
def test_malformed_input_as_a_process(name: str) -> None:
    path = str(ROOT / "tests" / "dsl_bad" / f"{name}.arch")
    line, col, message = expectation(path)
    result = run_cli("validate", path)
    assert result.returncode == 1
    first, *rest = result.stderr.splitlines()
    assert first.startswith(f"{path}:{line}:{col}: error: ") and message in first
    assert "Traceback" not in result.stderr


def test_syntax_error_shows_the_line_and_a_caret() -> None:
    with pytest.raises(SpecError) as raised:
        parse_dsl("model m\ninput 224*224*3\n", "m.arch")
    assert str(raised.value).splitlines() == [
        "m.arch:2:10: error: unexpected character '*'; expected 'x' (as in 224x224x3) or end of line",
        "  input 224*224*3",
        "           ^",
    ]


def test_nesting_is_limited() -> None:
    from archdsl.spec.limits import Limits

    text = "model m\ninput 8x8x3\nstages conv c8 bn=" + "{a=" * 40 + "1" + "}" * 40 + "\n"
    with pytest.raises(SpecError, match="nested more than 8 levels"):
        parse_dsl(text, "m.arch", Limits(nesting=8))


# Random documents.


def _from_schema(node: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values valid for a JSON Schema node (the subset archdsl's schema uses)."""
    root = schema()
    if "$ref" in node:
        return _from_schema(root["$defs"][node["$ref"].split("/")[-1]], depth)
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "anyOf" in node:
        return st.one_of([_from_schema(branch, depth) for branch in node["anyOf"]])
    kind = node.get("type")
    if isinstance(kind, list):
        return st.one_of([_from_schema({**node, "type": k}, depth) for k in kind])
    if kind == "integer":
        low = node.get("minimum", -(10**6))
        return st.integers(low, min(node.get("maximum", 10**6), low + 1000))
    if kind == "number":
        low = node.get("minimum", node.get("exclusiveMinimum", -1e9))
        high = node.get("maximum", node.get("exclusiveMaximum", 1e9))
        floats = st.floats(
            low,
            high,
            allow_nan=False,
            exclude_min="exclusiveMinimum" in node,
            exclude_max="exclusiveMaximum" in node,
        )
        return st.one_of(floats, st.integers(int(low) + 1, max(int(high) - 1, int(low) + 1)))
    if kind == "string":
        if "pattern" in node:
            return st.from_regex(node["pattern"], fullmatch=True).filter(
                lambda s: len(s) <= node.get("maxLength", 64)
            )
        return st.text(max_size=min(node.get("maxLength", 30), 30))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = _from_schema(node["items"], depth + 1)
        low = node.get("minItems", 0)
        return st.lists(items, min_size=low, max_size=max(low, min(node.get("maxItems", 4), 4)))
    if kind == "object" or "properties" in node:
        return _object(node, depth)
    raise AssertionError(f"schema node not covered: {node}")


def _object(node: dict[str, Any], depth: int) -> st.SearchStrategy[dict]:
    props = node.get("properties", {})
    if node.get("maxProperties") == 1:  # a block: {type: knobs}
        return st.one_of(
            [_from_schema(v, depth + 1).map(lambda x, k=k: {k: x}) for k, v in props.items()]
        )
    required = node.get("required", [])
    fixed = {k: _from_schema(props[k], depth + 1) for k in required}
    optional = {k: _from_schema(v, depth + 1) for k, v in props.items() if k not in required}
    base = st.fixed_dictionaries(fixed, optional=optional)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        names = node.get("propertyNames", {}).get("pattern", r"[a-z][a-z0-9_]{0,8}")
        keys = (
            st.from_regex(names, fullmatch=True) if "propertyNames" in node else st.text(max_size=8)
        )
        more = st.dictionaries(keys, _from_schema(extra, depth + 1), max_size=3)
        return st.tuples(more, base).map(lambda pair: {**pair[0], **pair[1]})
    return base


def _input_written_out(data: dict[str, Any]) -> dict[str, Any]:
    """The document as the front ends give it: a short input (160, "160x128") as [H, W, C]."""
    shape = expand_input(data["input"])
    return data if shape is None else {**data, "input": shape}


DOCUMENTS = (
    _from_schema(schema()).map(_input_written_out).filter(lambda d: _validator().is_valid(d))
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(DOCUMENTS)
def test_random_documents_written_as_dsl_parse_back_the_same(data: dict[str, Any]) -> None:
    text = write_dsl(data)
    assert tagged(parse_dsl(text, "random.arch").data) == tagged(data), text
    assert write_dsl(parse_dsl(text, "random.arch").data) == text


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(DOCUMENTS)
def test_random_documents_written_as_yaml_parse_back_the_same(data: dict[str, Any]) -> None:
    text = write_yaml(data)
    assert tagged(parse_yaml(text, "random.yaml").data) == tagged(data), text
