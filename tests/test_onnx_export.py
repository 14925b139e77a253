"""archdsl build --export onnx: every built-in exports, and onnxruntime gives Keras's logits.

Keras 3's exporter (tf2onnx on the TensorFlow backend) writes the file; the test runs it in
onnxruntime with random weights and compares logits (relative 1e-4, as build itself checks).
Needs the onnx extra (in the test extra). Cost: about 2 minutes for the eight built-ins at
input 96.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import archdsl
from archdsl.spec.source import builtin_names
from tests.helpers import randomize, run_cli

pytestmark = pytest.mark.slow

pytest.importorskip("onnxruntime")
pytest.importorskip("tf2onnx")


@pytest.fixture(scope="module")
def keras() -> Any:
    from archdsl.backends.tf_runtime import import_keras

    return import_keras("tensorflow")


@pytest.mark.parametrize("name", builtin_names())
def test_every_builtin_exports_and_onnxruntime_gives_keras_logits(keras, name):
    from archdsl.backends.keras_export import onnx_bytes, run_onnx

    model = archdsl.to_keras(archdsl.load(name, input=96, classifier_activation="none"))
    randomize(model, np.random.default_rng(4))
    image = np.random.default_rng(2).uniform(-1, 1, (2, 96, 96, 3)).astype(np.float32)
    expected = keras.ops.convert_to_numpy(model(image, training=False))
    assert expected.std() > 0.1  # logits, not a near-constant output
    got = run_onnx(onnx_bytes(model), image)
    scale = np.max(np.abs(expected))
    print(f"{name}: onnxruntime differs by {np.max(np.abs(got - expected)) / scale:.2g} relative")
    assert np.max(np.abs(got - expected)) <= 1e-4 * scale
    keras.backend.clear_session()


def test_build_command_writes_a_checked_onnx_file(keras, tmp_path):
    result = run_cli(
        "build",
        "shufflenet_v2",
        "--set",
        "input=64",
        "-o",
        "shufflenet_v2.keras",
        "--export",
        "onnx",
        cwd=tmp_path,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # neither TensorFlow's chatter nor tf2onnx's tracebacks
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("wrote shufflenet_v2.onnx (")
    assert "onnxruntime's output differs from Keras's by at most" in lines[-1]
    import onnx

    checked = onnx.load(str(tmp_path / "shufflenet_v2.onnx"))
    onnx.checker.check_model(checked)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".archdsl-")]


def test_an_onnx_file_that_disagrees_is_an_internal_error_and_not_written(
    keras, tmp_path, monkeypatch, capsys
):
    from archdsl.backends import keras_export
    from archdsl.cli import make_parser

    monkeypatch.setattr(keras_export, "onnx_difference", lambda model, content: (0.5, 1.0))
    args = make_parser().parse_args(
        ["build", "mobilenet_v3_small", "--set", "input=32", "-o", str(tmp_path / "m.keras")]
        + ["--export", "onnx"]
    )
    assert args.run(args) == 2
    assert "internal error: the ONNX model differs from Keras by 0.5" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()
