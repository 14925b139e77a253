"""The seeds' own MobileNetV2 and ShuffleNetV2, written as specs, are their Keras code exactly.

``tests/seed_ports.py`` holds the seeds' code ported to Keras 3; ``tests/specs/seed_*.yaml``
(and their .arch twins) say the same networks in archdsl. Counts and output shapes must be
equal at every scale, and with the port's weights copied over (same order, same shapes) the
logits must be equal too, which also pins what counts cannot: concatenation order, where the
residual adds go, the activations. Cost: about 90 s (seven models, the largest 63M parameters).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import archdsl
from tests.helpers import ROOT

pytestmark = pytest.mark.slow

SPECS = ROOT / "tests" / "specs"


@pytest.fixture(scope="module")
def ports() -> Any:
    from archdsl.backends.tf_runtime import import_keras

    import_keras()
    from tests import seed_ports

    return seed_ports


def count(weights: list[Any]) -> int:
    return sum(math.prod(w.shape) for w in weights)


def assert_same_counts(reference: Any, ours: Any, graph: archdsl.Graph) -> None:
    analysis = archdsl.analyze(graph)
    assert reference.count_params() == ours.count_params() == analysis.total.params
    trainable = count(reference.trainable_weights)
    assert trainable == count(ours.trainable_weights) == analysis.total.trainable
    assert reference.output_shape == ours.output_shape == (None, *analysis.output_shape)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in reference.weights]


# bottleneck_ratio picks the scale in the seeds' code; the spec calls it width.
@pytest.mark.parametrize("scale", [0.5, 1, 1.5, 2])
def test_seed_shufflenet_v2_counts_at_every_scale(ports, scale):
    reference = ports.ShuffleNetV2(bottleneck_ratio=scale)
    graph = archdsl.load(str(SPECS / "seed_shufflenet_v2.yaml"), width=float(scale))
    assert_same_counts(reference, archdsl.to_keras(graph), graph)


@pytest.mark.parametrize("alpha", [0.35, 1.0, 1.4])
def test_seed_mobilenet_v2_counts(ports, alpha):
    reference = ports.MobileNetv2((224, 224, 3), 1000, alpha)
    graph = archdsl.load(str(SPECS / "seed_mobilenet_v2.yaml"), width=alpha)
    assert_same_counts(reference, archdsl.to_keras(graph), graph)


def randomize(model: Any, rng: np.random.Generator) -> None:
    """He-scaled kernels, small biases and non-trivial BatchNorm statistics (logits of order 1+)."""
    for layer in model.layers:
        for weight in layer.weights:
            shape, role = tuple(weight.shape), weight.path.rsplit("/", 1)[-1]
            if role in ("kernel", "depthwise_kernel"):
                fan_in = math.prod(shape[:-1]) if role == "kernel" else math.prod(shape[:2])
                value = rng.normal(0, math.sqrt(2 / fan_in), shape)
            elif role in ("gamma", "moving_variance"):
                value = rng.uniform(0.5, 1.5, shape)
            else:  # bias, beta, moving_mean
                value = rng.normal(0, 0.1, shape)
            weight.assign(value.astype("float32"))


def same_logits(reference: Any, ours: Any, logits: tuple[str, str], size: int) -> None:
    """Copy ``reference``'s random weights into ``ours``; compare the layers named ``logits``."""
    import keras

    randomize(reference, np.random.default_rng(3))
    ours.set_weights(reference.get_weights())
    image = np.random.default_rng(0).uniform(-1, 1, (2, size, size, 3)).astype("float32")
    outputs = [
        keras.Model(model.input, model.get_layer(name).output)(image, training=False)
        for model, name in zip((reference, ours), logits, strict=True)
    ]
    expected, got = (keras.ops.convert_to_numpy(out).reshape(2, -1) for out in outputs)
    assert np.max(np.abs(expected)) > 0.1  # the random weights give non-trivial logits
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.max(np.abs(expected)))


def test_seed_shufflenet_v2_outputs_equal_with_copied_weights(ports):
    reference = ports.ShuffleNetV2(bottleneck_ratio=1, input_shape=(96, 96, 3), classes=10)
    graph = archdsl.load(str(SPECS / "seed_shufflenet_v2.yaml"), input=96, classes=10)
    same_logits(reference, archdsl.to_keras(graph), ("fc", "fc"), 96)


def test_seed_mobilenet_v2_outputs_equal_with_copied_weights(ports):
    reference = ports.MobileNetv2((96, 96, 3), 10)
    ours = archdsl.to_keras(
        archdsl.load(str(SPECS / "seed_mobilenet_v2.yaml"), input=96, classes=10)
    )
    conv = [layer.name for layer in reference.layers if "conv2d" in layer.name][-1]
    same_logits(reference, ours, (conv, "logits_conv"), 96)
