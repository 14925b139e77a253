"""Command-line rough edges: stdin, whole stages in --blocks, fmt's limits, default names."""

from __future__ import annotations

import argparse
import subprocess
import sys

from archdsl import load
from archdsl.commands.common import LIMIT_FLAGS, default_stem
from archdsl.commands.graph import select_blocks
from tests.helpers import ROOT, run_cli


def _stdin(args: list[str], text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archdsl", *args],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_dash_reads_the_spec_from_stdin_in_either_format():
    for suffix in ("yaml", "arch"):
        text = (ROOT / "specs" / f"mnasnet_a1.{suffix}").read_text()
        run = _stdin(["summary", "-", "--format", "json"], text)
        assert run.returncode == 0, run.stderr
        assert '"total": 3920526' in run.stdout
    bad = _stdin(["validate", "-"], "# a comment\nmodel t\ninput 8x8x3\nstages conv c0\n")
    assert bad.returncode == 1
    assert bad.stderr.startswith("<stdin>:4:14: error: conv filters must be at least 1")
    refused = _stdin(["fmt", "-"], "model t\n")
    assert refused.returncode == 1 and "fmt reads a spec file" in refused.stderr


def test_blocks_takes_a_whole_stage_or_a_range_of_stages():
    graph = load("mnasnet_a1")
    assert select_blocks(graph, "s3") == {"s3_b1", "s3_b2", "s3_b3"}
    assert select_blocks(graph, "s2..s3") == {"s2_b1", "s2_b2", "s3_b1", "s3_b2", "s3_b3"}
    assert select_blocks(graph, "s1_b1..s2") == {"s1_b1", "s2_b1", "s2_b2"}
    dot = run_cli("graph", "mnasnet_a1", "--level", "layer", "--blocks", "s3", "-o", "-")
    assert dot.returncode == 0, dot.stderr
    assert dot.stdout.count("subgraph cluster_") == 3


def test_fmt_has_every_limit_flag():
    help_text = run_cli("fmt", "--help").stdout
    assert all(flag in help_text for flag, _, _ in LIMIT_FLAGS)
    run = run_cli("fmt", "mnasnet_a1", "--max-layers", "10")
    assert run.returncode == 1
    assert "more than 10 layers (raise it with --max-layers)" in run.stderr


def test_list_help_has_examples():
    assert "examples:\n  archdsl list" in run_cli("list", "--help").stdout


def test_default_output_names_carry_the_overrides():
    graph = load("mobilenet_v2", width=0.5)
    args = argparse.Namespace(overrides=["width=0.5", " classes=10", "input=160x160x3"])
    assert default_stem(graph, args) == "mobilenet_v2_width=0.5_classes=10_input=160x160x3"
    odd = argparse.Namespace(overrides=["name=a/b c"])
    assert default_stem(graph, odd) == "mobilenet_v2_name=a-b-c"
    assert default_stem(graph, argparse.Namespace(overrides=[])) == "mobilenet_v2"
