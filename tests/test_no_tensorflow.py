"""validate, summary and list never import TensorFlow or Keras, and stay fast."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT

PROBE = """
import sys
from archdsl.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ('tensorflow', 'keras', 'jax', 'torch', 'optuna', 'ray') if m in sys.modules)
print('HEAVY:' + ','.join(heavy), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["summary", "mnasnet_a1"],
        ["summary", "mobilenet_v3_large", "--format", "json", "--level", "layer"],
        ["validate", *sorted(str(p) for p in (ROOT / "specs").glob("*.yaml"))],
        ["list"],
        ["space", "mnasnet"],
    ],
    ids=["summary", "summary-json", "validate", "list", "space"],
)
def test_command_does_not_import_tensorflow(args):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY:\n" in result.stderr, result.stderr


def test_importing_archdsl_does_not_import_tensorflow():
    code = "import sys, archdsl; archdsl.analyze(archdsl.load('mnasnet_a1')); print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
