"""Accuracy from a short `archdsl train` run of each candidate (--accuracy train:DIR)."""

from __future__ import annotations

import json

import pytest

from tests.digits import write_digits
from tests.helpers import run_cli
from tests.test_space import SEARCHED

# The small searched space, classifying into $classes (train sets it from the folders).
SPACE = SEARCHED.replace(
    "input: [32, 32, 3]", "input: [32, 32, 3]\nparams: {classes: 1000}"
).replace("dense: {units: 10}", "dense: {units: $classes}")


@pytest.mark.slow
def test_search_scores_candidates_by_a_short_training_run(tmp_path):
    """Two candidates, each trained one epoch on 400 of the digits (about a minute)."""
    (tmp_path / "space.yaml").write_text(SPACE)
    write_digits(tmp_path / "digits", per_class=40)
    result = run_cli(
        "search",
        "space.yaml",
        "--trials",
        "2",
        "--sampler",
        "random",
        "--seed",
        "0",
        "--objective",
        "accuracy,params",
        "--accuracy",
        "train:digits",
        "--train-args",
        "--epochs 1 --batch-size 32 --val-split 0.25",
        "-o",
        "run",
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in (tmp_path / "run" / "trials.jsonl").open()]
    assert [row["state"] for row in rows] == ["COMPLETE", "COMPLETE"]
    for number, row in enumerate(rows):
        run = json.loads(
            (tmp_path / "run" / "train" / f"searched_{number + 1:05d}" / "run.json").read_text()
        )
        assert row["accuracy"] == run["best"]["val_accuracy"]
        assert run["data"]["train_images"] + run["data"]["validation_images"] == 400
        assert 0.0 <= row["accuracy"] <= 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accuracy", "train:nowhere", "-o", "run"], "nowhere is not a folder"),
        (["--accuracy", "train:."], "keeps each trial's run: give -o DIR"),
        (
            ["--accuracy", "train:.", "-o", "run", "--train-args", "--data x"],
            "--data is set by the search",
        ),
    ],
)
def test_bad_train_accuracy_options(tmp_path, args, message):
    (tmp_path / "space.yaml").write_text(SPACE)
    result = run_cli(
        "search", "space.yaml", "--trials", "1", "--objective", "accuracy", *args, cwd=tmp_path
    )
    assert result.returncode == 1, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr
