"""A plain wheel install carries the schema and the built-in specs, usable from any folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

from tests.helpers import ROOT


def test_wheel_ships_specs_and_schema_and_works_from_any_folder(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("archdsl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for spec in (ROOT / "specs").glob("*.yaml"):
        assert f"archdsl/specs/{spec.name}" in names
    assert "archdsl/spec/schema.json" in names
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "archdsl",
            "summary",
            "shufflenet_v2",
            "--set",
            "width=0.5",
            "--format",
            "json",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["params"]["total"] == 1_374_744
    where = subprocess.run(
        [sys.executable, "-c", "import archdsl; print(archdsl.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))
