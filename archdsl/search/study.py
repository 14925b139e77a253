"""An Optuna study over a space: its storage, its sampler, and trials run here or on Ray.

The study lives in a storage (an SQLite file, or any Optuna RDB URL), so an interrupted
search resumes where it stopped and several processes or machines can share one study.
A study records its space's fingerprint and objectives; another space is refused.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import optuna

from archdsl.errors import SpecError
from archdsl.latency.predict import MissingEntries
from archdsl.search.objectives import Goal, load_accuracy, score
from archdsl.space.evaluate import Evaluator, evaluate
from archdsl.space.space import Assignment, Space
from archdsl.spec.limits import DEFAULT_LIMITS, Limits

SAMPLERS = ("tpe", "nsga2", "random")
# A trial whose process stopped beating (a dead worker) is failed, then retried once;
# Optuna 4.9 renamed the callback.
if hasattr(optuna.storages, "RetryHeartbeatStaleTrialCallback"):
    _RETRY_ARGUMENT, _RETRY = (
        "heartbeat_stale_trial_callback",
        optuna.storages.RetryHeartbeatStaleTrialCallback,
    )
else:
    _RETRY_ARGUMENT, _RETRY = "failed_trial_callback", optuna.storages.RetryFailedTrialCallback


def storage_url(storage: str) -> str:
    """An RDB URL as given (postgresql://..., sqlite:///...), or a file path as SQLite."""
    return storage if "://" in storage else f"sqlite:///{os.path.abspath(storage)}"


def open_study(
    space: Space, goal: Goal, storage: str | None, name: str | None, sampler: str, seed: int | None
) -> optuna.Study:
    """Create the study, or load it to resume; refuse one made for another space or goal.

    Without a storage the study lives in memory and ends with the process.
    """
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    rdb = optuna.storages.InMemoryStorage() if storage is None else _rdb(storage)
    study_name = name or str(space.doc.data.get("name", "archdsl"))
    existing = {s.study_name: s for s in optuna.get_all_study_summaries(rdb)}
    if study_name in existing:
        attrs = existing[study_name].user_attrs
        if attrs.get("archdsl_space") != space.fingerprint:
            raise SpecError(
                None,
                f"--storage {storage}: study '{study_name}' was made for another space"
                f" (fingerprint {attrs.get('archdsl_space')}, this space {space.fingerprint});"
                " give another --study name or storage",
            )
        if attrs.get("archdsl_objectives") != list(goal.objectives):
            raise SpecError(
                None,
                f"--storage {storage}: study '{study_name}' optimizes"
                f" {', '.join(attrs.get('archdsl_objectives', []))}, not {', '.join(goal.objectives)}",
            )
        lat = attrs.get("archdsl_reward_lat")
        if goal.reward is not None and lat not in (None, goal.reward.figure):
            raise SpecError(
                None,
                f"--storage {storage}: study '{study_name}' rewards with LAT = {lat},"
                f" not {goal.reward.figure}",
            )
    study = optuna.create_study(
        storage=rdb,
        study_name=study_name,
        directions=list(goal.directions),
        sampler=make_sampler(sampler, seed, goal),
        load_if_exists=True,
    )
    if study_name not in existing:
        study.set_user_attr("archdsl_space", space.fingerprint)
        study.set_user_attr("archdsl_space_file", space.doc.file)
        study.set_user_attr("archdsl_objectives", list(goal.objectives))
        if goal.reward is not None:
            study.set_user_attr("archdsl_reward_lat", goal.reward.figure)
    return study


def _rdb(storage: str) -> optuna.storages.RDBStorage:
    if "://" not in storage and os.path.exists(storage) and not _is_sqlite(storage):
        raise SpecError(None, f"--storage {storage}: not an SQLite file (an Optuna study storage)")
    try:
        with warnings.catch_warnings():  # heartbeats are "experimental" since Optuna 2.8
            warnings.simplefilter("ignore")
            rdb = optuna.storages.RDBStorage(
                storage_url(storage),
                heartbeat_interval=30,
                grace_period=120,
                **{_RETRY_ARGUMENT: _RETRY(max_retry=1)},
            )
    except Exception as error:  # SQLAlchemy's and Optuna's errors: no common base
        raise SpecError(None, f"--storage {storage}: cannot open it: {error}") from None
    return rdb


def _is_sqlite(path: str) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(16)
    return head == b"SQLite format 3\x00" or head == b""


def make_sampler(name: str, seed: int | None, goal: Goal) -> optuna.samplers.BaseSampler:
    constraints = _constraints if goal.constraints else None
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, constraints_func=constraints)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, constraints_func=constraints)
    return optuna.samplers.RandomSampler(seed=seed)


def _constraints(trial: optuna.trial.FrozenTrial) -> list[float]:
    return list(trial.user_attrs.get("constraint", [1.0]))


def suggest(space: Space, trial: optuna.trial.BaseTrial) -> Assignment:
    """Ask the trial for each choice its candidate makes (an op's knobs only if it takes them)."""
    assignment: Assignment = {}
    for choice in space.choices:
        assignment[choice.name] = 0
        if space.is_active(choice, assignment):
            label = trial.suggest_categorical(choice.name, list(choice.labels))
            assignment[choice.name] = choice.labels.index(label)
    return assignment


@dataclass(frozen=True)
class Outcome:
    """What evaluating one candidate gave: its figures and accuracy, or why it failed."""

    figures: dict[str, float] | None
    accuracy: float | None
    error: str | None = None


def measure(
    space: Space,
    assignment: Assignment,
    index: int,
    goal: Goal,
    limits: Limits = DEFAULT_LIMITS,
    accuracy: Callable[..., float] | None = None,
    evaluator: Evaluator | None = None,
) -> Outcome:
    """The candidate's figures, then what the accuracy function (if any) says of it."""
    evaluator = evaluator or Evaluator(space, limits, goal.latency_table)
    try:
        figures = evaluator.figures(assignment, index)
        value = None
        if goal.accuracy is not None:
            candidate = evaluate(space, assignment, index, limits)
            function = accuracy or goal.trainer or load_accuracy(goal.accuracy)
            value = float(function(candidate.graph, candidate.doc.data))
        return Outcome(figures, value)
    except SpecError as error:
        return Outcome(None, None, str(error))
    except MissingEntries as error:
        first = error.missing[0].key if error.missing else "the per-inference overhead"
        return Outcome(
            None,
            None,
            f"the latency table lacks {max(1, len(error.missing))} of this candidate's layer"
            f" configurations (first: {first}); run the search with --calibrate to measure them",
        )
    except Exception as error:  # the user's function: its failure fails this trial only
        return Outcome(None, None, f"{goal.accuracy}: {type(error).__name__}: {error}")


def record(
    trial: optuna.trial.BaseTrial,
    space: Space,
    assignment: Assignment,
    goal: Goal,
    outcome: Outcome,
) -> tuple[float, ...] | None:
    """Store the candidate on its trial; its objective values, or None when it failed."""
    trial.set_user_attr("assignment", assignment)
    trial.set_user_attr("choices", space.values(assignment))
    if outcome.figures is None:
        trial.set_user_attr("error", outcome.error)
        return None
    trial.set_user_attr("figures", outcome.figures)
    if outcome.accuracy is not None:
        trial.set_user_attr("accuracy", outcome.accuracy)
    trial.set_user_attr("constraint", [c.violation(outcome.figures) for c in goal.constraints])
    return score(goal, outcome.figures, outcome.accuracy)


def finished(study: optuna.Study) -> int:
    states = (
        optuna.trial.TrialState.COMPLETE,
        optuna.trial.TrialState.FAIL,
        optuna.trial.TrialState.PRUNED,
    )
    return len(study.get_trials(deepcopy=False, states=states))


def run_here(
    study: optuna.Study,
    space: Space,
    goal: Goal,
    trials: int,
    limits: Limits,
    on_trial: Callable[[int, str | None], None],
) -> None:
    """Run trials in this process until the study has ``trials`` finished ones."""
    accuracy = goal.trainer or (load_accuracy(goal.accuracy) if goal.accuracy else None)
    evaluator = Evaluator(space, limits, goal.latency_table)

    def objective(trial: optuna.Trial) -> tuple[float, ...]:
        assignment = suggest(space, trial)
        outcome = measure(space, assignment, trial.number + 1, goal, limits, accuracy, evaluator)
        values = record(trial, space, assignment, goal, outcome)
        if values is None:
            raise TrialFailed(outcome.error or "failed")
        return values

    def callback(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        on_trial(finished(study), trial.user_attrs.get("error"))
        if finished(study) >= trials:
            study.stop()

    remaining = trials - finished(study)
    if remaining > 0:
        study.optimize(objective, n_trials=remaining, callbacks=[callback], catch=(TrialFailed,))


class TrialFailed(Exception):
    """A candidate that did not compile or whose accuracy function raised."""


def report_failure(number: int, error: str | None) -> None:
    if error:
        print(f"trial {number} failed: {error}", file=sys.stderr)


def trial_rows(study: optuna.Study) -> list[dict[str, Any]]:
    """Every trial as one flat record: number, state, objective values, figures, choices."""
    rows = []
    for trial in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {"trial": trial.number, "state": trial.state.name}
        names = study.user_attrs.get("archdsl_objectives", [])
        for name, value in zip(names, trial.values or [None] * len(names), strict=False):
            row[name] = value
        row.update(trial.user_attrs.get("figures", {}))
        if "accuracy" in trial.user_attrs:
            row["accuracy"] = trial.user_attrs["accuracy"]
        row["feasible"] = all(v <= 0 for v in trial.user_attrs.get("constraint", [0]))
        row["error"] = trial.user_attrs.get("error")
        row["choices"] = trial.user_attrs.get("choices", {})
        rows.append(row)
    return rows
