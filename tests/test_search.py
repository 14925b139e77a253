"""archdsl sample and search: reproducible candidates, a study that resumes and refuses
another space, failing trials, the MnasNet reward, and trials on a local Ray instance."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from archdsl.analysis.analyze import analyze
from archdsl.compile import compile_spec
from archdsl.search.objectives import Reward
from archdsl.search.pareto import front, hypervolume_2d
from tests.helpers import ROOT, run_cli

MNASNET = str(ROOT / "specs" / "spaces" / "mnasnet.yaml")

# An accuracy function for tests: a made-up score that grows with MACs, and an error for
# candidates whose s2 is a regular conv (their trials fail; the search goes on).
ACCURACY = """\
def accuracy(graph, spec):
    if "conv" in spec["stages"][1]:
        raise ValueError("no accuracy for a conv s2")
    macs = sum(1 for node in graph.nodes if node.op == "conv2d")
    return 0.5 + macs / 1000
"""


def test_sample_is_reproducible_and_each_candidate_compiles_to_its_figures(tmp_path):
    first = run_cli("sample", MNASNET, "-n", "4", "--seed", "7")
    again = run_cli("sample", MNASNET, "-n", "4", "--seed", "7")
    other = run_cli("sample", MNASNET, "-n", "4", "--seed", "8")
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout != other.stdout
    records = [json.loads(line) for line in first.stdout.splitlines()]
    assert [r["index"] for r in records] == [1, 2, 3, 4]
    out = tmp_path / "samples"
    written = run_cli(
        "sample", MNASNET, "-n", "4", "--seed", "7", "-o", str(out), "--format", "yaml"
    )
    assert written.returncode == 0, written.stderr
    assert (out / "candidates.jsonl").read_text() == first.stdout
    for record in records:
        spec = out / f"mnasnet_space_{record['index']:05d}.yaml"
        total = analyze(compile_spec(str(spec))).total
        assert (total.params, total.macs) == (record["params"], record["macs"])


def test_sample_arch_files_compile_too(tmp_path):
    result = run_cli("sample", "mnasnet", "-n", "2", "-o", str(tmp_path), "--format", "arch")
    assert result.returncode == 0, result.stderr
    records = [
        json.loads(line) for line in (tmp_path / "candidates.jsonl").read_text().splitlines()
    ]
    for record in records:
        graph = compile_spec(str(tmp_path / f"mnasnet_space_{record['index']:05d}.arch"))
        assert analyze(graph).total.params == record["params"]


def test_sample_specs_need_a_folder():
    result = run_cli("sample", "mnasnet", "-n", "2", "--format", "yaml")
    assert result.returncode == 1
    assert (
        result.stderr
        == "archdsl: error: --format yaml writes spec files: give a folder with -o DIR\n"
    )


def test_pareto_front_and_hypervolume_by_hand():
    points = [(1, 5), (2, 2), (3, 3), (5, 1), (2, 2)]
    assert front(points) == [0, 1, 3]
    # boxes to (6, 6): 5x1 + 4x3 + 1x1 = 18
    assert hypervolume_2d([points[i] for i in front(points)], (6, 6)) == 18
    assert hypervolume_2d([(7, 1)], (6, 6)) == 0


def test_mnasnet_reward_soft_and_hard():
    soft = Reward(target=300e6)
    assert soft(0.75, 300e6) == 0.75
    assert soft(0.75, 600e6) == pytest.approx(0.75 * 2**-0.07)
    assert soft(0.75, 150e6) == pytest.approx(0.75 * 0.5**-0.07)
    hard = Reward(target=300e6, alpha=0, beta=-1)
    assert hard(0.75, 150e6) == 0.75
    assert hard(0.75, 600e6) == pytest.approx(0.375)


def test_search_writes_front_trials_specs_and_plot_then_resumes(tmp_path):
    out = tmp_path / "run"
    args = ["search", MNASNET, "--objective", "params,macs", "--seed", "3", "-o", str(out)]
    result = run_cli(*args, "--trials", "4", "--sampler", "random", timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Pareto front: ")
    assert "of 4 trials" in result.stdout
    rows = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and all(r["state"] == "COMPLETE" for r in rows)
    with open(out / "trials.csv") as handle:
        assert len(list(csv.DictReader(handle))) == 4
    fronts = sorted((out / "front").glob("*.yaml"))
    assert fronts and (out / "front.png").stat().st_size > 1000
    for path in fronts:  # the front's specs compile to the figures their trials recorded
        number = int(path.stem.rsplit("trial", 1)[1])
        total = analyze(compile_spec(str(path))).total
        assert [total.params, total.macs] == [rows[number]["params"], rows[number]["macs"]]
    # resume: the same storage and --trials 6 runs only the 2 trials missing
    resumed = run_cli(*args, "--trials", "6", "--sampler", "random", timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "of 6 trials" in resumed.stdout
    again = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()]
    assert [r["choices"] for r in again[:4]] == [r["choices"] for r in rows]
    with sqlite3.connect(out / "study.db") as db:
        assert db.execute("select count(*) from trials").fetchone()[0] == 6


def test_a_storage_of_another_space_is_refused(tmp_path):
    storage = tmp_path / "study.db"
    assert run_cli("search", MNASNET, "--trials", "1", "--storage", str(storage)).returncode == 0
    other = tmp_path / "other.yaml"
    other.write_text(
        (ROOT / "specs" / "spaces" / "mnasnet.yaml")
        .read_text()
        .replace("kernel: {choice: [3, 5]}", "kernel: {choice: [3, 5, 7]}", 1)
    )
    result = run_cli("search", str(other), "--trials", "2", "--storage", str(storage))
    assert result.returncode == 1
    assert "study 'mnasnet_space' was made for another space" in result.stderr
    assert "Traceback" not in result.stderr
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    result = run_cli("search", MNASNET, "--trials", "1", "--storage", str(junk))
    assert result.returncode == 1
    assert (
        result.stderr
        == f"archdsl: error: --storage {junk}: not an SQLite file (an Optuna study storage)\n"
    )


def test_a_constraint_no_candidate_meets_names_the_spaces_minimum():
    result = run_cli("search", MNASNET, "--trials", "2", "--constraint", "macs<=10M")
    assert result.returncode == 1
    assert result.stderr == (
        "archdsl: error: --constraint 'macs<=10M': no candidate meets it;"
        " the space's least macs is 65,421,392\n"
    )


def test_constraints_keep_the_front_feasible(tmp_path):
    out = tmp_path / "run"
    result = run_cli(
        "search",
        MNASNET,
        "--trials",
        "6",
        "--seed",
        "1",
        "--constraint",
        "macs<=250M",
        "-o",
        str(out),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()]
    for path in (out / "front").glob("*.yaml"):
        number = int(path.stem.rsplit("trial", 1)[1])
        assert rows[number]["macs"] <= 250e6 and rows[number]["feasible"]


def test_reward_search_with_an_accuracy_function_that_sometimes_raises(tmp_path):
    (tmp_path / "acc.py").write_text(ACCURACY)
    result = run_cli(
        "search",
        MNASNET,
        "--trials",
        "8",
        "--seed",
        "0",
        "--reward",
        "mnasnet",
        "--target",
        "300M",
        "--accuracy",
        "acc:accuracy",
        "-o",
        "run",
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    rows = [
        json.loads(line) for line in (tmp_path / "run" / "trials.jsonl").read_text().splitlines()
    ]
    assert len(rows) == 8
    failed = [r for r in rows if r["state"] == "FAIL"]
    assert all("ValueError: no accuracy for a conv s2" in r["error"] for r in failed)
    assert all(r["choices"]["s2.op"] == "conv" for r in failed)
    for row in rows:
        if row["state"] == "COMPLETE":
            expected = Reward(300e6)(row["accuracy"], row["macs"])
            assert row["reward"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--objective", "latency", "--latency-table", "/nonexistent/table.json"],
            "--calibrate",
        ),
        (["--constraint", "macs<=3ms"], "ms is for latency"),
        (["--objective", "flops"], "--objective flops: unknown"),
        (["--constraint", "macs=3"], "--constraint 'macs=3': write FIGURE<=NUMBER"),
        (
            ["--reward", "mnasnet", "--target", "80ms", "--accuracy", "a:b"],
            "a latency target is --target-latency",
        ),
        (["--reward", "mnasnet", "--target", "300M"], "needs accuracy: --accuracy module:function"),
        (["--objective", "accuracy", "--accuracy", "nowhere:f"], "cannot import nowhere"),
    ],
)
def test_bad_search_options(args, message):
    result = run_cli("search", MNASNET, "--trials", "1", *args)
    assert result.returncode == 1, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# For the Ray test: a worker evaluating a candidate whose s2 is a regular conv dies.
DYING = """\
import os


def accuracy(graph, spec):
    if "conv" in spec["stages"][1]:
        os._exit(3)
    return 0.7
"""


@pytest.mark.slow
def test_search_on_a_local_ray_instance_survives_a_dying_worker(tmp_path):
    """Trials evaluated by Ray tasks on a local instance (num_cpus=2); the third candidate
    of this seed kills its worker, twice (Ray retries once): that trial fails, the others
    complete, and the study in the SQLite file has all five. 1 to 4 minutes (Ray start-up)."""
    (tmp_path / "dying.py").write_text(DYING)
    result = run_cli(
        "search",
        MNASNET,
        "--trials",
        "5",
        "--seed",
        "4",
        "--sampler",
        "random",
        "--objective",
        "macs,accuracy",
        "--accuracy",
        "dying:accuracy",
        "--ray",
        "local",
        "-o",
        "run",
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    rows = [
        json.loads(line) for line in (tmp_path / "run" / "trials.jsonl").read_text().splitlines()
    ]
    assert [r["state"] for r in rows] == ["COMPLETE", "COMPLETE", "FAIL", "COMPLETE", "COMPLETE"]
    assert rows[2]["choices"]["s2.op"] == "conv"
    assert rows[2]["error"].startswith("Ray worker: ")
    for row in rows:
        if row["state"] == "COMPLETE":
            assert row["accuracy"] == 0.7 and row["macs"] > 60_000_000
    with sqlite3.connect(tmp_path / "run" / "study.db") as db:
        assert db.execute("select count(*) from trials").fetchone()[0] == 5


def test_docs_quote_the_stored_search_benchmark():
    """docs/search.md's figures are the last run of bench 7 (python -m bench.search)."""
    from bench import search as bench_search

    text = (ROOT / "docs" / "search.md").read_text(encoding="utf-8")
    assert text == bench_search.docs_text(text, bench_search.stored_run())
    assert "10,000 candidates sampled with their figures, from nothing compiled" in text
