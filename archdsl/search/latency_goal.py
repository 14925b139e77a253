"""Latency in a search: the table, whether it covers the space, calibrating what it lacks.

Before a search that needs latency, every layer configuration the space's candidates can
have is listed (stage by stage, without enumerating candidates) and looked up. A table that
lacks some is filled with --calibrate, or the search stops with one line that says how;
a MnasNet reward given both targets falls back to MACs instead, and says so.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from pathlib import Path

from archdsl.errors import SpecError
from archdsl.search.objectives import Goal, Reward, macs_target
from archdsl.space.figures import StageFigures
from archdsl.space.latency import SpaceLatency
from archdsl.space.space import Space
from archdsl.spec.limits import Limits


def with_latency(goal: Goal, space: Space, limits: Limits, args: argparse.Namespace) -> Goal:
    """``goal`` with the latency table it needs, or with MACs for the reward's LAT."""
    from archdsl.latency import TableError, load_table

    try:
        table = load_table(1, args.latency_table)
    except TableError as error:
        raise SpecError(None, str(error)) from None
    stages = StageFigures(space, limits)
    if not stages.applies:
        print(
            "archdsl: a choice lies outside the stages, so the latency table is checked"
            " candidate by candidate",
            file=sys.stderr,
        )
        return dataclasses.replace(goal, latency_table=table)
    latency = SpaceLatency(stages, table)
    missing, wanted = latency.missing()
    if missing and args.calibrate:
        _calibrate(latency, len(missing), args)
        table = load_table(1, args.latency_table)
        missing, wanted = SpaceLatency(stages, table).missing()
    if not missing:
        print(
            f"latency: predicted from {table.path} ({wanted:,} layer configurations of the"
            " space, all in the table)",
            file=sys.stderr,
        )
        return dataclasses.replace(goal, latency_table=table)
    lacks = (
        f"the latency table {table.path} lacks {len(missing):,} of the {wanted:,} layer"
        f" configurations of this space's candidates (first: {missing[0].key})"
    )
    if goal.reward is not None and goal.reward.figure == "latency" and args.target:
        print(f"archdsl: {lacks}; the reward uses MACs, target {args.target}", file=sys.stderr)
        reward = Reward(macs_target(args.target), goal.reward.alpha, goal.reward.beta)
        return dataclasses.replace(goal, reward=reward)
    command = ["archdsl", *sys.argv[1:], "--calibrate"] if sys.argv[1:2] == ["search"] else None
    how = f": {shlex.join(command)}" if command else " (--calibrate)"
    raise SpecError(None, f"{lacks}; measure them with --calibrate (TensorFlow){how}")


def _calibrate(latency: SpaceLatency, count: int, args: argparse.Namespace) -> None:
    from archdsl.backends.tf_runtime import TensorFlowUnavailable
    from archdsl.latency.measure import import_tensorflow
    from archdsl.latency.table import Identity
    from archdsl.report.progress import Progress

    try:
        import_tensorflow(1)  # quietly, one thread as the table's
    except TensorFlowUnavailable as error:
        raise SpecError(None, f"--calibrate: {error}") from None
    from archdsl.latency.calibrate import calibrate, wants_fit

    fit = wants_fit(latency.table, 1)
    then = ", then fitting the table's correction on reference networks (once)" if fit else ""
    print(f"calibrating {count:,} layer configurations (TensorFlow){then}", file=sys.stderr)
    progress = Progress(count, "calibrate", args.progress)
    calibrate(
        latency.graphs(),
        Identity.here(1),
        Path(args.latency_table) if args.latency_table else None,
        progress=lambda done, total: progress.update(done, total=total),
        fit=fit,
    )
    progress.close()
