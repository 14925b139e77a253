"""The runtime versions in a latency table's identity, read without importlib.metadata."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from archdsl.latency import machine

INSTALLED = ["lark", "PyYAML", "jsonschema-rs", "tensorflow", "keras", "ai-edge-litert"]


@pytest.mark.parametrize("package", INSTALLED)
def test_version_equals_importlib_metadata(package: str):
    try:
        expected = metadata.version(package)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{package} is not installed")
    assert machine._version(package) == expected


def _dist_info(folder: Path, name: str, version: str) -> None:
    info = folder / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nVersion: 9.9 (body)\n"
    )


def test_the_first_folder_on_the_path_wins_and_names_are_normalized(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    _dist_info(tmp_path / "first", "my_pkg", "1.2.0")
    _dist_info(tmp_path / "second", "my_pkg", "0.1.0")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "first"), str(tmp_path / "second")])
    assert machine._version("My.Pkg") == metadata.version("My.Pkg") == "1.2.0"
    assert machine._version("my-pkg-extra") == "unknown"


def test_a_dist_info_without_a_version_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    broken = tmp_path / "first" / "my_pkg-1.0.dist-info"
    broken.mkdir(parents=True)
    (broken / "METADATA").write_text("Metadata-Version: 2.1\nName: my_pkg\n\nVersion: 5\n")
    _dist_info(tmp_path / "second", "my_pkg", "2.0")
    folders = [tmp_path / "missing", tmp_path / "first", tmp_path / "second"]
    monkeypatch.setattr(sys, "path", [str(folder) for folder in folders])
    assert machine._version("my_pkg") == "2.0"
