"""Search spaces in the .arch DSL: the paper's table as text, the same space as the YAML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archdsl.errors import SpecError
from archdsl.space.count import count_space
from archdsl.space.load import load_space
from archdsl.space.space import read_space
from archdsl.spec import convert
from archdsl.spec.dsl_front import parse_dsl
from archdsl.spec.source import load_document
from tests.helpers import ROOT, run_cli
from tests.test_space import SEARCHED

SPACES = ROOT / "specs" / "spaces"
MNASNET_YAML = str(SPACES / "mnasnet.yaml")
MNASNET_ARCH = str(SPACES / "mnasnet.arch")

SMALL = """\
model tiny
input 32x32x3
ops conv conv
    mb3  mbconv e3
stem   conv  c8 k3 s2
stages block op={conv|mb3} c16x{0.5|1.0} k{3|5} s2 x2+{-1|0|+1} se{0|0.25}
       mbconv c16 KNOB e6
head   global_pool avg | dense 10
"""


def test_mnasnet_arch_and_yaml_are_the_same_space():
    arch, yaml = load_space(MNASNET_ARCH), load_space(MNASNET_YAML)
    assert arch.doc.data == yaml.doc.data
    assert arch.fingerprint == yaml.fingerprint
    assert [(c.name, c.options, c.labels) for c in arch.choices] == [
        (c.name, c.options, c.labels) for c in yaml.choices
    ]
    assert count_space(arch) == count_space(yaml)
    assert count_space(arch).paper == 432**4 * 576


def test_space_command_reads_the_arch_twin():
    arch = run_cli("space", MNASNET_ARCH, "--format", "json")
    yaml = run_cli("space", MNASNET_YAML, "--format", "json")
    assert arch.returncode == 0, arch.stderr
    arch_record, yaml_record = json.loads(arch.stdout), json.loads(yaml.stdout)
    assert arch_record.pop("file") != yaml_record.pop("file")
    assert arch_record == yaml_record
    assert [b["paper"] for b in arch_record["blocks"]] == [432, 432, 432, 576, 432]


def test_the_dsl_choices_are_the_yaml_forms():
    doc = parse_dsl(SMALL.replace("KNOB", "k{3|5}"), "tiny.arch")
    block = doc.data["stages"][0]["block"]
    assert block == {
        "op": {"choice": ["conv", "mb3"]},
        "filters": {"of": 16, "times": [0.5, 1.0]},
        "kernel": {"choice": [3, 5]},
        "stride": 2,
        "repeats": {"of": 2, "plus": [-1, 0, 1]},
        "se": {"choice": [0, 0.25]},
    }
    assert doc.data["ops"] == {"conv": {"conv": {}}, "mb3": {"mbconv": {"expansion": 3}}}
    assert doc.data["stages"][1]["mbconv"]["kernel"] == {"choice": [3, 5]}
    # each option is located where it is written: x2+{-1|0|+1}'s +1 at column 61
    assert str(doc.locate(("stages", 0, "block", "repeats", "plus", 2))) == "tiny.arch:6:61"
    assert str(doc.locate(("stages", 0, "block", "filters", "of"))) == "tiny.arch:6:29"


@pytest.mark.parametrize("path", [MNASNET_YAML, MNASNET_ARCH])
def test_fmt_round_trips_the_space_through_both_spellings(tmp_path, path):
    doc = load_document(path)
    other = "yaml" if path.endswith(".arch") else "arch"
    text = convert.write(doc, other)
    again = convert.parse(text, str(tmp_path / f"space.{other}"))
    assert again.data == doc.data
    back = convert.parse(convert.write(again, convert.format_of(path)), path)
    assert back.data == doc.data
    assert read_space(back).fingerprint == read_space(doc).fingerprint


def test_the_arch_space_is_in_canonical_form():
    result = run_cli("fmt", MNASNET_ARCH)
    assert result.returncode == 0, result.stderr
    assert result.stdout == Path(MNASNET_ARCH).read_text()


def test_fmt_converts_a_searched_yaml_space_and_keeps_its_comments(tmp_path):
    path = tmp_path / "searched.yaml"
    mb3 = "  mb3: {mbconv: {expansion: 3}}"
    path.write_text(SEARCHED.replace(mb3, f"{mb3}  # MB3"))
    result = run_cli("fmt", str(path), "--to", "arch")
    assert result.returncode == 0, result.stderr
    assert "    mb3  mbconv e3  # MB3\n" in result.stdout
    assert "block op={conv|mb3} c16x{0.5|1.0} k{3|5} s2 x2+{-1|0|+1} se{0|0.25}" in result.stdout
    assert "block op={mb3|conv} c24x{1.0|2.0}        s1" in result.stdout


@pytest.mark.parametrize(
    ("knob", "at", "message"),
    [
        ("k{3|big}", "big", "mbconv kernel must be an integer"),
        ("k{3|3}", "3}", "s2.kernel: option 3 is listed twice"),
        ("x2+{-1|0.5}", "0.5", "s2.repeats: a 'plus' option must be an integer"),
        ("x1+{-1|0}", "-1", "s2.repeats: 1 -1 leaves 0 layers"),
        ("k3x{1|2}", "1|", "s2.kernel: 'times' choices are for filters only"),
        ("k{}", "}", "unexpected '}'; expected"),
        ("k{3 5}", "5", "unexpected '5'; expected"),
    ],
)
def test_bad_dsl_choices_are_located(tmp_path, knob, at, message):
    path = tmp_path / "tiny.arch"
    path.write_text(SMALL.replace("KNOB", knob))
    line = SMALL.splitlines()[6].replace("KNOB", knob)
    column = line.index(at, line.index(knob)) + 1
    with pytest.raises(SpecError) as caught:
        load_space(str(path))
    assert str(caught.value).startswith(f"{path}:7:{column}: error: {message}"), caught.value


def test_an_unknown_op_and_a_second_ops_statement_are_located(tmp_path):
    path = tmp_path / "tiny.arch"
    path.write_text(SMALL.replace("KNOB", "k3").replace("op={conv|mb3}", "op={conv|dw}"))
    with pytest.raises(SpecError, match=r"tiny.arch:6:23: error: s1: no op named 'dw'"):
        load_space(str(path))
    path.write_text(SMALL.replace("KNOB", "k3") + "ops dw dwconv\n")
    with pytest.raises(SpecError, match=r"tiny.arch:9:1: error: second 'ops' statement"):
        load_space(str(path))
    path.write_text(SMALL.replace("KNOB", "k3").replace("    mb3 ", "    conv"))
    with pytest.raises(SpecError, match=r"tiny.arch:4:5: error: op 'conv' given twice"):
        load_space(str(path))


@pytest.mark.parametrize(
    ("path", "where"),
    [(MNASNET_ARCH, "mnasnet.arch:37:1"), (MNASNET_YAML, "mnasnet.yaml:36:1")],
)
def test_spec_commands_say_a_space_is_not_a_spec(path, where):
    result = run_cli("validate", path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path[: -len(where.split(':')[0])]}{where}: error:")
    assert "this is a search space (an ops table here), not a spec: read it with archdsl space" in (
        result.stderr
    )
