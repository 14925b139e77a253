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

# Figures a candidate has without training, all minimized. Latency: MACs stand in for it
# until archdsl has a latency predictor.
MINIMIZED = ("params", "macs", "memory")
SUFFIXES = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9}
_CONSTRAINT = re.compile(r"^\s*(params|macs|memory)\s*(<=|<|>=|>)\s*([0-9.]+)\s*([kKMG]?)\s*$")


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
    """MnasNet's ACC(m) x [LAT(m)/T]^w, w = alpha when LAT <= T, else beta (MACs for LAT)."""

    target: float
    alpha: float = -0.07
    beta: float = -0.07

    def __call__(self, accuracy: float, cost: float) -> float:
        weight = self.alpha if cost <= self.target else self.beta
        return accuracy * (cost / self.target) ** weight


@dataclass(frozen=True)
class Goal:
    """The objectives (names and directions), constraints and the accuracy source."""

    objectives: tuple[str, ...]
    constraints: tuple[Constraint, ...] = ()
    reward: Reward | None = None
    accuracy: str | None = None  # module:function
    directions: tuple[str, ...] = field(init=False)

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
) -> Goal:
    """The command line's objectives and constraints, checked; errors name the flag."""
    for text in constraints:
        if not _CONSTRAINT.match(text):
            raise SpecError(
                None,
                f"--constraint '{text}': write FIGURE<=NUMBER, e.g. 'macs<=300M' (figures: params, macs, memory; suffixes k, M, G)",
            )
    parsed = tuple(_constraint(text) for text in constraints)
    if reward is not None:
        if target is None:
            raise SpecError(None, "--reward mnasnet needs --target, e.g. --target 300M (MACs)")
        if accuracy is None:
            raise SpecError(None, "--reward mnasnet needs accuracy: --accuracy module:function")
        return Goal(("reward",), parsed, Reward(_target(target), alpha, beta), accuracy)
    names = tuple(name.strip() for name in objectives.split(",") if name.strip())
    known = (*MINIMIZED, "accuracy")
    for name in names:
        if name == "latency":
            raise SpecError(
                None,
                "--objective latency: archdsl has no latency predictor yet; use macs, which stands in for it",
            )
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
    return Constraint(figure, op, float(number) * SUFFIXES[suffix], text.strip())


def _target(text: str) -> float:
    if text.strip().endswith("ms"):
        raise SpecError(
            None,
            f"--target {text}: archdsl has no latency predictor yet; MACs stand in for latency, so give the target in MACs, e.g. 300M",
        )
    match = re.fullmatch(r"\s*([0-9.]+)\s*([kKMG]?)\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise SpecError(None, f"--target {text}: a positive number of MACs, e.g. 300M")
    return float(match.group(1)) * SUFFIXES[match.group(2)]


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
        values["reward"] = goal.reward(accuracy, figures["macs"])
    return tuple(float(values[name]) for name in goal.objectives)
