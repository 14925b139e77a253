"""Every malformed spec in tests/bad_inputs gets one located error, fast, in little memory.

Each corpus file says what it must produce (see tests/bad_inputs/README.md). Each runs as
its own `archdsl validate` process: exit 1, exactly one `FILE:LINE:COL: error:` line at
the expected place (plus indented detail lines), no traceback, under 1 s of CPU and
200 MB of memory. CPU time (user + system, from wait4) is measured instead of wall time,
which on a shared CI machine mostly measures the neighbours.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import ROOT

CORPUS = ROOT / "tests" / "bad_inputs"
SUFFIXES = (".yaml", ".yml", ".arch")
CPU_SECONDS = 1.0
MAX_RSS_KB = 200 * 1024
WALL_TIMEOUT = 60.0  # only to stop a hung process; the CPU limit is the real bound
_EXPECT = re.compile(r"^(\d+):(\d+): (.+)$")


@dataclass(frozen=True)
class Entry:
    """One corpus file and the error it must produce."""

    path: Path
    line: int
    col: int
    message: str
    args: tuple[str, ...]
    xfail: str = ""

    @property
    def arg(self) -> str:
        """The file as given on the command line (relative, as a user would type it)."""
        return str(self.path.relative_to(ROOT))


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float
    max_rss_kb: int


def read_entry(path: Path) -> Entry:
    """Expectation from ``NAME.expect`` if present, else from the file's leading # lines."""
    sidecar = path.with_name(path.name + ".expect")
    if sidecar.exists():
        lines, prefix = sidecar.read_text().splitlines(), ""
    else:
        head = path.read_bytes()[:4096].decode("utf-8-sig", "replace")
        lines, prefix = head.splitlines()[:3], "# "
    fields = {}
    for line in lines:
        key, sep, value = line.removeprefix(prefix).partition(": ")
        if line.startswith(prefix) and sep and key in ("expect", "args", "xfail"):
            fields[key] = value.strip()
    match = _EXPECT.match(fields.get("expect", ""))
    if not match:
        raise ValueError(f"{path.name}: no '# expect: LINE:COL: message' line")
    return Entry(
        path,
        int(match.group(1)),
        int(match.group(2)),
        match.group(3),
        tuple(shlex.split(fields.get("args", ""))),
        fields.get("xfail", ""),
    )


def corpus() -> dict[str, Entry]:
    files = sorted(p for p in CORPUS.iterdir() if p.suffix in SUFFIXES)
    return {p.name: read_entry(p) for p in files}


ENTRIES = corpus()


# Linux counts the parent's memory as a forked child's until it execs, so a child's peak RSS
# is at least its parent's size: once an earlier test has grown pytest (TensorFlow imported),
# every child would look that large. A small launcher process starts the command instead and
# prints the command's own figures from wait4.
_LAUNCHER = """
import json, os, subprocess, sys, threading
command, cwd, timeout, out_path, err_path = json.loads(sys.argv[1])
with open(out_path, "wb") as out, open(err_path, "wb") as err:
    proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
print(json.dumps([os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss]))
"""


def run_archdsl(args: list[str], cwd: Path = ROOT) -> Run:
    """Run ``python -m archdsl ARGS`` and measure that one process's CPU time and peak RSS."""
    with tempfile.TemporaryDirectory() as folder:
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        setup = [
            [sys.executable, "-m", "archdsl", *args],
            str(cwd),
            WALL_TIMEOUT,
            str(out),
            str(err),
        ]
        launched = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, json.dumps(setup)],
            capture_output=True,
            text=True,
            check=True,
        )
        returncode, cpu_seconds, max_rss_kb = json.loads(launched.stdout)
        return Run(
            returncode,
            out.read_bytes().decode("utf-8", "replace"),
            err.read_bytes().decode("utf-8", "replace"),
            cpu_seconds,
            max_rss_kb,
        )


def validate(entry: Entry) -> Run:
    return run_archdsl(["validate", *entry.args, entry.arg])


def serve() -> None:
    """Validate many files, each in a process forked from one that has imported archdsl.

    Reads a JSON list of argument lists on stdin and prints one JSON result per line.
    Each child's CPU time and peak memory come from wait4, so the per-file limits are
    checked on the work the file causes, without paying Python's start-up and archdsl's
    first-use costs (~0.25 s, checked by test_real_command_matches_the_forked_run) 250 times.
    """
    import resource
    import signal

    from archdsl.cli import main

    # Warm the caches every process fills once (imports, both schema validators, regexes):
    # a valid spec passes the fast path alone; jsonschema is first imported to word an error.
    assert main(["validate", "--quiet", "mobilenet_v2"]) == 0
    assert main(["validate", "--quiet", str(CORPUS / "fuzz_key_with_newline.yaml")]) == 1
    for args in json.load(sys.stdin):
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            pid = os.fork()
            if pid == 0:
                signal.alarm(int(WALL_TIMEOUT))
                # A runaway is stopped at 3x the limit (SIGXCPU) instead of running on.
                limit = int(3 * CPU_SECONDS)
                resource.setrlimit(resource.RLIMIT_CPU, (limit, limit))
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                try:
                    code = main(args)
                except SystemExit as exit_:
                    code = exit_.code if isinstance(exit_.code, int) else 2
                except BaseException:
                    import traceback

                    traceback.print_exc()
                    code = 70
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
            _, status, usage = os.wait4(pid, 0)
            out.seek(0)
            err.seek(0)
            record = {
                "returncode": os.waitstatus_to_exitcode(status),
                "stdout": out.read().decode("utf-8", "replace"),
                "stderr": err.read().decode("utf-8", "replace"),
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "max_rss_kb": usage.ru_maxrss,
            }
        print(json.dumps(record), flush=True)


def validate_all(entries: list[Entry]) -> list[Run]:
    return forked_runs([["validate", *e.args, e.arg] for e in entries])


def forked_runs(commands: list[list[str]]) -> list[Run]:
    """Run ``serve`` in a subprocess over ``commands``: one forked child per command."""
    import json

    request = json.dumps(commands)
    done = subprocess.run(
        [sys.executable, "-m", "tests.test_bad_inputs"],
        input=request,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return [Run(**json.loads(line)) for line in done.stdout.splitlines()]


# The corpus runs once per test process (each pytest-xdist worker too: it costs ~4 s of
# CPU), split over one server per core, started by the first test that needs a result.
_results: dict[str, Run] = {}
_lock = threading.Lock()


def result(name: str) -> Run:
    with _lock:
        if not _results:
            names = list(ENTRIES)
            workers = os.cpu_count() or 2
            chunks = [names[i::workers] for i in range(workers)]
            with ThreadPoolExecutor(max_workers=workers) as pool:
                runs = pool.map(lambda chunk: validate_all([ENTRIES[n] for n in chunk]), chunks)
                for chunk, chunk_runs in zip(chunks, runs, strict=True):
                    _results.update(zip(chunk, chunk_runs, strict=True))
    return _results[name]


def test_corpus_is_large_and_covers_both_front_ends():
    assert len(ENTRIES) >= 150
    assert any(name.endswith(".yaml") for name in ENTRIES)
    if (ROOT / "archdsl" / "spec" / "dsl_front.py").exists():
        assert sum(name.endswith(".arch") for name in ENTRIES) >= 25


def _marked(name: str) -> object:
    """A known escape stays in the corpus as a strict xfail until it is fixed."""
    reason = ENTRIES[name].xfail
    return (
        pytest.param(name, marks=pytest.mark.xfail(reason=reason, strict=True)) if reason else name
    )


@pytest.mark.parametrize("name", [_marked(name) for name in ENTRIES])
def test_bad_input_gets_one_located_error(name):
    entry = ENTRIES[name]
    run = result(name)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 1, run.stderr or run.stdout
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    head = re.match(rf"^{re.escape(entry.arg)}:(\d+):(\d+): error: (.+)$", lines[0])
    assert head, f"first line is not FILE:LINE:COL: error: ...\n{run.stderr}"
    assert all(line.startswith(" ") for line in lines[1:]), run.stderr
    line, col, message = int(head.group(1)), int(head.group(2)), head.group(3)
    assert (line, col) == (entry.line, entry.col), message
    assert entry.message in message
    assert len(message) <= 600, "a message must stay one line of bounded length"
    assert run.cpu_seconds < CPU_SECONDS
    assert run.max_rss_kb < MAX_RSS_KB


FLAG_ENTRIES = [name for name, entry in ENTRIES.items() if any("--max-" in a for a in entry.args)]


@pytest.mark.parametrize("name", FLAG_ENTRIES)
def test_limit_flag_entries_are_valid_at_the_default_limits(name):
    """The entries that lower a limit with a flag fail only because of that flag."""
    entry = ENTRIES[name]
    assert "raise it with --max-" in entry.message
    run = validate(Entry(entry.path, entry.line, entry.col, entry.message, ()))
    assert run.returncode == 0, run.stderr


def test_every_limit_flag_is_exercised():
    flags = {a.split("=")[0] for e in ENTRIES.values() for a in e.args if a.startswith("--max-")}
    limit_flags = set(re.findall(r"--max-[a-z-]+", run_archdsl(["validate", "--help"]).stdout))
    assert limit_flags and limit_flags <= flags


# Mistakes on the command line have no place in a file: "archdsl: error: ...".
COMMAND_LINE_ERRORS = [
    (["--set", "width=abc"], "--set width=abc: 'width' must be a number"),
    (["--set", "width=nan"], "--set value 'nan' is not a finite number"),
    (["--set", "width=-inf"], "is not a finite number"),
    (["--set", "classes=true"], "'classes' must be a number"),
    (
        ["--set", "nope=1"],
        "the spec has no param 'nope' (params: classes, classifier_activation, depth, features_only, include_top, input, pooling, width)",
    ),
    (
        ["--set", "clases=10"],
        "--set clases=10: the spec has no param 'clases'; did you mean 'classes'?",
    ),
    (["--set", "=1"], "--set expects name=value"),
    (["--set", "width"], "--set expects name=value"),
    (["--set", "width="], "--set expects name=value"),
    (["--set", "input=abc"], "input is SIZE, HxW or HxWxC"),
    (["--set", "input=32x32x3x1"], "input is SIZE, HxW or HxWxC"),
    (["--set", "input=" + "9" * 5000 + "x3"], "is longer than 200 characters"),
    (["--set", "classes=" + "9" * 300], "is longer than 200 characters"),
]


@pytest.mark.parametrize("args,message", COMMAND_LINE_ERRORS, ids=lambda v: str(v)[:40])
def test_command_line_error_is_one_line(args, message):
    run = run_archdsl(["validate", "mobilenet_v2", *args])
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [run.stderr.strip()]
    assert run.stderr.startswith("archdsl: error: ")
    assert message in run.stderr
    assert run.cpu_seconds < CPU_SECONDS


def test_missing_file_and_folder(tmp_path):
    missing = run_archdsl(["validate", str(tmp_path / "nothing.yaml")])
    assert missing.returncode == 1
    assert missing.stderr.startswith("archdsl: error: cannot read")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    run = run_archdsl(["validate", str(folder)])
    assert run.returncode == 1
    assert run.stderr.startswith(f"{folder}:1:1: error: is a folder")


def test_spec_file_size_limit_and_its_flag(tmp_path):
    spec = (CORPUS / "range_kernel_zero.yaml").read_text()
    big = tmp_path / "big.yaml"
    big.write_text(spec + ("# padding\n" * 420_000))
    run = run_archdsl(["validate", str(big)])
    assert run.returncode == 1
    assert run.stderr.startswith(f"{big}:1:1: error: spec file larger than 4,194,304 bytes")
    assert "--max-spec-bytes" in run.stderr
    assert run.cpu_seconds < CPU_SECONDS
    raised = run_archdsl(["validate", "--max-spec-bytes", "5000000", str(big)])
    assert raised.returncode == 1
    assert "kernel must be at least 1" in raised.stderr


# A spec just under the 4 MB file limit, every line a value: the value limit must stop
# the work long before the whole file is parsed.
HUGE_SPECS = {
    "yaml": "archdsl: 1\nname: t\ninput: [32, 32, 3]\nstages:\n"
    + "  - conv: {filters: 8}\n" * 170_000,
    "arch": "model t\ninput 32x32x3\nstages conv c8\n" + "       conv c8\n" * 260_000,
}


@pytest.mark.parametrize("suffix", ["yaml", "arch"])
def test_spec_at_the_size_limit_stops_at_the_value_limit(tmp_path, suffix):
    spec = tmp_path / f"huge.{suffix}"
    spec.write_text(HUGE_SPECS[suffix])
    assert spec.stat().st_size < 4 * 1024 * 1024
    [run] = forked_runs([["validate", str(spec)]])
    assert run.returncode == 1
    assert "more than 10,000 values" in run.stderr
    assert run.cpu_seconds < CPU_SECONDS
    assert run.max_rss_kb < MAX_RSS_KB


def test_spec_with_utf8_bom_is_valid(tmp_path):
    text = (ROOT / "specs" / "mobilenet_v2.yaml").read_bytes()
    spec = tmp_path / "bom.yaml"
    spec.write_bytes(b"\xef\xbb\xbf" + text)
    run = run_archdsl(["summary", str(spec), "--format", "json"])
    assert run.returncode == 0, run.stderr
    assert '"total": 3538984' in run.stdout


def test_limit_flags_reject_nonpositive_values():
    run = run_archdsl(["validate", "--max-layers", "0", "mobilenet_v2"])
    assert run.returncode == 2
    assert "must be a positive integer" in run.stderr


# A failing command writes nothing and leaves its input alone. Each command that writes
# a file is checked if it exists by now (archdsl.cli.COMMANDS).
OUTPUT_COMMANDS = {
    "summary": lambda spec, out: ["summary", spec, "--format", "json"],
    "graph": lambda spec, out: ["graph", spec, "-o", out + ".svg"],
    "build": lambda spec, out: ["build", spec, "-o", out + ".keras"],
    "fmt": lambda spec, out: ["fmt", spec, "--write"],
    "fmt -o": lambda spec, out: ["fmt", spec, "-o", out + ".arch"],
}


def _commands() -> list[str]:
    from archdsl.cli import COMMANDS

    return [name for name in OUTPUT_COMMANDS if name.split()[0] in COMMANDS]


@pytest.mark.parametrize("command", _commands())
@pytest.mark.parametrize("bad", ["shape_skip_stride2.yaml", "yaml_unclosed_flow_map.yaml"])
def test_failing_command_writes_nothing_and_keeps_its_input(tmp_path, command, bad):
    spec = tmp_path / bad
    spec.write_bytes((CORPUS / bad).read_bytes())
    before = (spec.read_bytes(), spec.stat().st_mtime_ns)
    old_output = tmp_path / "old.svg"
    old_output.write_text("previous output")
    args = OUTPUT_COMMANDS[command](str(spec), str(tmp_path / "out"))
    if command == "graph":
        args[-1] = str(old_output)
    run = run_archdsl(args, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    assert (spec.read_bytes(), spec.stat().st_mtime_ns) == before
    assert old_output.read_text() == "previous output"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([bad, "old.svg"])


SAMPLE = ["yaml_tab_indent.yaml", "alias_billion_laughs.yaml", "big_layers_repeats.yaml"]


@pytest.mark.parametrize("name", [n for n in SAMPLE if n in ENTRIES])
def test_real_command_matches_the_forked_run(name):
    """A few entries through the real `python -m archdsl`: same output, start-up included."""
    entry = ENTRIES[name]
    run = validate(entry)
    assert (run.returncode, run.stdout, run.stderr) == (
        result(name).returncode,
        result(name).stdout,
        result(name).stderr,
    )
    assert run.cpu_seconds < CPU_SECONDS + 0.5  # Python and archdsl's imports: ~0.2 s
    assert run.max_rss_kb < MAX_RSS_KB


if __name__ == "__main__":
    serve()


@pytest.mark.parametrize("command", [c for c in ("graph", "fmt -o", "build") if c in _commands()])
def test_output_into_a_missing_folder_is_an_error(tmp_path, command):
    out = str(tmp_path / "missing" / "out")
    run = run_archdsl(OUTPUT_COMMANDS[command]("mobilenet_v2", out))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("archdsl: error: cannot write")


def test_fmt_write_keeps_the_file_mode(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text((ROOT / "specs" / "mobilenet_v2.yaml").read_text() + "\n\n")
    spec.chmod(0o640)
    run = run_archdsl(["fmt", str(spec), "--write"])
    assert run.returncode == 0, run.stderr
    assert spec.stat().st_mode & 0o777 == 0o640
