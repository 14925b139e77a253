"""Deployment formats of a built Keras model: TensorFlow SavedModel, TFLite and ONNX.

SavedModel and TFLite go through a SavedModel that Keras writes (``model.export``,
inference mode); TFLite is converted from it with TensorFlow's converter, built-in TFLite
ops only, so the file runs in the plain TFLite (LiteRT) interpreter on a phone. ONNX is
Keras 3's own exporter (``model.export(format="onnx")``, which runs tf2onnx on the
TensorFlow backend and patches it for NumPy 2); onnxruntime runs the result.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
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


def onnx_bytes(model: keras.Model) -> bytes:
    """Export ``model`` (in inference mode) to ONNX with Keras's exporter; the file's bytes."""
    if not model._called:  # Keras's ONNX exporter refuses a model that has never run
        model(np.zeros((1, *model.input_shape[1:]), np.float32), training=False)
    with tempfile.TemporaryDirectory(prefix="archdsl-") as tmp:
        path = os.path.join(tmp, "model.onnx")
        # tf2onnx logs a traceback when one of its graph optimizations does not apply (the
        # graph is then kept as it was, and the output check below still runs): not news.
        tf2onnx_log = logging.getLogger("tf2onnx")
        level = tf2onnx_log.level
        tf2onnx_log.setLevel(logging.ERROR)
        try:
            with (
                quiet_native_stderr(),
                warnings.catch_warnings(),
                _normalization_reads_variables(model),
            ):
                # keras' tf2onnx patch probes np.object, which NumPy 2 warns about
                warnings.filterwarnings("ignore", category=FutureWarning, module=r"keras\.")
                model.export(path, format="onnx", verbose=False)
        finally:
            tf2onnx_log.setLevel(level)
        with open(path, "rb") as handle:
            return handle.read()


@contextmanager
def _normalization_reads_variables(model: keras.Model) -> Iterator[None]:
    """Let Normalization layers read their mean and variance variables while exporting.

    Keras's adaptable Normalization computes on constant copies of its variables, made
    eagerly (``finalize_state``); a traced function captures those copies as external
    tensors, and tf2onnx turns each into an extra graph input instead of a weight. Pointed
    at the variables themselves (same values, shape (C,) broadcasting over NHWC), the
    export freezes them like any other weight. Restored afterwards.
    """
    swapped = [
        (layer, layer.mean, layer.variance)
        for layer in model.layers
        if isinstance(layer, keras.layers.Normalization) and layer.input_mean is None
    ]
    for layer, _, _ in swapped:
        layer.mean, layer.variance = layer.adapt_mean, layer.adapt_variance
    try:
        yield
    finally:
        for layer, mean, variance in swapped:
            layer.mean, layer.variance = mean, variance


def run_onnx(content: bytes, batch: np.ndarray) -> np.ndarray:
    """Run the ONNX model ``content`` on ``batch`` with onnxruntime on the CPU."""
    import onnxruntime

    session = onnxruntime.InferenceSession(content, providers=["CPUExecutionProvider"])
    (source,) = session.get_inputs()
    return session.run(None, {source.name: batch.astype(np.float32)})[0]


def output_difference(
    model: keras.Model, run: Any, content: bytes, seed: int = 0
) -> tuple[float, float]:
    """On one random image in [-1, 1): the max abs difference between ``run(content, image)``
    and the Keras output, and the largest magnitude of the Keras output."""
    shape = tuple(model.input_shape[1:])
    image = np.random.default_rng(seed).uniform(-1.0, 1.0, (1, *shape)).astype(np.float32)
    expected = keras.ops.convert_to_numpy(model(image, training=False))
    difference = np.max(np.abs(run(content, image) - expected))
    return float(difference), float(np.max(np.abs(expected)))


def tflite_difference(model: keras.Model, content: bytes, seed: int = 0) -> tuple[float, float]:
    """:func:`output_difference` of the TFLite model ``content``."""
    return output_difference(model, run_tflite, content, seed)


def onnx_difference(model: keras.Model, content: bytes, seed: int = 0) -> tuple[float, float]:
    """:func:`output_difference` of the ONNX model ``content``."""
    return output_difference(model, run_onnx, content, seed)
