"""archdsl train, evaluate and predict on real images: scikit-learn's handwritten digits.

Costs (2 shared CPU cores, no GPU): the digits run trains MnasNet-A1 at width 0.35 on 32x32
images for 15 epochs (1,438 training images) in about 2 minutes on a quiet machine; the
resume test starts three training processes on 600 images, about 3 minutes. Each process
spends most of its first epoch tracing the training step.
"""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.digits import write_digits
from tests.helpers import run_cli

pytestmark = pytest.mark.slow

DIGITS_RUN = ["mnasnet_a1", "--set", "width=0.35", "--input", "32", "--quiet"]
# The documented run reached 0.914 in 8 epochs at a constant rate, but CPU training is not
# bit-reproducible (threaded reductions): one fresh CI clone stood at 0.844 after 8 epochs,
# another ended 15 epochs at 0.891. A cosine schedule settles the last epoch (0.897 after 15
# here, 0.86 from epoch 7 on), and the bound keeps a margin; docs/train.md quotes both.
EPOCHS = 15
ACCURACY_BOUND = 0.85


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_digits(tmp_path_factory.mktemp("digits"))


@pytest.fixture(scope="module")
def digits_run(digits: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "digits"
    argv = ["train", *DIGITS_RUN, "--data", str(digits), "--epochs", str(EPOCHS)]
    argv += ["--schedule", "cosine", "-o", str(run)]
    result = run_cli(*argv, timeout=3600)
    assert result.returncode == 0, result.stderr
    assert f"trained {EPOCHS} epochs" in result.stdout
    return run


def _history(run: Path) -> list[dict[str, str]]:
    import csv

    path = run / "history.csv"
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_digits_reach_the_stated_accuracy(digits_run: Path):
    record = json.loads((digits_run / "run.json").read_text())
    assert record["status"] == "finished"
    assert record["best"]["val_accuracy"] >= ACCURACY_BOUND
    assert record["final"]["val_accuracy"] >= ACCURACY_BOUND
    assert record["classes"] == [str(digit) for digit in range(10)]
    assert (record["data"]["train_images"], record["data"]["validation_images"]) == (1438, 359)
    assert record["batch_norm"]["statistics"] == "recomputed"
    assert record["batch_norm"]["images"] == 1438
    assert record["training"]["outputs"] == "probabilities"  # mnasnet_a1 ends in a softmax
    assert record["time"]["images_per_second"] > 0
    rows = _history(digits_run)
    assert [int(row["epoch"]) for row in rows] == list(range(1, EPOCHS + 1))
    assert record["training"]["schedule"] == "cosine"
    rates = [float(row["learning_rate"]) for row in rows]
    assert rates == sorted(rates, reverse=True) and rates[0] < 1e-3 and rates[-1] < 1e-9
    assert float(rows[-1]["val_accuracy"]) == pytest.approx(record["final"]["val_accuracy"])
    for name in ("best.keras", "last.keras"):
        assert (digits_run / name).stat().st_size > 100_000
    assert (digits_run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(digits_run.glob(".archdsl-*"))


def test_resume_keeps_the_cosine_schedule_length(digits_run: Path):
    result = run_cli("train", "--resume", str(digits_run), "--epochs", str(EPOCHS + 5))
    assert result.returncode == 1
    assert result.stderr == (
        f"archdsl: error: {digits_run}: the run's cosine schedule decays over {EPOCHS} epochs;"
        " --epochs cannot change it on resume\n"
    )


def test_run_json_carries_the_analyzer_figures(digits_run: Path):
    from archdsl.analysis.analyze import analyze
    from archdsl.compile import compile_spec
    from archdsl.spec.params import parse_override

    record = json.loads((digits_run / "run.json").read_text())
    overrides = [parse_override(text) for text in record["overrides"]]
    analysis = analyze(compile_spec("mnasnet_a1", overrides))
    assert record["analysis"]["params"] == analysis.total.params
    assert record["analysis"]["macs"] == analysis.total.macs
    assert record["overrides"] == ["width=0.35", "input=32", "classes=10"]


def test_evaluate_agrees_with_validation(digits_run: Path, digits: Path, tmp_path: Path):
    confusion = tmp_path / "confusion.png"
    result = run_cli(
        "evaluate", str(digits_run), "--data", str(digits), "--format", "json", "-o",
        str(confusion), timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["images"] == 1797
    assert scores["accuracy"] >= ACCURACY_BOUND  # best.keras on training + validation images
    assert scores["top5_accuracy"] >= scores["accuracy"]
    assert sum(map(sum, scores["confusion"])) == 1797
    assert [scores["per_class"][str(d)]["images"] for d in range(10)] == [
        sum(row) for row in scores["confusion"]
    ]
    assert confusion.read_bytes()[:4] == b"\x89PNG"


def test_predict_names_the_right_digit(digits_run: Path, digits: Path):
    threes = sorted((digits / "3").glob("*.png"))[:5]
    result = run_cli(
        "predict", str(digits_run), *map(str, threes), "--top", "3", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    assert [answer["image"] for answer in answers] == list(map(str, threes))
    for answer in answers:
        probabilities = [entry["probability"] for entry in answer["top"]]
        assert len(probabilities) == 3
        assert probabilities == sorted(probabilities, reverse=True)
        assert sum(probabilities) <= 1.0 + 1e-5
    assert sum(answer["top"][0]["class"] == "3" for answer in answers) >= 4


def test_recomputed_statistics_are_the_mean_over_batches():
    import numpy as np

    from archdsl.backends.tf_runtime import import_keras

    keras = import_keras()
    from archdsl.train.batch_norm import StatisticsRecomputer

    inputs = keras.Input((4, 4, 2))
    model = keras.Model(inputs, keras.layers.BatchNormalization(momentum=0.99)(inputs))
    rng = np.random.default_rng(0)
    batches = [(rng.normal(k, 1 + k, (8, 4, 4, 2)).astype("float32"), None) for k in range(4)]
    assert StatisticsRecomputer(model).recompute(batches) == 32
    layer = model.layers[1]
    images = np.stack([batch for batch, _ in batches])
    np.testing.assert_allclose(layer.moving_mean.numpy(), images.mean(axis=(0, 1, 2, 3)), rtol=1e-5)
    variances = images.var(axis=(1, 2, 3)).mean(axis=0)  # each batch's variance, averaged
    np.testing.assert_allclose(layer.moving_variance.numpy(), variances, rtol=1e-5)
    assert layer.momentum == 0.99 and isinstance(layer.momentum, float)


def _wait_for_rows(run: Path, rows: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(_history(run)) < rows:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"no epoch {rows} after {timeout} s"
        time.sleep(0.05)


def _start(*args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "archdsl", "train", *args, "--quiet"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_and_interrupted_run_resumes_to_the_requested_epochs(tmp_path: Path):
    """SIGKILL during epoch 2, resume, Ctrl-C (SIGINT) during a later epoch, resume again.

    Wherever the kill lands (mid-epoch, or between two files of an epoch's end), the run
    ends with the 4 requested epochs, one history row each, and an optimizer that has taken
    exactly 4 epochs of steps: its state came back with last.keras each time.
    """
    data = write_digits(tmp_path / "digits", per_class=60)
    run = tmp_path / "run"
    first = _start(*DIGITS_RUN[:-1], "--data", str(data), "--epochs", "4", "--batch-size", "16",
                   "-o", str(run))  # fmt: skip
    _wait_for_rows(run, 1, first, timeout=1800)
    time.sleep(0.3)  # into epoch 2
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = len(_history(run))
    assert killed_at < 4

    second = _start("--resume", str(run))
    _wait_for_rows(run, killed_at + 1, second, timeout=1800)
    time.sleep(0.3)
    second.send_signal(signal.SIGINT)
    _, stderr = second.communicate(timeout=600)
    if second.returncode != 0:  # it may have finished all 4 epochs before the signal
        assert second.returncode == 130, stderr
        assert f"continue with: archdsl train --resume {run}" in stderr
        assert json.loads((run / "run.json").read_text())["status"] == "interrupted"
        assert not list(run.glob(".archdsl-*"))

    third = subprocess.run(
        [sys.executable, "-m", "archdsl", "train", "--resume", str(run), "--quiet"],
        capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    assert third.returncode == 0, third.stderr
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "finished" and record["epochs_done"] == 4
    assert [int(row["epoch"]) for row in _history(run)] == [1, 2, 3, 4]

    from archdsl.backends.tf_runtime import import_keras

    keras = import_keras()
    model = keras.saving.load_model(run / "last.keras", safe_mode=True)
    steps = math.ceil(record["data"]["train_images"] / 16)
    assert int(model.optimizer.iterations.numpy()) == 4 * steps
