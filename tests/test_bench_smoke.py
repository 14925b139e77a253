"""The benchmark suite still runs: its modules import, its statistics are right, and the
cheapest benchmark (analyzer time against depth) runs end to end into a report, with tiny
repeat counts. The figures themselves come from ``python bench/run.py``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

import archdsl
from archdsl.compile import compile_document
from archdsl.spec.yaml_front import parse_yaml
from bench import depth, report, run, store
from bench.config import Config
from bench.results import Figure, Goal, Measurement, Note, NotRun
from bench.stats import Sample, paired_ratios, rates
from bench.timing import interleave
from tests.helpers import ROOT

TINY = Config(
    "tiny", process_rounds=1, rounds=2, target_seconds=0.001, figure_seconds=0.1, min_rounds=1
)


def test_sample_median_quartiles_and_spread() -> None:
    sample = Sample.of([5.0, 1.0, 3.0, 2.0, 4.0], "s")
    assert sample.median == 3.0
    assert (sample.q1, sample.q3) == (2.0, 4.0)
    assert (sample.min, sample.max) == (1.0, 5.0)
    assert Sample.of([7.0], "s").q1 == 7.0


def test_ratios_are_taken_round_by_round() -> None:
    ratio = paired_ratios([2.0, 9.0, 4.0], [1.0, 3.0, 4.0])
    assert ratio.values == (2.0, 3.0, 1.0)
    assert ratio.median == 2.0
    with pytest.raises(ValueError):
        paired_ratios([1.0], [1.0, 2.0])
    assert rates([0.5, 0.25], 10, "img/s").values == (20.0, 40.0)


def test_interleave_rotates_the_order_and_drops_warmup_rounds() -> None:
    calls: list[str] = []

    def side(name: str, value: float) -> Callable[[], float]:
        return lambda: calls.append(name) or value

    times = interleave({"a": side("a", 1.0), "b": side("b", 2.0)}, rounds=3, warmup=1)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert times == {"a": [1.0, 1.0, 1.0], "b": [2.0, 2.0, 2.0]}


def test_goals_decide_the_verdict() -> None:
    def figure(ratio: float, goal: Goal | None) -> Figure:
        one = Sample.of([1.0], "s")
        return Figure("b", "f", one, one, "r", Sample.of([ratio], "x"), "ref / ours", goal)

    assert figure(0.98, Goal(0.97)).verdict == "pass"
    assert figure(0.96, Goal(0.97)).verdict == "FAIL"
    assert figure(3.0, Goal(2.0, at_least=False)).verdict == "FAIL"
    assert figure(3.0, None).verdict == "info"


def test_generated_specs_have_the_asked_depth() -> None:
    graph = compile_document(parse_yaml(depth.generated_spec(12), "<generated>"))
    assert sum(block.type == "mbconv" for block in graph.blocks) == 12
    assert archdsl.analyze(graph).output_shape == (1000,)


def test_cheapest_benchmark_runs_into_a_report() -> None:
    rows = depth.run(TINY, depths=(2, 6))
    measured = [row for row in rows if isinstance(row, Measurement)]
    figures = [row for row in rows if isinstance(row, Figure)]
    assert [m.sample.unit for m in measured] == ["ms", "ms"]
    assert all(len(m.sample.values) == TINY.rounds for m in measured)
    assert len(figures) == 1 and figures[0].goal == Goal(2.0, at_least=False)
    assert all(value > 0 for value in figures[0].ratio.values)
    rows += [NotRun("9. missing", "not there"), Note("8. found", "ops differ")]
    stored_rows = tuple(store.stored(row) for row in rows)
    runs = [
        store.Run("depth", depth.TITLE, depth.METHOD, "tiny", {"CPU": "test"}, 1.0, stored_rows)
    ]
    text = report.render(runs)
    assert "| 2. analyzer vs depth | time per block at 6 blocks |" in text
    assert "≤ 2x" in text and "- **9. missing**: not there" in text
    assert f"### {depth.TITLE}" in text
    assert "## Findings\n\n- **8. found**: ops differ" in text


def test_a_stored_run_renders_as_it_was_measured_and_survives_other_runs(tmp_path) -> None:
    ratio = Sample.of([1.5, 2.0, 2.5, 3.0], "x")
    figure = Figure(
        "1. a",
        "f",
        Sample.of([0.2, 0.3], "s"),
        Sample.of([2.0, 3.0], "s"),
        "r",
        ratio,
        "r / ours",
        Goal(2.0),
    )
    first = store.Run(
        "a", "1. a", "method a", "full", {"Date": "d1", "CPU": "c"}, 60.0, (store.stored(figure),)
    )
    store.save(tmp_path, first)
    before = report.render(store.load_all(tmp_path, ["a", "b"]))
    assert "**2.25x [1.88–2.62]** | 1.50–3.00 | 4 |" in before and "250 ms [225–275]" in before
    second = store.Run(
        "b", "2. b", "method b", "quick", {"Date": "d2", "CPU": "c"}, None, (Note("2. b", "seen"),)
    )
    store.save(tmp_path, second)
    runs = store.load_all(tmp_path, ["a", "b"])
    assert [run.key for run in runs] == ["a", "b"]
    after = report.render(runs)
    assert "**2.25x [1.88–2.62]**" in after and "- **2. b**: seen" in after
    assert "| 1. a | d1 | full | 1.0 min |" in after and "| 2. b | d2 | quick | — |" in after


def test_the_committed_results_render_to_the_committed_report() -> None:
    runs = store.load_all(ROOT / "docs" / "bench", list(run.BENCHMARKS))
    assert (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8") == report.render(runs)


def test_every_benchmark_is_wired_into_the_runner_without_importing_tensorflow() -> None:
    for module in run.BENCHMARKS.values():
        assert module.TITLE and module.METHOD and callable(module.run)
    probe = "import sys, bench.run; print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
