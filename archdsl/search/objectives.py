"""What a search optimizes: objectives, constraints and the MnasNet reward, and how a
candidate is scored (pure Python; the user's accuracy function may import anything)."""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archdsl.errors import SpecError
from archdsl.latency.table import Table

# Figures a candidate has without training, all minimized: memory is the peak of live
# activations in bytes, memory_access ShuffleNetV2's memory access cost in values, latency
# the latency table's prediction in milliseconds.
MINIMIZED = ("params", "macs", "memory", "memory_access", "latency")
SUFFIXES = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "ms": 1}
_FIGURES = "|".join(MINIMIZED)
_CONSTRAINT = re.compile(rf"^\s*({_FIGURES})\s*(<=|<|>=|>)\s*([0-9.]+)\s*([kKMG]?|ms)\s*$")


@dataclass(frozen=True)
class Constraint:
    figure: str
    op: str
    bound: float
    text: str

    def violation(self, figures: dict[str, float]) -> float:
        """How far ``figures`` are outside the constraint (0 or less: met), Optuna's convention."""
        value = figures[self.figure]
        return value - self.bound if self.op in ("<=", "<") else self.bound - value

    def met(self, figures: dict[str, float]) -> bool:
        value = figures[self.figure]
        return {
            "<=": value <= self.bound,
            "<": value < self.bound,
            ">=": value >= self.bound,
            ">": value > self.bound,
        }[self.op]


@dataclass(frozen=True)
class Reward:
    """MnasNet's ACC(m) x [LAT(m)/T]^w, w = alpha when LAT <= T, else beta; LAT is the
    ``figure``: predicted latency, or MACs standing in for it."""

    target: float
    alpha: float = -0.07
    beta: float = -0.07
    figure: str = "macs"

    def __call__(self, accuracy: float, cost: float) -> float:
        weight = self.alpha if cost <= self.target else self.beta
        return accuracy * (cost / self.target) ** weight


@dataclass(frozen=True)
class Goal:
    """The objectives (names and directions), constraints and the accuracy source."""

    objectives: tuple[str, ...]
    constraints: tuple[Constraint, ...] = ()
    reward: Reward | None = None
    accuracy: str | None = None  # module:function, or train:DIR
    latency_table: Table | None = None  # for latency objectives, constraints or reward
    trainer: Callable[[Any, dict[str, Any]], float] | None = None  # --accuracy train:DIR
    directions: tuple[str, ...] = field(init=False)

    @property
    def needs_latency(self) -> bool:
        return (
            "latency" in self.objectives
            or any(c.figure == "latency" for c in self.constraints)
            or (self.reward is not None and self.reward.figure == "latency")
        )

    def __post_init__(self) -> None:
        directions = tuple(
            "maximize" if name in ("accuracy", "reward") else "minimize" for name in self.objectives
        )
        object.__setattr__(self, "directions", directions)


def parse_goal(
    objectives: str,
    constraints: list[str],
    reward: str | None,
    target: str | None,
    alpha: float,
    beta: float,
    accuracy: str | None,
    target_latency: str | None = None,
) -> Goal:
    """The command line's objectives and constraints, checked; errors name the flag."""
    for text in constraints:
        if not _CONSTRAINT.match(text):
            raise SpecError(
                None,
                f"--constraint '{text}': write FIGURE<=NUMBER, e.g. 'macs<=300M' or"
                f" 'latency<=80ms' (figures: {', '.join(MINIMIZED)}; suffixes k, M, G, ms)",
            )
    parsed = tuple(_constraint(text) for text in constraints)
    if reward is not None:
        if target is None and target_latency is None:
            raise SpecError(
                None,
                "--reward mnasnet needs a target: --target-latency 80ms (predicted latency)"
                " or --target 300M (MACs)",
            )
        if accuracy is None:
            raise SpecError(None, "--reward mnasnet needs accuracy: --accuracy module:function")
        if target_latency is not None:
            goal_reward = Reward(_milliseconds(target_latency), alpha, beta, "latency")
        else:
            goal_reward = Reward(macs_target(target or ""), alpha, beta)
        return Goal(("reward",), parsed, goal_reward, accuracy)
    if target_latency is not None or target is not None:
        raise SpecError(None, "--target and --target-latency are the targets of --reward mnasnet")
    names = tuple(name.strip() for name in objectives.split(",") if name.strip())
    known = (*MINIMIZED, "accuracy")
    for name in names:
        if name not in known:
            raise SpecError(None, f"--objective {name}: unknown (objectives: {', '.join(known)})")
    if not names or len(set(names)) != len(names):
        raise SpecError(None, f"--objective '{objectives}': give distinct names, e.g. params,macs")
    if "accuracy" in names and accuracy is None:
        raise SpecError(None, "--objective accuracy needs --accuracy module:function")
    return Goal(names, parsed, None, accuracy)


def _constraint(text: str) -> Constraint:
    match = _CONSTRAINT.match(text)
    assert match is not None
    figure, op, number, suffix = match.groups()
    if (suffix == "ms") != (figure == "latency") and suffix != "":
        raise SpecError(None, f"--constraint '{text}': ms is for latency, k/M/G for the others")
    return Constraint(figure, op, float(number) * SUFFIXES[suffix], text.strip())


def macs_target(text: str) -> float:
    """A number of MACs with an optional k, M or G suffix (the reward's --target)."""
    if text.strip().endswith("ms"):
        raise SpecError(
            None, f"--target {text}: --target is in MACs; a latency target is --target-latency"
        )
    match = re.fullmatch(r"\s*([0-9.]+)\s*([kKMG]?)\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise SpecError(None, f"--target {text}: a positive number of MACs, e.g. 300M")
    return float(match.group(1)) * SUFFIXES[match.group(2)]


def _milliseconds(text: str) -> float:
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(ms)?\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise SpecError(
            None, f"--target-latency {text}: a positive number of milliseconds, e.g. 80ms"
        )
    return float(match.group(1))


def load_accuracy(spec: str) -> Callable[[Any, dict[str, Any]], float]:
    """The user's accuracy function ``module:function``, imported from the working folder."""
    module_name, sep, function_name = spec.partition(":")
    if not sep or not module_name or not function_name:
        raise SpecError(None, f"--accuracy {spec}: write module:function, e.g. my_eval:accuracy")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise SpecError(None, f"--accuracy {spec}: cannot import {module_name}: {error}") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise SpecError(None, f"--accuracy {spec}: {module_name} has no function {function_name}")
    return function


def score(goal: Goal, figures: dict[str, float], accuracy: float | None) -> tuple[float, ...]:
    """The objective values of a candidate, in the goal's order."""
    values = dict(figures)
    if accuracy is not None:
        values["accuracy"] = accuracy
    if goal.reward is not None:
        assert accuracy is not None
        values["reward"] = goal.reward(accuracy, figures[goal.reward.figure])
    return tuple(float(values[name]) for name in goal.objectives)
