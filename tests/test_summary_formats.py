"""`archdsl summary` in each format and level, and its overrides."""

from __future__ import annotations

import csv
import io
import json

from tests.helpers import run_cli


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
