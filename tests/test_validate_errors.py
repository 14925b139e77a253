"""`archdsl validate` points at the mistake: one FILE:LINE:COL message, exit 1."""

from __future__ import annotations

import re

import pytest

from tests.helpers import run_cli

BASE = """archdsl: 1
name: tiny
input: [32, 32, 3]
params: {classes: 10, drop: 0.2}
stem:
  - conv: {filters: 16, kernel: 3, stride: 2}
stages:
{stages}
head:
  - global_pool: avg
  - dropout: $drop
  - dense: {units: $classes}
"""

GOOD_STAGES = "  - mbconv: {expansion: 6, kernel: 3, stride: 2, filters: 24, repeats: 2}"

# (case, stages text, line, column, message fragment); stages start on line 8.
CASES = [
    (
        "wrong type",
        "  - mbconv: {expansion: 6, kernel: three, filters: 24}",
        8,
        36,
        "mbconv kernel must be an integer, not a string",
    ),
    (
        "unknown block",
        "  - mbcnov: {expansion: 6, filters: 24}",
        8,
        5,
        "unknown block type 'mbcnov'; did you mean 'mbconv'?",
    ),
    (
        "misspelled key",
        "  - mbconv: {expansion: 6, kernal: 3, filters: 24}",
        8,
        28,
        "unknown key 'kernal' in mbconv; did you mean 'kernel'?",
    ),
    (
        "stride 0",
        "  - mbconv: {expansion: 6, stride: 0, filters: 24}",
        8,
        36,
        "mbconv stride must be at least 1; got 0",
    ),
    (
        "spatial size 0",
        "  - pool: {kind: max, size: 32, padding: valid}",
        8,
        5,
        "spatial size reaches 0",
    ),
    (
        "unknown $name",
        "  - mbconv: {expansion: $expand, filters: 24}",
        8,
        25,
        "unknown parameter '$expand'",
    ),
    ("missing filters", "  - mbconv: {expansion: 6}", 8, 5, "mbconv needs 'filters'"),
    (
        "shuffle split",
        "  - shuffle: {filters: 24, stride: 2}\n  - shuffle: {filters: 30, stride: 1}",
        9,
        24,
        "a stride-1 shuffle unit keeps its channels",
    ),
    (
        "residual",
        "  - mbconv: {expansion: 6, stride: 2, filters: 24, skip: true}",
        8,
        58,
        "a residual needs stride 1 and equal channels",
    ),
    (
        "bad enum",
        "  - mbconv: {expansion: 6, filters: 24, activation: gelu}",
        8,
        53,
        "must be one of 'relu', 'relu6'",
    ),
]


@pytest.mark.parametrize(
    ("stages", "line", "col", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_located_error(tmp_path, stages, line, col, fragment):
    spec = tmp_path / "bad.yaml"
    spec.write_text(BASE.replace("{stages}", stages))
    result = run_cli("validate", str(spec))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    match = re.match(r"^(.+):(\d+):(\d+): error: (.+)$", lines[0])
    assert match, lines[0]
    assert match.group(1) == str(spec)
    assert (int(match.group(2)), int(match.group(3))) == (line, col), lines[0]
    assert fragment in match.group(4)


def test_good_spec_validates(tmp_path):
    spec = tmp_path / "good.yaml"
    spec.write_text(BASE.replace("{stages}", GOOD_STAGES))
    result = run_cli("validate", str(spec))
    assert result.returncode == 0, result.stderr
    assert "ok (tiny" in result.stdout


def test_set_out_of_range_points_at_the_use(tmp_path):
    spec = tmp_path / "good.yaml"
    spec.write_text(BASE.replace("{stages}", GOOD_STAGES))
    result = run_cli("validate", str(spec), "--set", "drop=1.5")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{spec}:11:14: error: ")
    assert "set by --set drop=1.5" in result.stderr


def test_set_unknown_param_lists_the_known_ones(tmp_path):
    result = run_cli("summary", "mnasnet_a1", "--set", "widht=0.5")
    assert result.returncode == 1
    assert "no param 'widht'" in result.stderr and "width" in result.stderr


def test_unknown_builtin_suggests_a_name():
    result = run_cli("summary", "mnasnet_a2")
    assert result.returncode == 1
    assert "did you mean 'mnasnet_a1'?" in result.stderr


def test_validate_reports_every_bad_file_and_fails(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(BASE.replace("{stages}", GOOD_STAGES))
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("{stages}", CASES[0][1]))
    result = run_cli("validate", str(bad), str(good))
    assert result.returncode == 1
    assert result.stderr.count("error:") == 1
    assert f"{good}: ok" in result.stdout
