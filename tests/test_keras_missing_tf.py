"""Without TensorFlow, `archdsl build` says so in one line and exits 1 (fast: no TensorFlow)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Poison the import: `import tensorflow` (and Keras, which imports it) raises ImportError.
NO_TENSORFLOW = """
import sys
sys.modules["tensorflow"] = None
sys.modules["keras"] = None
from archdsl.cli import main
sys.exit(main(sys.argv[1:]))
"""

# TensorFlow that is installed but broken: importing it fails with some other error.
BROKEN_TENSORFLOW = """
import sys
class Broken:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras"):
            raise OSError("libtensorflow_framework.so.2: cannot open shared object file")
sys.meta_path.insert(0, Broken())
from archdsl.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("probe", [NO_TENSORFLOW, BROKEN_TENSORFLOW], ids=["missing", "broken"])
def test_build_without_tensorflow_says_so_in_one_line(tmp_path, probe):
    result = subprocess.run(
        [sys.executable, "-c", probe, "build", "mnasnet_a1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("archdsl: error: TensorFlow is needed to build Keras models")
    assert "install it with: pip install" in lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_build_still_reports_spec_errors_first(tmp_path):
    """A mistake in the spec is found before TensorFlow is even looked for."""
    spec = tmp_path / "bad.yaml"
    spec.write_text("archdsl: 1\nname: bad\ninput: [32, 32, 3]\nstages:\n  - conv: {filters: 0}\n")
    result = subprocess.run(
        [sys.executable, "-c", NO_TENSORFLOW, "build", str(spec)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"{spec}:5:")
    assert "TensorFlow" not in result.stderr
