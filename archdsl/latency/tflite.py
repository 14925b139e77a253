"""Convert Keras models to float32 TFLite and run them in the interpreter (imports TensorFlow).

Conversion freezes the model's weights into a concrete function and converts that with
built-in TFLite ops only: the same operators as ``archdsl build --export tflite`` (BatchNorm
folded, activations fused), without writing a SavedModel, which makes converting the many
one-unit models of a calibration about twice as fast. The interpreter is LiteRT's
(``ai-edge-litert``) when installed, else TensorFlow's ``tf.lite.Interpreter``; both apply
the XNNPACK delegate to float models by default, as a phone's CPU runtime does.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from archdsl.backends.tf_runtime import quiet_native_stderr


def convert(model: Any, input_shapes: Sequence[tuple[int | None, ...]]) -> bytes:
    """A float32 TFLite flatbuffer of ``model`` for inputs of ``input_shapes`` (with batch;
    None dims stay dynamic and are set by ``interpreter``)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    specs = [tf.TensorSpec(shape, tf.float32, name=f"x{i}") for i, shape in enumerate(input_shapes)]

    def forward(*inputs: Any) -> Any:
        return model(list(inputs) if len(inputs) > 1 else inputs[0], training=False)

    with quiet_native_stderr(), _without_trackable_warning():
        concrete = tf.function(forward).get_concrete_function(*specs)
        converter = tf.lite.TFLiteConverter.from_concrete_functions(
            [convert_variables_to_constants_v2(concrete)]
        )
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        return converter.convert()


@contextlib.contextmanager
def _without_trackable_warning() -> Iterator[None]:
    """Hide the converter's advice to pass ``trackable_obj``: with it, the converter keeps
    the weights as variables (VAR_HANDLE and READ_VARIABLE ops, BatchNorm unfolded), which
    is not the model a phone runs; a frozen function is."""
    logger = logging.getLogger("absl")

    def keep(record: logging.LogRecord) -> bool:
        return "trackable_obj" not in record.getMessage()

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def interpreter(
    content: bytes, threads: int, input_shapes: Sequence[tuple[int, ...]], seed: int = 0
) -> Callable[[], None]:
    """An interpreter for ``content`` with its inputs resized to ``input_shapes`` and filled
    with random values in [-1, 1); returns its ``invoke``."""
    runner = _new_interpreter(content, threads)
    details = sorted(runner.get_input_details(), key=_input_number)
    for detail, shape in zip(details, input_shapes, strict=True):
        if tuple(detail["shape"]) != tuple(shape):
            runner.resize_tensor_input(detail["index"], list(shape), strict=False)
    with quiet_native_stderr():  # "Created TensorFlow Lite XNNPACK delegate for CPU."
        runner.allocate_tensors()
    rng = np.random.default_rng(seed)
    for detail, shape in zip(details, input_shapes, strict=True):
        runner.set_tensor(detail["index"], rng.uniform(-1.0, 1.0, shape).astype(np.float32))
    return runner.invoke


def _input_number(detail: dict[str, Any]) -> int:
    """Inputs are named x0, x1, ... (maybe with a prefix and suffix): their order."""
    match = re.search(r"x(\d+)(:\d+)?$", detail["name"])
    return int(match.group(1)) if match else detail["index"]


def _new_interpreter(content: bytes, threads: int) -> Any:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        with warnings.catch_warnings():
            # TF 2.21 still ships tf.lite.Interpreter, and warns that LiteRT replaces it.
            warnings.filterwarnings("ignore", message=r"\s*Warning: tf\.lite\.Interpreter")
            return tf.lite.Interpreter(model_content=content, num_threads=threads)
    return Interpreter(model_content=content, num_threads=threads)
