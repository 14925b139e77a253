"""Importing Keras 3 and its backend (TensorFlow, JAX or PyTorch) for ``archdsl build``:
quietly, or one clear error.

TensorFlow prints start-up chatter on every import (oneDNN and CUDA notices, and on a
machine without a GPU a failed ``cuInit``), some of it before its logging is set up, so
TF_CPP_MIN_LOG_LEVEL alone does not hide it. The import runs with TF_CPP_MIN_LOG_LEVEL at
2 unless the user set it, and with native stderr captured; captured lines are passed on
except those known chatter lines, so real errors still show. TF_CPP_MIN_LOG_LEVEL=0 shows
everything.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

INSTALL_HINT = "pip install 'tensorflow>=2.16'"

# The Keras 3 backends archdsl builds on, and how to install each one's library.
BACKENDS = {
    "tensorflow": INSTALL_HINT,
    "jax": "pip install 'archdsl[jax]'",
    "torch": "pip install 'archdsl[torch]'",
}

# Start-up lines TensorFlow writes before (or regardless of) TF_CPP_MIN_LOG_LEVEL.
CHATTER = (
    re.compile(r"^I\d{4} "),  # absl INFO lines: oneDNN and CUDA notices
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(r"^E\d{4} .*failed call to cuInit"),  # no GPU on this machine
    re.compile(r"^INFO: Created TensorFlow Lite XNNPACK delegate for CPU"),
)


class TensorFlowUnavailable(Exception):
    """TensorFlow (or the chosen backend's library) or Keras is missing or fails to import."""


def import_keras(backend: str = "tensorflow") -> ModuleType:
    """Import Keras 3 on ``backend`` (tensorflow, jax or torch) and that library; return keras.

    Keras reads KERAS_BACKEND once, when it is first imported, so a process builds on one
    backend: asking for another after Keras is loaded is an error, not a silent fallback.
    """
    if backend not in BACKENDS:
        raise TensorFlowUnavailable(
            f"unknown Keras backend '{backend}' (choose from {', '.join(BACKENDS)})"
        )
    loaded = sys.modules.get("keras")
    if loaded is not None and loaded.backend.backend() != backend:
        raise TensorFlowUnavailable(
            f"Keras is already loaded on the {loaded.backend.backend()} backend in this process;"
            f" set KERAS_BACKEND={backend} before it is imported"
        )
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_native_stderr():
        try:
            importlib.import_module(backend)
            import keras

            if backend == "tensorflow":
                import tensorflow as tf

                tf.config.list_physical_devices()
        except Exception as error:  # a missing module, or a broken install of one
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            needed = "TensorFlow" if backend == "tensorflow" else f"{backend} (the Keras backend)"
            raise TensorFlowUnavailable(
                f"{needed} is needed to build Keras models, but it cannot be imported"
                f" ({type(error).__name__}{': ' + reason if reason else ''});"
                f" install it with: {BACKENDS[backend]}"
            ) from error
    if not keras.__version__.startswith("3."):
        raise TensorFlowUnavailable(
            f"archdsl needs Keras 3, but keras {keras.__version__} is installed;"
            f" install it with: pip install 'keras>=3'"
        )
    return keras


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Capture file descriptor 2 for the block, then replay it minus TensorFlow's chatter.

    Does nothing when TF_CPP_MIN_LOG_LEVEL is 0 or unset (TensorFlow's default: say all).
    """
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") == "0":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode(errors="replace")
            kept = [
                line
                for line in text.splitlines(keepends=True)
                if not any(pattern.match(line) for pattern in CHATTER)
            ]
            sys.stderr.write("".join(kept))
            sys.stderr.flush()
