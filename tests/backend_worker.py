"""One side of a cross-backend check, run as ``python -m tests.backend_worker DIR SIZE NAME...`` with
KERAS_BACKEND set (Keras picks its backend once, at import, so each backend needs a process).

DIR holds, per built-in NAME (built with logits out): ``NAME.keras`` saved on TensorFlow
with random weights,
``input.npy`` and ``NAME.npy`` (TensorFlow's output). For each one this process
1. loads ``NAME.keras`` in safe mode and runs it (a file saved on TensorFlow loads here),
2. saves it again as ``NAME.BACKEND.keras`` for TensorFlow to load back, and
3. for the networks in BUILT (their custom layers included), also builds NAME from its spec
   on this backend, copies the loaded weights in and runs it: archdsl builds the same
   network here. (Loading a .keras file rebuilds the model on this backend too, from the
   same layer configs; building from the spec again for every built-in would double the
   test's cost.)
It writes the largest relative differences to ``BACKEND.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

BUILT = ("shufflenet_v2", "mobilenet_v3_small")  # ChannelSplit/Shuffle; hard-sigmoid SE


def relative(got: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(got - expected)) / np.max(np.abs(expected)))


def main(folder: Path, names: list[str], size: int) -> None:
    import keras

    import archdsl

    backend = keras.backend.backend()
    image = np.load(folder / "input.npy")
    report = {}
    for name in names:
        expected = np.load(folder / f"{name}.npy")
        loaded = keras.saving.load_model(folder / f"{name}.keras", safe_mode=True)
        from_file = keras.ops.convert_to_numpy(loaded(image, training=False))
        loaded.save(folder / f"{name}.{backend}.keras")
        report[name] = {"loaded": relative(from_file, expected)}
        if name in BUILT:
            graph = archdsl.load(name, input=size, classifier_activation="none")
            built = archdsl.to_keras(graph)
            built.set_weights(loaded.get_weights())
            from_spec = keras.ops.convert_to_numpy(built(image, training=False))
            report[name]["built"] = relative(from_spec, expected)
        keras.backend.clear_session()
    (folder / f"{backend}.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[3:], int(sys.argv[2]))
