"""Keras 3 on JAX and PyTorch: every built-in gives TensorFlow's outputs (relative 1e-5) with
the same weights, and .keras files move between backends both ways.

JAX is in the test extra (CI runs it); torch runs where it is installed. Each backend runs in
its own process (tests/backend_worker.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import archdsl
from archdsl.spec.source import builtin_names
from tests.backend_worker import BUILT
from tests.helpers import ROOT, randomize, run_cli

pytestmark = pytest.mark.slow

SIZE = 96  # small enough to be quick, large enough for every stride-2 stage
TOLERANCE = 1e-5


def available(module: str) -> bool:
    probe = f"import {module}"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=False)
    return result.returncode == 0


BACKENDS = [
    pytest.param("jax", marks=pytest.mark.skipif(not available("jax"), reason="jax not installed")),
    pytest.param(
        "torch", marks=pytest.mark.skipif(not available("torch"), reason="torch not installed")
    ),
]


@pytest.fixture(scope="module")
def tensorflow_side(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Every built-in at input 96, logits out, random weights: .keras files and TF's logits."""
    from archdsl.backends.tf_runtime import import_keras

    keras = import_keras("tensorflow")
    folder = tmp_path_factory.mktemp("backends")
    image = np.random.default_rng(0).uniform(-1, 1, (2, SIZE, SIZE, 3)).astype("float32")
    np.save(folder / "input.npy", image)
    names = builtin_names()
    for name in names:
        model = archdsl.to_keras(archdsl.load(name, input=SIZE, classifier_activation="none"))
        randomize(model, np.random.default_rng(1))
        np.save(folder / f"{name}.npy", keras.ops.convert_to_numpy(model(image, training=False)))
        model.save(folder / f"{name}.keras")
        keras.backend.clear_session()
    return folder, names


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_builtin_gives_tensorflows_outputs_and_files_cross_over(tensorflow_side, backend):
    import keras

    folder, names = tensorflow_side
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.backend_worker", str(folder), str(SIZE), *names],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((folder / f"{backend}.json").read_text())
    print(f"{backend}: largest relative differences from TensorFlow", report)
    assert sorted(report) == sorted(names)
    assert all("built" in report[name] for name in BUILT)
    for name, differences in report.items():
        assert max(differences.values()) <= TOLERANCE, (name, differences)
    image = np.load(folder / "input.npy")
    for name in names:  # and back: the file saved on the other backend loads on TensorFlow
        model = keras.saving.load_model(folder / f"{name}.{backend}.keras", safe_mode=True)
        got = keras.ops.convert_to_numpy(model(image, training=False))
        expected = np.load(folder / f"{name}.npy")
        assert np.max(np.abs(got - expected)) <= TOLERANCE * np.max(np.abs(expected)), name


@pytest.mark.parametrize("backend", BACKENDS)
def test_build_command_builds_on_the_backend(tmp_path, backend):
    result = run_cli(
        "build",
        "shufflenet_v2",
        "--backend",
        backend,
        "--set",
        "input=64",
        "-o",
        "shufflenet_v2.keras",
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Keras and the analyzer agree" in result.stdout
    assert result.stderr == ""  # no start-up chatter from any backend
    assert (tmp_path / "shufflenet_v2.keras").stat().st_size > 1e6
    probe = (
        "import keras, archdsl; m = keras.saving.load_model('shufflenet_v2.keras', safe_mode=True);"
        " print(keras.backend.backend(), m.count_params())"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"},
        timeout=300,
        check=False,
    )
    expected = archdsl.analyze(archdsl.load("shufflenet_v2", input=64)).total.params
    assert loaded.stdout.split() == ["tensorflow", str(expected)], loaded.stderr


def test_tensorflow_only_exports_refuse_other_backends(tmp_path):
    result = run_cli("build", "mnasnet_a1", "--backend", "jax", "--export", "tflite", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "archdsl build: error: --export tflite needs --backend tensorflow (building on jax)"
    )
    assert list(tmp_path.iterdir()) == []
