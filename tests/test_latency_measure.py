"""archdsl latency and latency calibrate, end to end in the TFLite interpreter (slow: TensorFlow).

About 3 minutes of CPU on 2 cores: a correction fitted (as `latency calibrate` does) on
ten variants of a small network instead of the default reference networks, which take minutes
more; one calibration of the small network, with every unit kind the built-ins use (conv, depthwise, SE, residual add,
ShuffleNet split/concat/shuffle, pooling, dense), and one measurement of it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import archdsl
from archdsl.latency.correction import MIN_NETWORKS
from archdsl.latency.units import distinct, units
from tests.helpers import run_cli

SPEC = """\
archdsl: 1
name: tiny
input: [48, 48, 3]
defaults: {activation: relu6}
stem:
  - conv: {filters: 16, kernel: 3, stride: 2}
stages:
  - mbconv: {expansion: 4, kernel: 3, stride: 1, filters: 16, se: 0.25, activation: hard_swish}
  - shuffle: {filters: 32, stride: 2, repeats: 2}
head:
  - global_pool: avg
  - dense: {units: 10}
"""

pytestmark = pytest.mark.slow
# conv, mbconv (expand, dw, SE pool/reduce/expand, multiply, project, add), 2 shuffle units
# (stride 2: two branches, concat, shuffle; stride 1: split, branch, concat, shuffle),
# pool, dense, each once: 18 distinct configurations
UNITS = 18


def references() -> list[archdsl.Graph]:
    """Twelve variants of SPEC (the fewest a correction fits on): other inputs and depths,
    12 classes."""
    import yaml

    variants = []
    for size in (32, 40, 56, 64, 72, 80):
        for repeats in (1, 3):
            text = SPEC.replace("repeats: 2", f"repeats: {repeats}").replace(
                "units: 10", "units: 12"
            )
            data = yaml.safe_load(text)
            data["input"] = [size, size, 3]
            variants.append(archdsl.load(data))
    return variants


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from archdsl.latency.calibrate import calibrate
    from archdsl.latency.measure import import_tensorflow
    from archdsl.latency.table import Identity

    folder = tmp_path_factory.mktemp("latency")
    spec = folder / "tiny.yaml"
    spec.write_text(SPEC)
    table = folder / "table.json"
    variants = references()
    import_tensorflow(1)
    fitted = calibrate([], Identity.here(1), table, references=variants, fit=True).fitted
    assert fitted is not None and fitted.fit["networks"] == 12 == MIN_NETWORKS
    assert all(fitted.terms[term] >= 0 for term in fitted.terms if term != "per_unit_ms")
    result = run_cli("latency", "calibrate", str(spec), "--table", str(table), timeout=600)
    assert result.returncode == 0, result.stderr
    keys = set(distinct(units(archdsl.load(str(spec)))))
    assert len(keys) == UNITS
    # the SE block's units run on 1x1 inputs, the same at every input size
    shared = keys & {key for graph in variants for key in distinct(units(graph))}
    assert len(shared) == 2 and all("@1:1x1x" in key for key in shared)
    assert result.stdout.startswith(
        f"measured {UNITS - 2} of the {UNITS} layer configurations of tiny in "
    )
    return spec, table


def test_calibrate_fills_the_table_once(calibrated: tuple[Path, Path]):
    spec, table = calibrated
    data = json.loads(table.read_text())
    mine = set(distinct(units(archdsl.load(str(spec))))) | {"overhead@1"}
    entries = {key: value for key, value in data["entries"].items() if key in mine}
    assert len(entries) == UNITS + 1  # and the per-inference overhead
    assert data["clocks"] == ["cpu", "wall"]
    # the fastest CPU time is at most the fastest wall-clock time: each run's CPU time is
    # taken inside its wall-clock time
    assert all(0 < cpu <= wall < 50 for cpu, wall in entries.values())
    assert set(data["corrections"]) == {"cpu@1", "wall@1"}  # fitted once, by the fixture
    again = run_cli("latency", "calibrate", str(spec), "--table", str(table), timeout=600)
    assert again.stdout.startswith(f"measured 0 of the {UNITS} layer configurations of tiny")


def test_latency_measures_and_the_table_predicts_it(calibrated: tuple[Path, Path]):
    spec, table = calibrated
    result = run_cli(
        "latency",
        str(spec),
        "--table",
        str(table),
        "--format",
        "json",
        "--seconds",
        "1",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["runtime"].startswith(("litert", "tensorflow-lite")) and record["threads"] == 1
    assert record["runs"] >= 50 and record["wall_ms"]["q1"] <= record["wall_ms"]["median"]
    assert len(record["load_average_before"]) == 3
    measured, predicted = record["cpu_ms"]["min"], record["predicted_ms"]["cpu"]
    assert measured <= record["cpu_ms"]["p10"] <= record["cpu_ms"]["median"]
    # a loose bound: this runs on busy CI machines; docs/benchmarks.md has the real figures
    assert 0.5 < predicted / measured < 2.0, (predicted, measured)


def test_latency_text_names_runtime_machine_and_load(calibrated: tuple[Path, Path]):
    spec, table = calibrated
    result = run_cli("latency", str(spec), "--table", str(table), "--seconds", "0.5", timeout=600)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("tiny (input 48x48x3, batch 1): ") and " ms median, IQR " in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["runtime", "machine", "CPU", "load", "table"]
    assert "XNNPACK" in lines[1] and "1 thread" in lines[1]


def test_keras_runtime_times_the_keras_model(calibrated: tuple[Path, Path]):
    spec, _ = calibrated
    result = run_cli(
        "latency",
        str(spec),
        "--runtime",
        "keras",
        "--format",
        "json",
        "--seconds",
        "0.5",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["runtime"].startswith("keras 3.") and "predicted_ms" not in record


def test_rewritten_templates_have_the_converters_operators_and_shapes(tmp_path: Path):
    """Every unit of the small network: the template rewritten for it against a direct
    conversion, with the inputs resized to the unit's."""
    from archdsl.latency.calibrate import one_unit_model, unit_model
    from archdsl.latency.measure import import_tensorflow
    from archdsl.latency.templates import template_of
    from archdsl.latency.tflite import _new_interpreter, convert

    import_tensorflow(1)
    spec = tmp_path / "tiny.yaml"
    spec.write_text(SPEC.replace("filters: 32", "filters: 48"))

    def structure(content: bytes, shapes: list[tuple[int, ...]]) -> tuple[list, list]:
        runner = _new_interpreter(content, 1)
        for detail, shape in zip(
            sorted(runner.get_input_details(), key=lambda d: d["name"]), shapes, strict=True
        ):
            runner.resize_tensor_input(detail["index"], list(shape))
        runner.allocate_tensors()
        ops = [op["op_name"] for op in runner._get_ops_details()]
        return ops, sorted(tuple(t["shape"]) for t in runner.get_tensor_details())

    templates: dict[str, bytes] = {}
    templated = 0
    for unit in distinct(units(archdsl.load(str(spec)))).values():
        shapes = [(1, *shape) for shape in unit.input_shapes]
        direct = convert(unit_model(unit), [(1, *shape) for shape in unit.model_shapes])
        assert structure(one_unit_model(unit, templates), shapes) == structure(direct, shapes), (
            unit.key
        )
        templated += template_of(unit) is not None
    assert templated >= 14 and len(templates) < templated
