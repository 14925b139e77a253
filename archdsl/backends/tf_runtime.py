"""Importing TensorFlow and Keras for ``archdsl build``: quietly, or one clear error.

TensorFlow prints start-up chatter on every import (oneDNN and CUDA notices, and on a
machine without a GPU a failed ``cuInit``), some of it before its logging is set up, so
TF_CPP_MIN_LOG_LEVEL alone does not hide it. The import runs with TF_CPP_MIN_LOG_LEVEL at
2 unless the user set it, and with native stderr captured; captured lines are passed on
except those known chatter lines, so real errors still show. TF_CPP_MIN_LOG_LEVEL=0 shows
everything.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

INSTALL_HINT = "pip install 'tensorflow>=2.16'"

# Start-up lines TensorFlow writes before (or regardless of) TF_CPP_MIN_LOG_LEVEL.
CHATTER = (
    re.compile(r"^I\d{4} "),  # absl INFO lines: oneDNN and CUDA notices
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(r"^E\d{4} .*failed call to cuInit"),  # no GPU on this machine
    re.compile(r"^INFO: Created TensorFlow Lite XNNPACK delegate for CPU"),
)


class TensorFlowUnavailable(Exception):
    """TensorFlow or Keras is not installed, or fails to import."""


def import_keras() -> ModuleType:
    """Import TensorFlow and Keras 3 (and let TensorFlow probe its devices); return keras."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_native_stderr():
        try:
            import keras
            import tensorflow as tf

            tf.config.list_physical_devices()
        except Exception as error:  # a missing module, or a broken install of one
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise TensorFlowUnavailable(
                f"TensorFlow is needed to build Keras models, but it cannot be imported"
                f" ({type(error).__name__}{': ' + reason if reason else ''});"
                f" install it with: {INSTALL_HINT}"
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
