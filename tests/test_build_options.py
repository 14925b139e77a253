"""archdsl build's --backend and --export onnx options: wrong choices and missing libraries
give one clear line before anything is built or written (fast: no TensorFlow)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import run_cli

# Block one import: `import NAME` raises ImportError, as if it were not installed.
WITHOUT = """
import sys
sys.modules[sys.argv.pop(1)] = None
from archdsl.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_without(module: str, *args: str, cwd: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT, module, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        check=False,
        timeout=120,
    )


def test_an_unknown_backend_is_a_usage_error(tmp_path):
    result = run_cli("build", "mnasnet_a1", "--backend", "mxnet", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'mxnet'" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_keras_backend_variable_is_one_line(tmp_path):
    result = run_without("jax", "build", "mnasnet_a1", cwd=tmp_path, KERAS_BACKEND="mxnet")
    assert result.returncode == 1
    assert result.stderr == (
        "archdsl: error: KERAS_BACKEND=mxnet is not a backend archdsl builds on"
        " (choose from tensorflow, jax, torch)\n"
    )


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_missing_backend_library_says_how_to_install_it(tmp_path, backend):
    result = run_without(backend, "build", "mnasnet_a1", "--backend", backend, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"archdsl: error: {backend} (the Keras backend) is needed")
    assert lines[0].endswith(f"install it with: pip install 'archdsl[{backend}]'")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("module", ["tf2onnx", "onnxruntime"])
def test_export_onnx_without_its_libraries_stops_before_building(tmp_path, module):
    result = run_without(module, "build", "mnasnet_a1", "--export", "onnx", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"archdsl: error: --export onnx needs {module};"
        " install it with: pip install 'archdsl[onnx]'\n"
    )
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []
