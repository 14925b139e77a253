"""A trained model and the run record beside it, for evaluate and predict."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archdsl.errors import SpecError
from archdsl.train import run_folder


@dataclass(frozen=True)
class SavedRun:
    model_path: Path
    record: dict[str, Any]

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.record["classes"])

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.record["pipeline"]["input_shape"])  # type: ignore[return-value]

    @property
    def logits(self) -> bool:
        return self.record["training"]["outputs"] == "logits"


def find_run(model: str) -> SavedRun:
    """MODEL is a run folder (its best.keras) or a .keras file in one.

    The run's record gives what the file alone does not: the class names, and how images
    were scaled for the network in training.
    """
    path = Path(model)
    if path.is_dir():
        path = path / run_folder.BEST
        if not path.exists():
            raise SpecError(None, f"{model}: a folder without {run_folder.BEST}")
    elif not path.exists():
        raise SpecError(None, f"{model}: no such file or run folder")
    elif path.suffix != ".keras":
        raise SpecError(None, f"{model}: not a .keras model or a run folder")
    if not (path.parent / run_folder.RUN_JSON).exists():
        raise SpecError(
            None,
            f"{model}: no {run_folder.RUN_JSON} beside it; evaluate and predict read the class"
            " names and the input scaling from the run that trained it (archdsl train)",
        )
    return SavedRun(path, run_folder.read_run(path.parent))


def load(run: SavedRun) -> Any:
    """The Keras model (TensorFlow must be imported already)."""
    import keras

    try:
        return keras.saving.load_model(run.model_path, safe_mode=True, compile=False)
    except (OSError, ValueError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SpecError(None, f"{run.model_path}: cannot load it ({reason})") from None


def probabilities(model: Any, images: Any, logits: bool) -> Any:
    """Class probabilities (numpy) of a batch of prepared images."""
    import keras

    outputs = model(images, training=False)
    if logits:
        outputs = keras.ops.softmax(outputs, axis=-1)
    return keras.ops.convert_to_numpy(outputs)
