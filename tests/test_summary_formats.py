"""`archdsl summary` in each format and level, and its overrides."""

from __future__ import annotations

import csv
import io
import json
import os
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from archdsl.report.table import _wrap
from tests.helpers import ROOT, modules_after_cli, run_cli


def test_table_fits_100_columns_and_shows_totals():
    result = run_cli("summary", "mnasnet_a1")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "stage 3 total" in result.stdout
    assert any(line.startswith("Params") and "3,920,526" in line for line in lines)
    assert any("trainable" in line and "3,887,038" in line for line in lines)
    assert any(line.startswith("MACs") and "311.58 M" in line for line in lines)


def test_layer_level_lists_every_layer():
    report = json.loads(run_cli("summary", "mobilenet_v2", "--format", "json").stdout)
    table = run_cli("summary", "mobilenet_v2", "--level", "layer").stdout
    for layer in report["layers"]:
        assert f"\n{layer['name']} " in table


def test_csv_rows_add_up():
    text = run_cli("summary", "shufflenet_v2", "--format", "csv", "--level", "layer").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sum(int(row["params"]) for row in rows) == 2_294_784
    assert rows[-1]["output_shape"] == "1000"


def test_markdown_table():
    text = run_cli("summary", "mobilenet_v1", "--format", "markdown").stdout
    assert text.startswith("## mobilenet_v1")
    assert "| params | 4,253,864" in text.replace("| Params |", "| params |")


def test_input_and_classes_overrides():
    report = json.loads(
        run_cli(
            "summary", "mnasnet_a1", "--set", "input=160", "--set", "classes=17", "--format", "json"
        ).stdout
    )
    assert report["input_shape"] == [160, 160, 3]
    assert report["output_shape"] == [17]
    assert report["blocks"][-1]["output_shape"] == [17]
    stage7 = [b for b in report["blocks"] if b["stage"] == "s7"][0]
    assert stage7["output_shape"] == [5, 5, 320]


def test_help_has_examples_and_conventions():
    text = run_cli("summary", "--help").stdout
    assert "examples:" in text and "BatchNorm holds 4 numbers per channel" in text


@settings(max_examples=300)
@given(st.text(alphabet=" \t\n\xa0-ab" + "x" * 5, max_size=120), st.sampled_from([10, 40, 100]))
def test_the_header_line_wraps_as_textwrap_does(text: str, width: int) -> None:
    """table._wrap skips importing textwrap for a line textwrap would leave as it is."""
    assert _wrap(text, width) == textwrap.wrap(text, width, subsequent_indent="  ")


def test_a_first_run_summary_imports_no_textwrap_nor_archdsl_space() -> None:
    result, imported = modules_after_cli(
        ["summary", str(ROOT / "specs" / "mnasnet_a1.yaml")],
        ("textwrap", "archdsl.space"),
        env={**os.environ, "ARCHDSL_NO_CACHE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert imported == []
