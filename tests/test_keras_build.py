"""The Keras backend builds exactly the network the spec says (needs TensorFlow: slow).

Counts against models.json and the analyzer; weights copied one for one from
keras.applications with bit-identical outputs; layer-by-layer weight shapes against the
structures in reference/models.md; safe-mode reload; random specs; training; TFLite.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import archdsl
from archdsl.compile import compile_document
from archdsl.ir.graph import Graph, Node
from archdsl.spec.document import Document
from tests.helpers import ROOT, reference_models, run_cli
from tests.strategies import spec_documents

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def keras() -> Any:
    from archdsl.backends.tf_runtime import import_keras

    return import_keras()


def build(name: str, **overrides: Any) -> Any:
    from archdsl.backends.keras_backend import to_keras

    return to_keras(archdsl.load(name, **overrides))


def count(weights: list[Any]) -> int:
    return sum(math.prod(w.shape) for w in weights)


def randomize(model: Any, seed: int) -> None:
    """He-scaled kernels and non-trivial BatchNorm statistics, so activations stay O(1).

    Keras's default initializers leave these deep nets' logits near 1e-11, where any two
    networks agree within 1e-5; these weights give logits of order 1 to 1000.
    """
    import keras

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            kernel = layer.kernel
            kernel.assign(
                rng.normal(0, math.sqrt(2 / (kernel.shape[0] * kernel.shape[1])), kernel.shape)
            )
        elif isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            kernel = layer.kernel
            kernel.assign(rng.normal(0, math.sqrt(2 / math.prod(kernel.shape[:-1])), kernel.shape))
        elif isinstance(layer, keras.layers.BatchNormalization):
            shape = layer.gamma.shape
            layer.gamma.assign(rng.uniform(0.5, 1.5, shape))
            layer.beta.assign(rng.normal(0, 0.1, shape))
            layer.moving_mean.assign(rng.normal(0, 0.1, shape))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, shape))
        if getattr(layer, "use_bias", False) and getattr(layer, "bias", None) is not None:
            layer.bias.assign(rng.normal(0, 0.1, layer.bias.shape))


# --- every models.json entry: Keras counts what the paper/reference and the analyzer count


def one_per_network(entries: list[dict]) -> list[dict]:
    """One entry per spec and overrides other than the input size (counts do not depend on it)."""
    chosen: dict[tuple, dict] = {}
    for entry in entries:
        key = (
            entry["spec"],
            *sorted((k, v) for k, v in entry["overrides"].items() if k != "input"),
        )
        chosen.setdefault(key, entry)
    return list(chosen.values())


MODELS = one_per_network(reference_models())


@pytest.mark.parametrize("entry", MODELS, ids=[entry["id"] for entry in MODELS])
def test_built_model_has_reference_counts(keras, entry):
    graph = archdsl.load(entry["spec"], **entry["overrides"])
    analysis = archdsl.analyze(graph)
    model = archdsl.to_keras(graph)
    assert model.name == graph.name
    assert model.count_params() == entry["params_total"] == analysis.total.params
    assert count(model.trainable_weights) == entry["params_trainable"] == analysis.total.trainable
    assert count(model.non_trainable_weights) == analysis.total.non_trainable
    classes = graph.params.get("classes", 1000)
    assert model.output_shape == (None, classes) == (None, *analysis.output_shape)
    # one Keras layer per node, named as the node (Keras orders branches its own way)
    assert sorted(layer.name for layer in model.layers) == sorted(node.name for node in graph.nodes)


# --- keras.applications: same weights in the same order give the same outputs

# (spec, overrides, keras.applications constructor, its options, input size)
APPLICATIONS = [
    ("mobilenet_v1", {}, "MobileNet", {}, 224),
    ("mobilenet_v1", {"width": 0.5}, "MobileNet", {"alpha": 0.5}, 224),
    ("mobilenet_v2", {}, "MobileNetV2", {}, 224),
    ("mobilenet_v2", {"width": 0.35}, "MobileNetV2", {"alpha": 0.35}, 224),
    ("mobilenet_v2", {"width": 1.4}, "MobileNetV2", {"alpha": 1.4}, 224),
    ("mobilenet_v3_large", {}, "MobileNetV3Large", {}, 224),
    ("mobilenet_v3_large", {"width": 0.75}, "MobileNetV3Large", {"alpha": 0.75}, 224),
    ("mobilenet_v3_small", {}, "MobileNetV3Small", {}, 224),
    ("mobilenet_v3_small", {"width": 0.75}, "MobileNetV3Small", {"alpha": 0.75}, 224),
    # where the rounding rules part (int(filters * alpha); the last conv 6 x its input)
    ("mobilenet_v2", {"width": 0.28}, "MobileNetV2", {"alpha": 0.28}, 224),
    ("mobilenet_v3_small", {"width": 0.35}, "MobileNetV3Small", {"alpha": 0.35}, 224),
    ("mobilenet_v3_large", {"minimalistic": True}, "MobileNetV3Large", {"minimalistic": True}, 224),
    ("mobilenet_v3_small", {"minimalistic": True}, "MobileNetV3Small", {"minimalistic": True}, 224),
    ("efficientnet_b0", {}, "EfficientNetB0", {}, 224),
    ("efficientnet_b0", {"depth": 1.1, "input": 240}, "EfficientNetB1", {}, 240),
    ("efficientnet_b0", {"width": 1.1, "depth": 1.2, "input": 260}, "EfficientNetB2", {}, 260),
]
APPLICATIONS = [case for case in APPLICATIONS if (ROOT / "specs" / f"{case[0]}.yaml").exists()]


@pytest.mark.parametrize(
    ("name", "overrides", "constructor", "options", "size"),
    APPLICATIONS,
    ids=[
        f"{case[0]}-{case[2]}-{case[3].get('alpha', 1.0)}"
        + ("-minimalistic" if case[3].get("minimalistic") else "")
        for case in APPLICATIONS
    ],
)
def test_outputs_equal_keras_applications_with_copied_weights(
    keras, name, overrides, constructor, options, size
):
    if constructor.startswith("MobileNetV3"):
        options = {**options, "include_preprocessing": True}
    reference = getattr(keras.applications, constructor)(
        input_shape=(size, size, 3),
        weights=None,
        classes=1000,
        classifier_activation=None,
        **options,
    )
    ours = build(name, **overrides)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in reference.weights]
    randomize(reference, seed=7)
    ours.set_weights(reference.get_weights())

    rng = np.random.default_rng(0)
    has_rescaling = ours.layers[1].__class__.__name__ == "Rescaling"
    low, high = (0.0, 255.0) if has_rescaling else (-1.0, 1.0)
    batch = rng.uniform(low, high, (2, size, size, 3)).astype(np.float32)
    expected = keras.ops.convert_to_numpy(reference(batch, training=False))
    # our last layer is the softmax the reference built without: compare the logits
    assert ours.layers[-1].get_config()["activation"] == "softmax"
    logits = keras.Model(ours.inputs[0], ours.layers[-2].output)
    got = keras.ops.convert_to_numpy(logits(batch, training=False))
    assert expected.std() > 0.1, "logits too small for the comparison to mean anything"
    assert np.max(np.abs(got - expected)) <= 1e-5
    probabilities = keras.ops.convert_to_numpy(ours(batch, training=False))
    softmax = keras.ops.convert_to_numpy(keras.ops.softmax(expected))
    assert np.max(np.abs(probabilities - softmax)) <= 1e-5


@pytest.mark.parametrize(
    ("overrides", "constructor", "layers"),
    [({}, "EfficientNetB0", 9), ({"width": 1.2, "depth": 1.4, "input": 300}, "EfficientNetB3", 19)],
)
def test_stochastic_depth_layers_equal_keras_applications(keras, overrides, constructor, layers):
    size = overrides.get("input", 224)
    reference = getattr(keras.applications, constructor)(input_shape=(size, size, 3), weights=None)

    def drop_paths(model: Any) -> list[tuple[float, tuple]]:
        return [
            (round(layer.rate, 12), tuple(layer.noise_shape))
            for layer in model.layers
            if isinstance(layer, keras.layers.Dropout) and layer.noise_shape is not None
        ]

    ours = drop_paths(build("efficientnet_b0", **overrides))
    assert len(ours) == layers
    assert ours == drop_paths(reference)
    assert {shape for _, shape in ours} == {(None, 1, 1, 1)}


def test_hard_sigmoid_is_keras_definition_in_applications_order(keras):
    from archdsl.backends.keras_layers import hard_sigmoid

    x = np.linspace(-5, 5, 100_001, dtype=np.float32)
    ours = keras.ops.convert_to_numpy(hard_sigmoid(x))
    applications = keras.ops.convert_to_numpy(keras.layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0))
    keras_own = keras.ops.convert_to_numpy(keras.activations.hard_sigmoid(x))
    assert np.array_equal(ours, applications)
    assert np.max(np.abs(ours - keras_own)) <= 6e-8  # the same function, up to one rounding


# --- MnasNet and ShuffleNetV2: weight shapes layer by layer, from reference/models.md


def conv(cin: int, cout: int, k: int = 1, bias: bool = False) -> list[tuple]:
    return [(k, k, cin, cout)] + ([(cout,)] if bias else [])


def dw(c: int, k: int) -> list[tuple]:
    return [(k, k, c, 1)]


def bn(c: int) -> list[tuple]:
    return [(c,)] * 4  # gamma, beta, moving mean, moving variance


def mbconv(cin: int, t: int, k: int, cout: int, se: float = 0) -> list[tuple]:
    """Inverted residual as the TPU MnasNet and torchvision build it (SE on the block input)."""
    mid = cin * t
    shapes = conv(cin, mid) + bn(mid) if t != 1 else []
    shapes += dw(mid, k) + bn(mid)
    if se:
        reduced = max(1, int(cin * se))
        shapes += conv(mid, reduced, bias=True) + conv(reduced, mid, bias=True)
    return shapes + conv(mid, cout) + bn(cout)


def mnasnet_shapes(table: list[tuple], first_se: bool = False) -> list[tuple]:
    """Stem conv 32, the stages (t, k, s, c, n, se), head conv 1280, dense 1000."""
    shapes = conv(3, 32, 3) + bn(32)
    cin = 32
    for t, k, _stride, c, n, se in table:
        for _ in range(n):
            shapes += mbconv(cin, t, k, c, se)
            cin = c
    return shapes + conv(cin, 1280) + bn(1280) + [(1280, 1000), (1000,)]


MNASNET_A1 = [  # the paper's Figure 7(a), as in models.md
    (1, 3, 1, 16, 1, 0),
    (6, 3, 2, 24, 2, 0),
    (3, 5, 2, 40, 3, 0.25),
    (6, 3, 2, 80, 4, 0),
    (6, 3, 1, 112, 2, 0.25),
    (6, 5, 2, 160, 3, 0.25),
    (6, 3, 1, 320, 1, 0),
]
MNASNET_B1 = [  # torchvision mnasnet1_0: the stem's dw 3x3 32 + linear 1x1 16, then the stacks
    (1, 3, 1, 16, 1, 0),
    (3, 3, 2, 24, 3, 0),
    (3, 5, 2, 40, 3, 0),
    (6, 5, 2, 80, 3, 0),
    (6, 3, 1, 96, 2, 0),
    (6, 5, 2, 192, 4, 0),
    (6, 3, 1, 320, 1, 0),
]


def shufflenet_shapes(channels: list[int]) -> list[tuple]:
    """conv1 24, stages of 4/8/4 units (first stride 2), conv5, dense 1000 (models.md)."""
    shapes = conv(3, 24, 3) + bn(24)
    cin = 24
    for c, units in zip(channels[:3], (4, 8, 4), strict=True):
        half = c // 2
        for unit in range(units):
            if unit == 0:  # branch 1: dw 3x3/2 + BN, 1x1 + BN + ReLU, on the whole input
                shapes += dw(cin, 3) + bn(cin) + conv(cin, half) + bn(half)
            branch_in = cin if unit == 0 else half
            shapes += conv(branch_in, half) + bn(half) + dw(half, 3) + bn(half)
            shapes += conv(half, half) + bn(half)
            cin = c
    return shapes + conv(cin, channels[3]) + bn(channels[3]) + [(channels[3], 1000), (1000,)]


SHUFFLENET_WIDTHS = {
    0.5: [48, 96, 192, 1024],
    1.0: [116, 232, 464, 1024],
    1.5: [176, 352, 704, 1024],
    2.0: [244, 488, 976, 2048],
}
PUBLISHED_TRAINABLE = {entry["id"]: entry["params_trainable"] for entry in reference_models()}


@pytest.mark.parametrize(
    ("name", "overrides", "expected", "published"),
    [
        ("mnasnet_a1", {}, mnasnet_shapes(MNASNET_A1), "mnasnet_a1"),
        ("mnasnet_b1", {}, mnasnet_shapes(MNASNET_B1), "mnasnet_b1"),
        *[
            (
                "shufflenet_v2",
                {"width": width},
                shufflenet_shapes(channels),
                "shufflenet_v2" if width == 1.0 else f"shufflenet_v2@{width}",
            )
            for width, channels in SHUFFLENET_WIDTHS.items()
        ],
    ],
    ids=["mnasnet_a1", "mnasnet_b1", *[f"shufflenet_v2@{w}" for w in SHUFFLENET_WIDTHS]],
)
def test_weight_shapes_follow_the_reference_structure(keras, name, overrides, expected, published):
    graph = archdsl.load(name, **overrides)
    model = archdsl.to_keras(graph)
    layer_by_layer = [
        tuple(w.shape) for node in graph.nodes for w in model.get_layer(node.name).weights
    ]
    assert layer_by_layer == expected
    assert count(model.trainable_weights) == PUBLISHED_TRAINABLE[published]


def test_shufflenet_stage2_unit1_branches(keras):
    """ShuffleNetV2 x1.0, stage 2 unit 1 (stride 2, 24 -> 116 channels): both branches."""
    model = build("shufflenet_v2")
    shapes = {layer.name: [tuple(w.shape) for w in layer.weights] for layer in model.layers}
    assert shapes["s1_b1_b1_dw"] == [(3, 3, 24, 1)]
    assert shapes["s1_b1_b1_pw"] == [(1, 1, 24, 58)]
    assert shapes["s1_b1_b2_pw1"] == [(1, 1, 24, 58)]
    assert shapes["s1_b1_b2_dw"] == [(3, 3, 58, 1)]
    assert shapes["s1_b1_b2_pw2"] == [(1, 1, 58, 58)]
    assert shapes["s1_b2_b2_pw1"] == [(1, 1, 58, 58)]  # unit 2 transforms half the channels
    assert model.get_layer("s1_b1_shuffle").output.shape == (None, 28, 28, 116)


def test_channel_split_and_shuffle_move_channels_as_torchvision(keras):
    from archdsl.backends.keras_layers import ChannelShuffle, ChannelSplit

    x = np.arange(12, dtype=np.float32).reshape(1, 1, 1, 12)
    left, right = ChannelSplit(2)(x)
    assert keras.ops.convert_to_numpy(left).ravel().tolist() == list(range(6))
    assert keras.ops.convert_to_numpy(right).ravel().tolist() == list(range(6, 12))
    shuffled = keras.ops.convert_to_numpy(ChannelShuffle(2)(x)).ravel().tolist()
    # torchvision: view(2, 6) -> transpose -> flatten
    assert shuffled == np.arange(12).reshape(2, 6).T.ravel().tolist()
    assert keras.ops.convert_to_numpy(ChannelShuffle(3)(x)).ravel().tolist() == (
        np.arange(12).reshape(3, 4).T.ravel().tolist()
    )


# --- internal errors are loud


def test_unknown_op_is_an_internal_error(keras):
    from archdsl.backends.keras_backend import KerasBackendError, to_keras

    graph = archdsl.load("mobilenet_v1", input=32)
    odd = Node("mystery", "warp", {}, (graph.nodes[-1].name,), "mystery", "head")
    broken = Graph(graph.name, graph.title, graph.input_shape, (*graph.nodes, odd), graph.blocks)
    with pytest.raises(KerasBackendError, match="no layer for op 'warp'"):
        to_keras(broken)


def test_count_mismatch_is_an_internal_error(keras):
    from archdsl.commands.build import InternalError, _check

    model = build("mobilenet_v1", input=32)
    other = archdsl.analyze(archdsl.load("mobilenet_v1", input=32, width=0.5))
    with pytest.raises(InternalError, match="disagrees with the analyzer.*total parameters"):
        _check(model, other)


# --- saving and loading


RELOAD = """
import sys
import numpy as np
first, path, inputs, outputs = sys.argv[1:]
if first == "archdsl":
    import archdsl, keras
elif first == "keras":
    import keras, archdsl
else:
    import keras
model = keras.saving.load_model(path, safe_mode=True)
got = keras.ops.convert_to_numpy(model(np.load(inputs), training=False))
print(float(np.max(np.abs(got - np.load(outputs)))))
"""


@pytest.mark.parametrize("name", ["shufflenet_v2", "mobilenet_v3_small"])
def test_keras_file_reloads_in_safe_mode_after_import_archdsl(keras, tmp_path, name):
    model = build(name, input=64)
    randomize(model, seed=3)
    batch = np.random.default_rng(1).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", batch)
    np.save(tmp_path / "y.npy", keras.ops.convert_to_numpy(model(batch, training=False)))
    path = tmp_path / f"{name}.keras"
    model.save(path)
    files = [str(path), str(tmp_path / "x.npy"), str(tmp_path / "y.npy")]
    for first in ("archdsl", "keras"):  # either import order
        result = subprocess.run(
            [sys.executable, "-c", RELOAD, first, *files],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert float(result.stdout.strip().splitlines()[-1]) == 0.0
    # without archdsl, Keras cannot find the custom layers: the registration is what works
    result = subprocess.run(
        [sys.executable, "-c", RELOAD, "none", *files], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "archdsl>" in result.stderr


# --- random specs: the analyzer and Keras agree, always


@settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=spec_documents())
def test_random_specs_analyzer_equals_keras(keras, data):
    from archdsl.backends.keras_backend import to_keras

    graph = compile_document(Document(data, "<hypothesis>"))
    analysis = archdsl.analyze(graph)
    keras.backend.clear_session()
    model = to_keras(graph)
    assert model.count_params() == analysis.total.params
    assert count(model.trainable_weights) == analysis.total.trainable
    assert count(model.non_trainable_weights) == analysis.total.non_trainable
    assert model.output_shape[1:] == analysis.output_shape
    image = np.zeros((1, *graph.input_shape), dtype=np.float32)
    assert tuple(model(image, training=False).shape[1:]) == analysis.output_shape


# --- training


def test_mnasnet_trains_and_its_loss_falls(keras):
    keras.utils.set_random_seed(0)
    model = build("mnasnet_a1", classes=17, input=96)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 17, 64)
    # images whose mean colour encodes the class, plus noise: learnable in a few steps
    images = rng.normal(0, 1, (64, 96, 96, 3)).astype(np.float32)
    images += (labels[:, None, None, None] / 8.0 - 1.0).astype(np.float32)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    history = model.fit(images, labels, batch_size=16, epochs=4, verbose=0, shuffle=False)
    losses = history.history["loss"]
    assert model.output_shape == (None, 17)
    assert losses[-1] < 0.8 * losses[0], losses


def test_batchnorm_and_dropout_honour_the_training_flag(keras):
    model = build("mnasnet_a1", classes=17, input=64)
    batch = np.random.default_rng(0).uniform(-1, 1, (4, 64, 64, 3)).astype(np.float32)
    bn = model.get_layer("stem_bn")
    before = keras.ops.convert_to_numpy(bn.moving_mean).copy()

    first = keras.ops.convert_to_numpy(model(batch, training=False))
    second = keras.ops.convert_to_numpy(model(batch, training=False))
    assert np.array_equal(first, second)  # inference: deterministic
    assert np.array_equal(keras.ops.convert_to_numpy(bn.moving_mean), before)

    training = keras.ops.convert_to_numpy(model(batch, training=True))
    assert not np.allclose(training, first)  # batch statistics and dropout
    assert not np.allclose(keras.ops.convert_to_numpy(bn.moving_mean), before)  # stats updated

    dropout = model.get_layer("head_dropout")
    ones = np.ones((1000, 1280), dtype=np.float32)
    assert np.array_equal(keras.ops.convert_to_numpy(dropout(ones, training=False)), ones)
    dropped = keras.ops.convert_to_numpy(dropout(ones, training=True))
    assert 0.15 < np.mean(dropped == 0) < 0.25  # rate 0.2
    assert np.allclose(dropped[dropped != 0], 1 / 0.8)


# --- deployment formats


@pytest.mark.parametrize("name", ["shufflenet_v2", "mobilenet_v3_small"])
def test_tflite_runs_in_the_interpreter_with_keras_outputs(keras, name):
    from archdsl.backends.keras_export import run_tflite, tflite_bytes

    model = build(name, input=96, width=0.5 if name == "shufflenet_v2" else 1.0)
    randomize(model, seed=5)
    logits = keras.Model(model.inputs[0], model.layers[-2].output)  # before the softmax
    content = tflite_bytes(logits)
    image = np.random.default_rng(2).uniform(0, 255, (1, 96, 96, 3)).astype(np.float32)
    expected = keras.ops.convert_to_numpy(logits(image, training=False))
    assert expected.std() > 0.1
    assert np.max(np.abs(run_tflite(content, image) - expected)) <= 1e-4 * max(
        1.0, np.abs(expected).max()
    )


def test_build_command_writes_keras_saved_model_and_tflite(keras, tmp_path):
    result = run_cli(
        "build",
        "mobilenet_v3_small",
        "--set",
        "input=64",
        "-o",
        str(tmp_path / "small.keras"),
        "--export",
        "saved_model",
        "--export",
        "tflite",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("mobilenet_v3_small: 159 layers, 2,554,968 parameters")
    assert "Keras and the analyzer agree" in lines[0]
    assert result.stderr == ""  # TensorFlow's start-up chatter is filtered
    assert (tmp_path / "small.keras").is_file()
    assert (tmp_path / "small.tflite").is_file()
    assert (tmp_path / "small_saved_model" / "saved_model.pb").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".archdsl-")]

    import tensorflow as tf

    model = keras.saving.load_model(tmp_path / "small.keras", safe_mode=True)
    served = tf.saved_model.load(str(tmp_path / "small_saved_model"))
    image = np.random.default_rng(0).uniform(0, 255, (1, 64, 64, 3)).astype(np.float32)
    expected = keras.ops.convert_to_numpy(model(image, training=False))
    assert np.max(np.abs(served.serve(image).numpy() - expected)) <= 1e-6


def test_readme_build_command_works(keras, tmp_path):
    result = run_cli("build", str(ROOT / "specs" / "mnasnet_a1.yaml"), cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "3,920,526 parameters (3,887,038 trainable, 33,488 non-trainable)" in result.stdout
    assert "wrote mnasnet_a1.keras" in result.stdout
    model = keras.saving.load_model(Path(tmp_path / "mnasnet_a1.keras"), safe_mode=True)
    assert model.count_params() == 3920526


def test_build_rejects_a_non_keras_output(tmp_path):
    result = run_cli("build", "mnasnet_a1", "-o", str(tmp_path / "model.h5"))
    assert result.returncode == 2
    assert "must end in .keras" in result.stderr


def test_a_tflite_that_disagrees_is_an_internal_error_and_not_written(
    keras, tmp_path, monkeypatch, capsys
):
    from archdsl.backends import keras_export
    from archdsl.cli import make_parser

    monkeypatch.setattr(keras_export, "tflite_difference", lambda model, content: (0.5, 1.0))
    args = make_parser().parse_args(
        ["build", "mobilenet_v3_small", "--set", "input=32", "-o", str(tmp_path / "m.keras")]
        + ["--export", "tflite"]
    )
    assert args.run(args) == 2
    assert "internal error: the TFLite model differs from Keras by 0.5" in capsys.readouterr().err
    assert not (tmp_path / "m.tflite").exists()
