"""The training figures docs/train.md quotes are those of the run records kept in docs/runs/."""

from __future__ import annotations

import json

from tests.helpers import ROOT

DOC = (ROOT / "docs" / "train.md").read_text()


def _record(name: str) -> dict:
    return json.loads((ROOT / "docs" / "runs" / name / "run.json").read_text())


def _row(record: dict) -> str:
    final, best = record["final"], record["best"]
    return (
        f"| {final['accuracy']:.3f} | {final['val_accuracy']:.3f} |"
        f" {best['val_accuracy']:.3f} (epoch {best['epoch']}) |"
    )


def test_batch_norm_table_quotes_the_runs():
    moving, recomputed = _record("digits-moving"), _record("digits")
    assert moving["batch_norm"]["statistics"] == "moving"
    assert recomputed["batch_norm"]["statistics"] == "recomputed"
    assert f"(`--bn-statistics moving`) {_row(moving)}" in DOC
    assert f"recomputed before each validation (default) {_row(recomputed)}" in DOC
    for record in (moving, recomputed):
        assert record["epochs_done"] == 8
        assert (record["data"]["train_images"], record["data"]["validation_images"]) == (1438, 359)


def test_digits_time_and_accuracy_quote_the_run():
    record = _record("digits")
    time = record["time"]
    assert record["best"]["val_accuracy"] >= 0.90
    assert f"reached {record['best']['val_accuracy']:.3f} in 8 epochs" in DOC
    assert f"{time['total_training_seconds']:.0f} s of training" in DOC
    assert (
        f"median {time['seconds_per_epoch']:.1f} s and {time['images_per_second']:.0f} images/s"
        in DOC
    )


def test_docs_quote_the_tests_bound():
    from tests.test_train import ACCURACY_BOUND, EPOCHS

    assert (
        f"for {EPOCHS} epochs with `--schedule cosine` and requires a\n"
        f"validation accuracy of at least {ACCURACY_BOUND} at the best and at the last epoch"
    ) in DOC


def test_readme_quotes_the_runs():
    readme = (ROOT / "README.md").read_text()
    digits, moving = _record("digits"), _record("digits-moving")
    assert f"reaches {digits['best']['val_accuracy']:.3f} validation accuracy in 8 epochs" in readme
    assert f"the same run stays at {moving['final']['val_accuracy']:.3f}" in readme
    assert "docs/img/digits-curves.png" in readme
