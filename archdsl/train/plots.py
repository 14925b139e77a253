"""The run's pictures with matplotlib: training curves and a confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from archdsl.commands.common import write_atomically


def _pyplot() -> ModuleType:
    """matplotlib.pyplot, imported only when a picture is drawn, without a display."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_curves(path: Path, rows: Sequence[dict[str, float]], title: str) -> None:
    """Accuracy and loss side by side, training against validation, as the seeds plot them."""
    plt = _pyplot()
    epochs = [row["epoch"] for row in rows]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for axis, metric, name in ((axes[0], "accuracy", "Accuracy"), (axes[1], "loss", "Loss")):
        axis.plot(epochs, [row[metric] for row in rows], "o-", label=f"Training {metric}")
        axis.plot(
            epochs, [row[f"val_{metric}"] for row in rows], "s-", label=f"Validation {metric}"
        )
        axis.set_title(f"Training and validation {metric}")
        axis.set_xlabel("Epoch")
        axis.set_ylabel(name)
        axis.grid(alpha=0.3)
        axis.legend()
    if epochs:
        axes[0].set_xticks(_ticks(epochs))
        axes[1].set_xticks(_ticks(epochs))
    figure.suptitle(title)
    write_atomically(str(path), lambda tmp: figure.savefig(tmp, format="png", dpi=100))
    plt.close(figure)


def _ticks(epochs: list[int]) -> list[int]:
    step = max(1, len(epochs) // 10)
    return epochs[::step]


def write_confusion(
    path: Path, matrix: Sequence[Sequence[int]], classes: Sequence[str], title: str
) -> None:
    """Rows are true classes, columns predicted ones; each cell holds its count."""
    plt = _pyplot()
    size = min(4 + 0.45 * len(classes), 20)
    figure, axis = plt.subplots(figsize=(size + 1, size), layout="constrained")
    image = axis.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axis, shrink=0.8)
    ticks = range(len(classes))
    axis.set_xticks(ticks, classes, rotation=90 if len(classes) > 6 else 0)
    axis.set_yticks(ticks, classes)
    axis.set_xlabel("Predicted class")
    axis.set_ylabel("True class")
    axis.set_title(title)
    if len(classes) <= 30:
        peak = max((max(row) for row in matrix), default=0)
        for i, row in enumerate(matrix):
            for j, count in enumerate(row):
                color = "white" if count > peak / 2 else "black"
                axis.text(j, i, str(count), ha="center", va="center", color=color, fontsize=8)
    write_atomically(str(path), lambda tmp: figure.savefig(tmp, format="png", dpi=100))
    plt.close(figure)
