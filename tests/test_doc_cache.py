"""The cache of checked documents: a repeated command reads the same document it would
check afresh, imports no parser or schema validator, survives a corrupt entry, never
keeps a failing spec, and is bypassed by --no-cache or ARCHDSL_NO_CACHE=1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archdsl.cli import main
from tests.helpers import ROOT


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ARCHDSL_NO_CACHE", raising=False)
    return tmp_path / "cache" / "archdsl" / "documents"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    "spec", ["mnasnet_a1", "specs/shufflenet_v2.arch", "specs/mobilenet_v3_large.yaml"]
)
def test_a_hit_prints_what_a_fresh_check_prints(cache: Path, capsys, spec: str) -> None:
    spec = spec if "/" not in spec else str(ROOT / spec)
    for sets in ([], ["--set", "width=0.5", "--set", "input=160"]):
        args = ["summary", spec, "--format", "json", *sets]
        fresh = run([*args, "--no-cache"], capsys)
        assert not cache.exists() or len(os.listdir(cache)) == (1 if sets else 0)
        first = run(args, capsys)  # checks the spec, keeps it
        again = run(args, capsys)  # reads it back
        assert fresh == first == again
        assert fresh[0] == 0 and '"total"' in fresh[1]
    assert len(os.listdir(cache)) == 2  # one entry per (file, overrides)


def test_a_hit_imports_no_parser_nor_validator(cache: Path) -> None:
    spec = str(ROOT / "specs" / "shufflenet_v2.arch")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache.parent.parent)}
    code = (
        "import sys\nfrom archdsl.cli import main\n"
        "PARSERS = ('yaml', 'lark', 'archdsl.spec.dsl_parser')\n"
        f"status = main(['validate', '-q', {spec!r}])\n"
        "print(status, sorted(m for m in (*PARSERS, 'jsonschema_rs', 'jsonschema') if m in sys.modules))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        for _ in range(2)
    ]
    # Checked afresh, with the generated parser: Lark itself is never imported.
    assert runs[0].stdout.split() == ["0", "['archdsl.spec.dsl_parser',", "'jsonschema_rs']"]
    assert runs[1].stdout.split() == ["0", "[]"]  # read back


def test_a_corrupt_entry_is_ignored_and_written_again(cache: Path, capsys) -> None:
    args = ["summary", "mnasnet_a1", "--format", "csv"]
    expected = run(args, capsys)
    (entry,) = cache.iterdir()
    good = entry.read_bytes()
    for broken in (b"", good[:50], good[:4] + b"x" + good[5:], b"\0" * len(good)):
        entry.write_bytes(broken)
        assert run(args, capsys) == expected
        assert entry.read_bytes() == good  # rewritten
    assert [path.name for path in cache.iterdir()] == [entry.name]  # no temporary file left


def test_a_changed_file_is_checked_again(cache: Path, capsys, tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    text = (ROOT / "specs" / "mnasnet_a1.yaml").read_text()
    spec.write_text(text)
    _, first, _ = run(["summary", str(spec), "--format", "json"], capsys)
    spec.write_text(text.replace("classes: 1000", "classes: 10"))
    _, second, _ = run(["summary", str(spec), "--format", "json"], capsys)
    assert json.loads(first)["output_shape"] == [1000]
    assert json.loads(second)["output_shape"] == [10]
    spec.write_text(text.replace("classes: 1000", "classes: 0"))
    for _ in range(2):  # a failing spec is never kept: the error every time
        status, _, err = run(["validate", str(spec)], capsys)
        assert status == 1 and "error:" in err
    assert len(os.listdir(cache)) == 2


def test_limits_are_part_of_the_key(cache: Path, capsys) -> None:
    assert run(["validate", "-q", "mnasnet_a1"], capsys)[0] == 0
    status, _, err = run(["validate", "-q", "mnasnet_a1", "--max-values", "50"], capsys)
    assert status == 1 and "--max-values" in err


@pytest.mark.parametrize("how", ["flag", "env"])
def test_bypassed(cache: Path, capsys, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    if how == "env":
        monkeypatch.setenv("ARCHDSL_NO_CACHE", "1")
    args = ["summary", "mnasnet_a1", *(["--no-cache"] if how == "flag" else [])]
    assert run(args, capsys)[0] == 0
    assert not cache.exists()


def test_an_unwritable_cache_is_skipped(cache: Path, capsys, tmp_path: Path) -> None:
    shutil.rmtree(cache.parent.parent, ignore_errors=True)
    cache.parent.parent.write_text("not a folder")
    status, out, _ = run(["summary", "mnasnet_a1", "--format", "json"], capsys)
    assert status == 0 and json.loads(out)["params"]["total"] == 3920526
