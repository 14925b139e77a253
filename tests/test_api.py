"""The Python API as a notebook user meets it: paths, tuples, dicts, errors and printing."""

from __future__ import annotations

import pathlib

import pytest
import yaml

import archdsl
from tests.helpers import ROOT


def test_load_takes_a_path_and_an_input_tuple():
    graph = archdsl.load(pathlib.Path(ROOT / "specs" / "mnasnet_a1.yaml"), input=(96, 96, 3))
    assert graph.input_shape == (96, 96, 3)
    assert archdsl.load("mnasnet_a1", input=(128, 96)).input_shape == (128, 96, 3)
    assert archdsl.load("mnasnet_a1", input=[64, 64, 1]).input_shape == (64, 64, 1)


def test_api_errors_quote_the_call_not_the_command_line():
    with pytest.raises(archdsl.SpecError) as error:
        archdsl.load("mobilenet_v2", clases=10)
    assert "load(clases=10): the spec has no param 'clases'; did you mean 'classes'?" in str(
        error.value
    )
    with pytest.raises(archdsl.SpecError) as error:
        archdsl.load("mobilenet_v2", width=0)
    assert "(set by load(width=0))" in str(error.value)
    with pytest.raises(archdsl.SpecError) as error:
        archdsl.load("mobilenet_v2", input=(96, 96, 0))
    assert "(from load(input=(96, 96, 0)))" in str(error.value)
    assert "--set" not in str(error.value)


def test_a_dict_document_compiles_like_its_file():
    data = yaml.safe_load((ROOT / "specs" / "mobilenet_v1.yaml").read_text())
    from_dict = archdsl.analyze(archdsl.load(data))
    from_file = archdsl.analyze(archdsl.load("mobilenet_v1"))
    assert from_dict.total == from_file.total
    assert from_dict.total.params == 4_253_864
    data["stages"][2]["sepconv"]["kernel"] = 0
    with pytest.raises(archdsl.SpecError) as error:
        archdsl.load(data)
    lines = str(error.value).splitlines()
    assert lines[0].startswith("<dict>:") and "sepconv kernel must be at least 1; got 0" in lines[0]
    assert lines[1].strip() == "kernel: 0" and lines[2].strip() == "^"
    with pytest.raises(archdsl.SpecError, match="holds a value of type object; a spec holds only"):
        archdsl.load({"archdsl": 1, "name": "x", "input": [8, 8, 3], "stages": [object()]})


def test_print_report_is_the_summary_table():
    report = archdsl.analyze(archdsl.load("mnasnet_a1"))
    text = str(report)
    assert text == report.table("block")
    assert text.splitlines()[0] == "mnasnet_a1: MnasNet-A1 (Tan et al., 2019)"
    assert any(line.startswith("Params") and "3,920,526" in line for line in text.splitlines())
    assert "s3_b1_expand_bn" in report.table("layer") and "s3_b1_expand_bn" not in text
    with pytest.raises(ValueError, match="level is 'block' or 'layer'"):
        report.table("stage")
