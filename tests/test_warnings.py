"""Warnings: legal specs that are almost always mistakes, located, on stderr, exit 0."""

from __future__ import annotations

import warnings

import pytest

import archdsl
from archdsl.spec.source import builtin_names
from tests.helpers import run_cli

SPEC = """\
archdsl: 1
name: odd
input: [32, 32, 3]
stages:
  - conv: {filters: 8, kernel: 4, stride: 2}
  - mbconv: {expansion: 6, kernel: 3, stride: 3, filters: 16}
  - conv: {filters: 16, kernel: 3, stride: 4, repeats: 2}
  - conv: {filters: 16, kernel: 3, stride: 2}
  - conv: {filters: 16, kernel: 3, stride: 2}
head:
  - global_pool: avg
  - dense: 10
"""


def test_likely_mistakes_are_located_warnings_and_the_spec_still_validates(tmp_path):
    spec = tmp_path / "odd.yaml"
    spec.write_text(SPEC)
    run = run_cli("validate", str(spec))
    assert run.returncode == 0
    assert run.stdout.startswith(f"{spec}: ok")
    assert run.stderr.splitlines() == [
        f"{spec}:5:32: warning: s1_b1: kernel 4 is even: it has no centre pixel, so padding"
        " shifts the map by half a pixel (the papers use odd kernels)",
        f"{spec}:6:47: warning: s2_b1: stride 3: mobile networks halve the map per stage"
        " (stride 2)",
        f"{spec}:7:44: warning: s3_b1: stride 4: mobile networks halve the map per stage"
        " (stride 2)",
        f"{spec}:9:44: warning: s5_b1: stride 2 on a 1x1 map does nothing: the map cannot"
        " shrink further",
    ]
    quiet = run_cli("summary", str(spec), "--no-warnings")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert "output 10 (logits" in quiet.stdout


def test_the_api_issues_them_as_python_warnings(tmp_path):
    spec = tmp_path / "odd.yaml"
    spec.write_text(SPEC)
    with pytest.warns(archdsl.SpecWarning) as caught:
        graph = archdsl.load(spec)
    assert [str(w.message) for w in caught] == [str(w) for w in graph.warnings]
    assert len(graph.warnings) == 4
    assert graph.warnings[0].location.line == 5


@pytest.mark.parametrize("name", builtin_names())
def test_builtins_give_no_warnings(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error", archdsl.SpecWarning)
        assert archdsl.load(name).warnings == ()
        assert archdsl.load(name, width=0.5, input=96).warnings == ()
