"""archdsl train/evaluate/predict refuse bad input with one clear line, before TensorFlow.

Each case runs the command in-process: exit 1, one ``archdsl: error:`` line naming what is
wrong, and no run folder. None of these needs TensorFlow, and a test checks it is never
imported on the way to the error (the checks run before it, so they are fast).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from archdsl.cli import main
from tests.digits import write_digits

TRAIN = ["train", "mnasnet_a1", "--set", "width=0.35", "--input", "32", "--quiet"]


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_digits(tmp_path_factory.mktemp("digits"), per_class=3)


def _copy(digits: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(digits, target)
    return target


def _error(capsys: pytest.CaptureFixture[str], argv: list[str], prefix: str = "archdsl") -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 1, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{prefix}: error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_missing_folder(tmp_path, capsys):
    line = _error(capsys, [*TRAIN, "--data", str(tmp_path / "nope"), "-o", str(tmp_path / "run")])
    assert f"--data {tmp_path / 'nope'}: no such folder" in line
    assert not (tmp_path / "run").exists()


def test_empty_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    line = _error(capsys, [*TRAIN, "--data", str(tmp_path / "empty"), "-o", str(tmp_path / "r")])
    assert "no class folders" in line
    assert not (tmp_path / "r").exists()


def test_empty_class_folder(tmp_path, digits, capsys):
    data = _copy(digits, tmp_path / "data")
    (data / "extra").mkdir()
    line = _error(capsys, [*TRAIN, "--data", str(data), "-o", str(tmp_path / "r")])
    assert f"{data / 'extra'}: a class folder with no images" in line


def test_one_class_only(tmp_path, digits, capsys):
    data = tmp_path / "data"
    _copy(digits / "3", data / "3")
    line = _error(capsys, [*TRAIN, "--data", str(data), "-o", str(tmp_path / "r")])
    assert "one class only (3)" in line
    assert not (tmp_path / "r").exists()


def test_non_image_file_is_named(tmp_path, digits, capsys):
    data = _copy(digits, tmp_path / "data")
    (data / "4" / "notes.txt").write_text("not an image")
    line = _error(capsys, [*TRAIN, "--data", str(data), "-o", str(tmp_path / "r")])
    assert f"{data / '4' / 'notes.txt'}: not an image archdsl reads" in line


def test_unreadable_image_is_named(tmp_path, digits, capsys):
    data = _copy(digits, tmp_path / "data")
    (data / "5" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    line = _error(capsys, [*TRAIN, "--data", str(data), "-o", str(tmp_path / "r")])
    assert f"{data / '5' / 'broken.png'}: cannot read it as an image" in line


def test_image_smaller_than_input(tmp_path, digits, capsys):
    data = _copy(digits, tmp_path / "data")
    argv = ["train", "mnasnet_a1", "--set", "width=0.35", "--input", "64", "--data", str(data)]
    line = _error(capsys, [*argv, "-o", str(tmp_path / "r")])
    assert "32x32 pixels, smaller than the network's input 64x64" in line


def test_one_channel_spec_with_rgb_images(tmp_path, capsys):
    from PIL import Image

    for name in ("red", "blue"):
        (tmp_path / "data" / name).mkdir(parents=True)
        Image.new("RGB", (32, 32), name).save(tmp_path / "data" / name / "a.png")
    argv = ["train", "mnasnet_a1", "--set", "width=0.35", "--set", "input=32x32x1"]
    line = _error(capsys, [*argv, "--data", str(tmp_path / "data"), "-o", str(tmp_path / "r")])
    assert "a color image, but the network's input has 1 channel" in line


def test_folder_holding_another_run_is_refused(tmp_path, digits, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"classes": [], "pipeline": {}}))
    line = _error(capsys, [*TRAIN, "--data", str(digits), "-o", str(run)])
    assert f"-o {run}: holds another run; continue it with --resume {run}" in line
    assert sorted(p.name for p in run.iterdir()) == ["run.json"]


def test_folder_with_other_files_is_refused_even_with_force(tmp_path, digits, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "thesis.tex").write_text("keep me")
    line = _error(capsys, [*TRAIN, "--data", str(digits), "-o", str(run), "--force"])
    assert "not empty and not a run folder (holds thesis.tex)" in line


def test_spec_without_classes_param(tmp_path, digits, capsys):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(
        "archdsl: 1\nname: tiny\ninput: [32, 32, 3]\nparams: {width: 1.0}\n"
        "stages:\n  - conv: {filters: 8, kernel: 3, stride: 2}\n"
        "head:\n  - global_pool: avg\n  - dense: {units: 10}\n"
    )
    argv = ["train", str(spec), "--data", str(digits), "-o", str(tmp_path / "r")]
    line = _error(capsys, argv, prefix=f"{spec}:4:1")
    assert "the spec has no 'classes' param" in line


def test_classes_that_disagree_with_the_folders(tmp_path, digits, capsys):
    argv = [*TRAIN, "--set", "classes=7", "--data", str(digits), "-o", str(tmp_path / "r")]
    line = _error(capsys, argv)
    assert "--set classes=7, but" in line and "has 10 class folders" in line


def test_resume_refuses_new_run_options(tmp_path, capsys):
    line = _error(capsys, ["train", "--resume", str(tmp_path), "--data", str(tmp_path)])
    assert "it takes no --data" in line


def test_resume_of_a_folder_that_is_not_a_run(tmp_path, capsys):
    line = _error(capsys, ["train", "--resume", str(tmp_path)])
    assert "not a run folder (no run.json)" in line


def test_evaluate_needs_the_run_record(tmp_path, capsys):
    model = tmp_path / "model.keras"
    model.write_bytes(b"")
    line = _error(capsys, ["evaluate", str(model), "--data", str(tmp_path)])
    assert "no run.json beside it" in line


def test_errors_come_before_tensorflow(tmp_path):
    """A bad folder is reported without importing TensorFlow (fast, and nothing to load)."""
    code = (
        "import sys; from archdsl.cli import main; "
        f"code = main(['train', 'mnasnet_a1', '--data', {str(tmp_path / 'nope')!r}]); "
        "print(code, 'tensorflow' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["1", "False"], result


def test_file_beside_the_class_folders(tmp_path, digits, capsys):
    data = _copy(digits, tmp_path / "data")
    (data / "labels.csv").write_text("a,b\n")
    line = _error(capsys, [*TRAIN, "--data", str(data), "-o", str(tmp_path / "r")])
    assert f"{data / 'labels.csv'}: a file beside the class folders" in line


def test_network_ending_in_neither_logits_nor_softmax(tmp_path, digits, capsys):
    spec = tmp_path / "sigmoid.yaml"
    spec.write_text(
        "archdsl: 1\nname: sigmoid_head\ninput: [32, 32, 3]\nparams: {classes: 2}\n"
        "stages:\n  - conv: {filters: 8, kernel: 3, stride: 2}\n"
        "head:\n  - global_pool: avg\n  - dense: {units: $classes}\n  - activation: sigmoid\n"
    )
    argv = ["train", str(spec), "--data", str(digits), "-o", str(tmp_path / "r")]
    line = _error(capsys, argv)
    assert "ends in a sigmoid activation" in line and "dense layer (logits)" in line


def test_input_with_neither_one_nor_three_channels(tmp_path, digits, capsys):
    argv = ["train", "mnasnet_a1", "--set", "width=0.35", "--set", "input=32x32x4"]
    line = _error(capsys, [*argv, "--data", str(digits), "-o", str(tmp_path / "r")])
    assert "the network's input has 4 channels" in line
