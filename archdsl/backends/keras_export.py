"""Deployment formats of a built Keras model: TensorFlow SavedModel and TFLite.

Both go through a SavedModel that Keras writes (``model.export``, inference mode); TFLite
is converted from it with TensorFlow's converter, built-in TFLite ops only, so the file
runs in the plain TFLite (LiteRT) interpreter on a phone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from typing import Any

import keras
import numpy as np

from archdsl.backends.tf_runtime import quiet_native_stderr


def write_saved_model(model: keras.Model, folder: str) -> None:
    """Export ``model`` as a SavedModel folder, atomically: a temp folder, then renames."""
    target = os.path.abspath(folder)
    parent = os.path.dirname(target)
    tmp = tempfile.mkdtemp(prefix=".archdsl-", dir=parent)
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; a model folder is not
        model.export(tmp, format="tf_saved_model", verbose=False)
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _swap_in(new: str, target: str) -> None:
    """Rename ``new`` to ``target``; an old ``target`` is moved aside first, then removed."""
    if not os.path.lexists(target):
        os.replace(new, target)
        return
    old = tempfile.mkdtemp(prefix=".archdsl-old-", dir=os.path.dirname(target))
    os.rmdir(old)
    os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old, target)
        raise
    if os.path.isdir(old) and not os.path.islink(old):
        shutil.rmtree(old)
    else:
        os.unlink(old)


def tflite_bytes(model: keras.Model, saved_model: str | None = None) -> bytes:
    """Convert ``model`` (in inference mode) to a TFLite flatbuffer of built-in ops.

    ``saved_model`` is a SavedModel of ``model`` already written, to convert from.
    """
    import tensorflow as tf

    if saved_model is None:
        with tempfile.TemporaryDirectory(prefix="archdsl-") as tmp:
            model.export(tmp, format="tf_saved_model", verbose=False)
            return tflite_bytes(model, tmp)
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    with quiet_native_stderr():
        return converter.convert()


def tflite_interpreter(content: bytes) -> Any:
    """A TFLite interpreter for ``content``: LiteRT's when installed, else TensorFlow's."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        with warnings.catch_warnings():
            # TF 2.21 still ships tf.lite.Interpreter, and warns that LiteRT replaces it.
            warnings.filterwarnings("ignore", message=r"\s*Warning: tf\.lite\.Interpreter")
            return tf.lite.Interpreter(model_content=content)
    return Interpreter(model_content=content)


def run_tflite(content: bytes, batch: np.ndarray) -> np.ndarray:
    """Run the TFLite model ``content`` on ``batch``, one image at a time."""
    interpreter = tflite_interpreter(content)
    with quiet_native_stderr():  # "Created TensorFlow Lite XNNPACK delegate for CPU."
        interpreter.allocate_tensors()
    (source,) = interpreter.get_input_details()
    (sink,) = interpreter.get_output_details()
    results = []
    for image in batch:
        interpreter.set_tensor(source["index"], image[None].astype(source["dtype"]))
        interpreter.invoke()
        results.append(interpreter.get_tensor(sink["index"])[0])
    return np.stack(results)


def tflite_difference(model: keras.Model, content: bytes, seed: int = 0) -> tuple[float, float]:
    """On one random image in [-1, 1): the max abs difference between the TFLite and Keras
    outputs, and the largest magnitude of the Keras output."""
    shape = tuple(model.input_shape[1:])
    image = np.random.default_rng(seed).uniform(-1.0, 1.0, (1, *shape)).astype(np.float32)
    expected = keras.ops.convert_to_numpy(model(image, training=False))
    difference = np.max(np.abs(run_tflite(content, image) - expected))
    return float(difference), float(np.max(np.abs(expected)))
