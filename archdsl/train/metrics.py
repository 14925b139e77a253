"""Accuracy, top-k, per-class accuracy and the confusion matrix, from probabilities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TOP_K = 5


@dataclass(frozen=True)
class Scores:
    images: int
    accuracy: float
    k: int  # 5, or the number of classes minus one when there are fewer than six
    top_k: float
    per_class_images: list[int]
    per_class: list[float]
    confusion: list[list[int]]  # [true][predicted]


def score(labels: Sequence[int], probabilities: Sequence[np.ndarray], classes: int) -> Scores:
    truth = np.asarray(labels)
    scores = np.concatenate(probabilities)
    predicted = scores.argmax(axis=1)
    k = min(TOP_K, classes - 1)
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    confusion = np.zeros((classes, classes), dtype=int)
    np.add.at(confusion, (truth, predicted), 1)
    counts = confusion.sum(axis=1)
    per_class = np.diag(confusion) / np.maximum(counts, 1)  # scan() refuses empty classes
    return Scores(
        images=len(truth),
        accuracy=float((predicted == truth).mean()),
        k=k,
        top_k=float((top == truth[:, None]).any(axis=1).mean()),
        per_class_images=counts.tolist(),
        per_class=[float(value) for value in per_class],
        confusion=confusion.tolist(),
    )
