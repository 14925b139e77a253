"""Accuracy from a short `archdsl train` run: ``--accuracy train:DIR``.

Each candidate is written as a spec into the search's output folder and trained by
`archdsl train` in a process of its own (TensorFlow's memory is released after each trial,
and a crash fails that trial only), on the image folder DIR, with the search's
``--train-args``; the objective is the run's best validation accuracy (run.json). The run
folders stay beside the study, one per trial.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from archdsl.errors import SpecError

PREFIX = "train:"


@dataclass(frozen=True)
class TrainAccuracy:
    """Called as an accuracy function, ``(graph, spec) -> best validation accuracy``."""

    data: str
    folder: str  # where the candidates' specs and run folders go
    args: tuple[str, ...] = ()

    def __call__(self, graph: Any, spec: dict[str, Any]) -> float:
        from archdsl.spec.yaml_writer import write_yaml

        name = str(spec["name"])
        os.makedirs(self.folder, exist_ok=True)
        spec_path = os.path.join(self.folder, f"{name}.yaml")
        with open(spec_path, "w", encoding="utf-8") as handle:
            handle.write(write_yaml(spec))
        run = os.path.join(self.folder, name)
        command = [sys.executable, "-m", "archdsl", "train", spec_path, "--data", self.data]
        command += ["-o", run, "--force", "--quiet", *self.args]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            lines = result.stderr.strip().splitlines() or [f"exit status {result.returncode}"]
            raise RuntimeError(f"archdsl train {name}: {lines[-1]}")
        with open(os.path.join(run, "run.json"), encoding="utf-8") as handle:
            return float(json.load(handle)["best"]["val_accuracy"])


def train_accuracy(spec: str, output: str | None, train_args: str | None) -> TrainAccuracy:
    """The ``train:DIR`` accuracy source, checked: DIR exists, -o is given, the args parse."""
    data = spec[len(PREFIX) :]
    if not os.path.isdir(data):
        raise SpecError(None, f"--accuracy {spec}: {data} is not a folder of class folders")
    if output is None:
        raise SpecError(None, f"--accuracy {spec} keeps each trial's run: give -o DIR")
    try:
        args = tuple(shlex.split(train_args or ""))
    except ValueError as error:
        raise SpecError(None, f"--train-args: {error}") from None
    for taken in ("--data", "-o", "--output", "--resume"):
        if taken in args:
            raise SpecError(None, f"--train-args: {taken} is set by the search")
    return TrainAccuracy(
        os.path.abspath(data), os.path.abspath(os.path.join(output, "train")), args
    )
