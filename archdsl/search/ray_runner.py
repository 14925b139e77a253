"""Trials evaluated on a Ray cluster: the driver asks Optuna, Ray tasks compile and score.

The study stays in the driver's storage (ask and tell), so nothing is lost when a worker
dies: Ray retries the task once, and a task that still fails fails its trial only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import optuna

from archdsl.search.objectives import Goal
from archdsl.search.study import Outcome, finished, measure, record, suggest
from archdsl.space.space import Assignment, Space
from archdsl.spec.limits import Limits


def _evaluate_task(
    space_file: str, assignment: Assignment, index: int, goal: Goal, limits: Limits, folder: str
) -> Outcome:
    """Runs on a Ray worker: read the space there and measure one candidate.

    ``folder`` is the driver's working folder, where the accuracy function's module is.
    """
    import os
    import sys

    from archdsl.space.load import load_space

    if os.path.isdir(folder):
        os.chdir(folder)
        if folder not in sys.path:
            sys.path.insert(0, folder)
    return measure(load_space(space_file, limits), assignment, index, goal, limits)


def run_on_ray(
    study: optuna.Study,
    space: Space,
    goal: Goal,
    trials: int,
    limits: Limits,
    address: str,
    workers: int,
    on_trial: Callable[[int, str | None], None],
) -> None:
    """Keep ``workers`` trials in flight on Ray until the study has ``trials`` finished."""
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        if address == "local":
            ray.init(num_cpus=max(1, workers), include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    task = ray.remote(max_retries=1)(_evaluate_task)
    folder = os.getcwd()
    pending: dict[Any, tuple[optuna.Trial, Assignment]] = {}
    try:
        asked = finished(study)
        while asked < trials or pending:
            while asked < trials and len(pending) < workers:
                trial = study.ask()
                assignment = suggest(space, trial)
                ref = task.remote(
                    space.doc.file, assignment, trial.number + 1, goal, limits, folder
                )
                pending[ref] = (trial, assignment)
                asked += 1
            done, _ = ray.wait(list(pending), num_returns=1)
            trial, assignment = pending.pop(done[0])
            try:
                outcome = ray.get(done[0])
            except Exception as error:  # a worker that died twice, or a task error
                outcome = Outcome(None, None, f"Ray worker: {type(error).__name__}: {error}")
            values = record(trial, space, assignment, goal, outcome)
            if values is None:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, list(values))
            on_trial(finished(study), outcome.error)
    finally:
        for trial, _ in pending.values():  # interrupted: these trials did not finish
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        if started_here:
            ray.shutdown()
