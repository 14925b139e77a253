"""The compiler as it was before issue 10 (the speed work), to measure against in the same run.

Its ``archdsl`` package and built-in specs are taken from git (``git archive``) into
out/baseline-COMMIT/, once. A process runs it with that folder first on PYTHONPATH; an
in-process figure runs it in a worker process that times batches on request, so that its
rounds alternate with ours like any other reference.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

from bench.results import Unavailable
from bench.timing import user_environment

REPO = Path(__file__).resolve().parents[1]
COMMIT = "7e129d2"  # main just before the speed work: the "before" of every speed figure
NAME = f"archdsl at {COMMIT} (before issue 10)"


def folder() -> Path:
    """out/baseline-COMMIT/ holding the baseline's archdsl package (specs inside it)."""
    target = REPO / "out" / f"baseline-{COMMIT}"
    if (target / "archdsl" / "specs").is_dir():
        return target
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", COMMIT, "archdsl", "specs"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise Unavailable(f"the baseline needs git history with commit {COMMIT}")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(partial, filter="data")
    (partial / "specs").rename(partial / "archdsl" / "specs")  # the package archdsl.specs
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


def environment() -> dict[str, str]:
    """``user_environment()`` in which ``import archdsl`` finds the baseline."""
    env = user_environment()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder()), env.get("PYTHONPATH")) if p)
    return env


class Worker:
    """A process running the baseline that times ``calls`` of a statement on request.

    ``setup`` runs once; then each request times ``statement`` run a given number of
    times and answers the seconds it took.
    """

    def __init__(self, setup: str, statement: str) -> None:
        code = (
            "import sys, time\n"
            f"{setup}\n"
            "for line in sys.stdin:\n"
            "    start = time.perf_counter()\n"
            "    for _ in range(int(line)):\n"
            f"        {statement}\n"
            "    print(time.perf_counter() - start, flush=True)\n"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment(),
            cwd=str(folder()),
        )

    def seconds(self, times: int) -> float:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(f"{times}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the baseline worker exited ({self.process.wait()})")
        return float(answer)

    def batched(self, target: float) -> tuple[Callable[[], float], int]:
        """A side timing a batch of about ``target`` seconds, and the batch size."""
        self.seconds(1)
        times = max(1, min(10_000, round(target / max(self.seconds(1), 1e-9))))
        return (lambda: self.seconds(times)), times

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait()
