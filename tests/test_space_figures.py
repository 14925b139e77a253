"""A candidate's figures from its stages: the same numbers as compiling it whole, and
latency predicted from the table stage by stage, with the table's coverage of a space."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from archdsl.analysis.analyze import analyze
from archdsl.compile import compile_document
from archdsl.latency import Identity, Table, predict
from archdsl.latency.table import entry, overhead_key, write
from archdsl.latency.units import distinct, units
from archdsl.search.objectives import Reward
from archdsl.space.evaluate import Evaluator, draw, evaluate
from archdsl.space.figures import StageFigures
from archdsl.space.latency import SpaceLatency
from archdsl.space.load import load_space
from tests.helpers import ROOT, run_cli
from tests.test_space import SEARCHED

MNASNET = str(ROOT / "specs" / "spaces" / "mnasnet.yaml")


def whole(space, assignment) -> dict[str, int]:
    result = analyze(compile_document(space.resolve(assignment)))
    return {
        "params": result.total.params,
        "macs": result.total.macs,
        "memory": result.peak_activation_bytes,
        "memory_access": result.total.memory_access,
    }


def test_stage_figures_equal_compiling_mnasnet_candidates_whole():
    space = load_space(MNASNET)
    stages = StageFigures(space)
    assert stages.applies
    for assignment in itertools.islice(draw(space, seed=11), 40):
        assert stages.figures(assignment) == whole(space, assignment)


@pytest.fixture
def searched(tmp_path: Path):
    path = tmp_path / "searched.yaml"
    path.write_text(
        SEARCHED.replace("input: [32, 32, 3]", "input: [32, 32, 3]\nparams: {depth: 1.5}")
    )
    return load_space(str(path))


def every(space):
    names = [c.name for c in space.choices]
    for combo in itertools.product(*(range(c.size) for c in space.choices)):
        yield dict(zip(names, combo, strict=True))


def test_stage_figures_of_every_candidate_of_a_small_space(searched):
    """Every candidate (op choices, skips, repeats times a depth multiplier of 1.5)."""
    stages = StageFigures(searched)
    for assignment in every(searched):
        assert stages.figures(assignment) == whole(searched, assignment)


def test_reachable_segments_hold_exactly_the_candidates_layer_configurations(searched):
    stages = StageFigures(searched)
    from_segments = {key for s in stages.reachable() for key in distinct(units(s.graph))}
    from_candidates = {
        key
        for assignment in every(searched)
        for key in distinct(units(compile_document(searched.resolve(assignment))))
    }
    assert from_segments == from_candidates
    assert len(from_segments) > 20


def fake_table(path: Path, space, corrections: dict | None = None) -> Table:
    """A table with a made-up time for every layer configuration of ``space`` (and
    ``corrections``, as ``latency calibrate`` stores them)."""
    keys = {key for s in StageFigures(space).reachable() for key in distinct(units(s.graph))}
    entries = {key: entry(0.02 * (len(key) % 13 + 1), 0.01 * (len(key) % 17 + 1)) for key in keys}
    entries[overhead_key(1)] = entry(0.004, 0.005)
    table = Table(Identity.here(1), entries, path, corrections or {})
    write(table)
    return table


@pytest.mark.parametrize("corrected", [False, True])
def test_predicted_latency_by_stage_equals_predicting_the_whole_candidate(tmp_path, corrected):
    from archdsl.latency.correction import Correction

    terms = {"intercept_ms": 0.3, "per_unit_ms": 0.002, "per_gmac_ms": 3.0, "scale_conv": 1.2}
    terms |= {"scale_depthwise": 1.7, "scale_other": 0.6}
    fitted = {"cpu@1": Correction(terms, {}).as_dict()} if corrected else None
    space = load_space(MNASNET)
    table = fake_table(tmp_path / "table.json", space, fitted)
    assert (table.correction(1, "cpu") is not None) == corrected
    evaluator = Evaluator(space, table=table)
    for index, assignment in enumerate(itertools.islice(draw(space, seed=3), 25)):
        graph = evaluate(space, assignment, index).graph
        assert evaluator.figures(assignment, index)["latency"] == pytest.approx(
            predict(graph, table), rel=1e-12
        )
    assert SpaceLatency(StageFigures(space), table).missing()[0] == []


def test_search_on_predicted_latency_and_its_missing_table(tmp_path, searched):
    table = fake_table(tmp_path / "table.json", searched)
    run = tmp_path / "run"
    args = ["search", searched.doc.file, "--trials", "6", "--seed", "1", "--sampler", "random"]
    result = run_cli(
        *args, "--objective", "latency,params", "--latency-table", str(table.path), "-o", str(run)
    )
    assert result.returncode == 0, result.stderr
    assert "layer configurations of the space, all in the table" in result.stderr
    rows = [json.loads(line) for line in (run / "trials.jsonl").read_text().splitlines()]
    assert len(rows) == 6
    for row in rows:
        values = row["choices"]
        assignment = {
            c.name: c.options.index(values[c.name]) if c.name in values else 0
            for c in searched.choices
        }
        graph = compile_document(searched.resolve(assignment))
        assert row["latency"] == pytest.approx(predict(graph, table), rel=1e-9)
    empty = run_cli(*args, "--objective", "latency", "--latency-table", str(tmp_path / "none.json"))
    assert empty.returncode == 1
    lines = empty.stderr.strip().splitlines()
    assert len(lines) == 1 and "lacks" in lines[0] and "--calibrate" in lines[0], empty.stderr
    assert "Traceback" not in empty.stderr


def test_reward_on_predicted_latency_or_on_macs_when_the_table_lacks_layers(tmp_path, searched):
    (tmp_path / "acc.py").write_text("def accuracy(graph, spec):\n    return 0.75\n")
    table = fake_table(tmp_path / "table.json", searched)
    args = ["search", searched.doc.file, "--trials", "4", "--seed", "2", "--sampler", "random"]
    args += ["--reward", "mnasnet", "--accuracy", "acc:accuracy", "--target-latency", "0.4ms"]
    on_latency = run_cli(*args, "--latency-table", str(table.path), "-o", "a", cwd=tmp_path)
    assert on_latency.returncode == 0, on_latency.stderr
    assert "LAT = predicted latency, ms, T = 0.4" in on_latency.stdout
    on_macs = run_cli(
        *args, "--target", "1M", "--latency-table", "none.json", "-o", "b", cwd=tmp_path
    )
    assert on_macs.returncode == 0, on_macs.stderr
    assert "the reward uses MACs, target 1M" in on_macs.stderr
    assert "LAT = MACs, T = 1e+06" in on_macs.stdout
    for folder, lat, target in (("a", "latency", 0.4), ("b", "macs", 1e6)):
        rows = [json.loads(line) for line in (tmp_path / folder / "trials.jsonl").open()]
        assert len(rows) == 4
        for row in rows:
            expected = Reward(target, figure=lat)(0.75, row[lat])
            assert row["reward"] == pytest.approx(expected)


@pytest.mark.slow
def test_calibrate_measures_what_the_table_lacks_then_searches(tmp_path, searched):
    """The small space's layer configurations, each a one-layer TFLite model, then the
    table's correction, fitted on the reference networks measured whole (about 4 minutes
    on a 2-core machine)."""
    table = tmp_path / "table.json"
    args = ["search", searched.doc.file, "--trials", "3", "--objective", "latency,params"]
    result = run_cli(
        *args,
        "--calibrate",
        "--latency-table",
        str(table),
        "-o",
        str(tmp_path / "run"),
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    wanted = StageFigures(searched).reachable()
    keys = {key for s in wanted for key in distinct(units(s.graph))}
    assert (
        f"calibrating {len(keys)} layer configurations (TensorFlow), then fitting the table's"
        " correction on reference networks (once)"
    ) in result.stderr
    data = json.loads(table.read_text())
    assert set(data["corrections"]) == {"cpu@1", "wall@1"}
    entries = data["entries"]
    assert keys <= set(entries) and overhead_key(1) in entries
    rows = [json.loads(line) for line in (tmp_path / "run" / "trials.jsonl").open()]
    assert len(rows) == 3 and all(row["latency"] > 0 for row in rows)
