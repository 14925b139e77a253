"""padding: symmetric pads (k-1)/2 on every side, as PyTorch's padding=k//2 does.

Fast checks of the lowering (no TensorFlow), then the Keras layers against a NumPy reference
convolution and pooling written from PyTorch's definitions (always), against
torch.nn.functional (where torch is installed) and against torchvision's ShuffleNetV2 and
MnasNet-B1 with copied weights (where torchvision imports). Cost: about 20 s, plus 30 s with
torchvision.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

import archdsl
from archdsl.compile import compile_document
from archdsl.errors import SpecError
from archdsl.spec.document import Document
from archdsl.spec.source import load_document


def spec(blocks: list[dict], size: tuple[int, int] = (15, 16), channels: int = 3) -> Document:
    data = {"archdsl": 1, "name": "net", "input": [*size, channels], "stages": blocks}
    return Document(data, "<test>")


def test_symmetric_keeps_same_output_sizes_and_adds_pads_only_where_they_differ() -> None:
    blocks = [
        {"conv": {"filters": 4, "kernel": 3, "stride": 2}},
        {"conv": {"filters": 4, "kernel": 5, "stride": 1}},
        {"dwconv": {"kernel": 5, "stride": 2}},
        {"conv": {"filters": 4, "kernel": 1, "stride": 2}},
    ]
    same = compile_document(spec(blocks))
    symmetric = copy.deepcopy(blocks)
    for block in symmetric:
        next(iter(block.values()))["padding"] = "symmetric"
    ours = compile_document(spec(symmetric))
    assert archdsl.analyze(ours).output_shape == archdsl.analyze(same).output_shape
    assert archdsl.analyze(ours).total.macs == archdsl.analyze(same).total.macs
    pads = [(n.name, n.attrs["pad"]) for n in ours.nodes if n.op == "pad"]
    assert pads == [("s1_b1_conv_pad", 1), ("s3_b1_dw_pad", 2)]  # stride 1 and 1x1 need none


def test_symmetric_needs_an_odd_window() -> None:
    with pytest.raises(SpecError, match="needs an odd window, not 2x2"):
        compile_document(spec([{"pool": {"kind": "max", "size": 2, "padding": "symmetric"}}]))


# --- Keras against references (TensorFlow)


def reference_window(x: np.ndarray, k: int, s: int, fill: float) -> np.ndarray:
    """Windows of NHWC ``x`` padded (k-1)/2 with ``fill`` on every side: (N, Ho, Wo, k, k, C)."""
    p = (k - 1) // 2
    padded = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)), constant_values=fill)
    h = (padded.shape[1] - k) // s + 1
    w = (padded.shape[2] - k) // s + 1
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(1, 2))
    return windows[:, : h * s : s, : w * s : s].transpose(0, 1, 2, 4, 5, 3)


def reference_conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, s: int) -> np.ndarray:
    """PyTorch's Conv2d(padding=k//2) in NHWC, with a Keras (k, k, Cin, Cout) kernel."""
    windows = reference_window(x.astype(np.float64), kernel.shape[0], s, 0.0)
    return np.einsum("nhwijc,ijco->nhwo", windows, kernel) + bias


def reference_depthwise(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, s: int) -> np.ndarray:
    windows = reference_window(x.astype(np.float64), kernel.shape[0], s, 0.0)
    return np.einsum("nhwijc,ijc->nhwc", windows, kernel[..., 0]) + bias


def reference_pool(x: np.ndarray, kind: str, k: int, s: int) -> np.ndarray:
    """PyTorch's MaxPool2d/AvgPool2d(padding=k//2): max never picks a pad, avg counts zeros."""
    windows = reference_window(x.astype(np.float64), k, s, -np.inf if kind == "max" else 0.0)
    return windows.max(axis=(3, 4)) if kind == "max" else windows.mean(axis=(3, 4))


CASES = [  # (block, input height x width): odd and even sizes, strides 1 and 2, kernels 3 to 7
    ({"conv": {"filters": 5, "kernel": 3, "stride": 2}}, (16, 16)),
    ({"conv": {"filters": 5, "kernel": 5, "stride": 2}}, (15, 12)),
    ({"conv": {"filters": 5, "kernel": 7, "stride": 2}}, (13, 13)),
    ({"conv": {"filters": 5, "kernel": 3, "stride": 1}}, (9, 10)),
    ({"dwconv": {"kernel": 3, "stride": 2}}, (16, 16)),
    ({"dwconv": {"kernel": 5, "stride": 2}}, (17, 14)),
    ({"pool": {"kind": "max", "size": 3, "stride": 2}}, (16, 15)),
    ({"pool": {"kind": "avg", "size": 3, "stride": 2}}, (16, 15)),
    ({"pool": {"kind": "avg", "size": 3, "stride": 1}}, (8, 8)),
]


def layer_case(block: dict, size: tuple[int, int]) -> tuple[Any, np.ndarray, np.ndarray]:
    """Our Keras model of one symmetric-padded layer, its input, and the NumPy reference."""
    block_type, knobs = next(iter(block.items()))
    knobs = {**knobs, "padding": "symmetric"}
    if block_type != "pool":
        knobs.update(bias=True, bn=False, activation="none")
    model = archdsl.to_keras(compile_document(spec([{block_type: knobs}], size, channels=4)))
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (2, *size, 4)).astype(np.float32)
    weights = [rng.normal(0, 1, w.shape).astype(np.float32) for w in model.weights]
    model.set_weights(weights)
    if block_type == "conv":
        expected = reference_conv(x, *weights, knobs["stride"])
    elif block_type == "dwconv":
        expected = reference_depthwise(x, *weights, knobs["stride"])
    else:
        expected = reference_pool(x, knobs["kind"], knobs["size"], knobs["stride"])
    return model, x, expected


@pytest.mark.slow
@pytest.mark.parametrize(("block", "size"), CASES, ids=[f"{b}-{s}" for b, s in CASES])
def test_keras_equals_numpy_reference(block: dict, size: tuple[int, int]) -> None:
    model, x, expected = layer_case(block, size)
    got = np.asarray(model(x, training=False))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize(("block", "size"), CASES, ids=[f"{b}-{s}" for b, s in CASES])
def test_numpy_reference_equals_torch(block: dict, size: tuple[int, int]) -> None:
    """The NumPy reference is PyTorch's definition: checked where torch is installed."""
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    model, x, expected = layer_case(block, size)
    block_type, knobs = next(iter(block.items()))
    nchw = torch.from_numpy(x.transpose(0, 3, 1, 2)).double()
    weights = [torch.from_numpy(w).double() for w in model.get_weights()]
    k = knobs.get("kernel", knobs.get("size"))
    if block_type == "conv":
        out = functional.conv2d(
            nchw, weights[0].permute(3, 2, 0, 1), weights[1], knobs["stride"], k // 2
        )
    elif block_type == "dwconv":
        kernel = weights[0].permute(2, 3, 0, 1)  # (C, 1, k, k)
        out = functional.conv2d(nchw, kernel, weights[1], knobs["stride"], k // 2, groups=4)
    elif knobs["kind"] == "max":
        out = functional.max_pool2d(nchw, k, knobs["stride"], k // 2)
    else:
        out = functional.avg_pool2d(nchw, k, knobs["stride"], k // 2)
    np.testing.assert_allclose(out.numpy().transpose(0, 2, 3, 1), expected, rtol=1e-9, atol=1e-9)


def torchvision_models() -> Any:
    try:
        import torchvision.models
    except Exception as error:  # not installed, or a build that does not load (CUDA-only ops)
        pytest.skip(f"torchvision does not import here: {type(error).__name__}: {error}")
    return torchvision.models


def symmetric_builtin(name: str, **overrides: Any) -> Any:
    """The built-in spec with padding: symmetric for every block, as a Keras model."""
    doc = load_document(name)
    data = copy.deepcopy(doc.data)
    data.setdefault("defaults", {})["padding"] = "symmetric"
    from archdsl.spec.params import Override

    graph = compile_document(
        Document(data, doc.file), [Override(k, v, f"{k}={v}") for k, v in overrides.items()]
    )
    return archdsl.to_keras(graph)


def copy_torch_weights(torch_model: Any, model: Any) -> None:
    """Conv2d, BatchNorm2d and Linear weights in definition order, onto Keras's layers in order."""
    import torch

    tensors: list[np.ndarray] = []
    for module in torch_model.modules():
        if isinstance(module, torch.nn.Conv2d):
            weight = module.weight.detach().numpy()
            # Keras: (k, k, Cin, Cout) for convs, (k, k, C, 1) for depthwise
            depthwise = module.groups > 1 and module.groups == module.in_channels
            tensors.append(
                weight.transpose(2, 3, 0, 1) if depthwise else weight.transpose(2, 3, 1, 0)
            )
            if module.bias is not None:
                tensors.append(module.bias.detach().numpy())
        elif isinstance(module, torch.nn.BatchNorm2d):
            for value in (module.weight, module.bias, module.running_mean, module.running_var):
                tensors.append(value.detach().numpy())
        elif isinstance(module, torch.nn.Linear):
            tensors += [module.weight.detach().numpy().T, module.bias.detach().numpy()]
    assert [t.shape for t in tensors] == [tuple(w.shape) for w in model.weights]
    model.set_weights(tensors)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("spec_name", "constructor"),
    [("shufflenet_v2", "shufflenet_v2_x1_0"), ("mnasnet_b1", "mnasnet1_0")],
)
def test_torchvision_weights_give_torchvision_outputs(spec_name: str, constructor: str) -> None:
    models = torchvision_models()  # skips where torchvision (and so torch) does not import
    import torch

    torch.manual_seed(0)
    reference = getattr(models, constructor)(weights=None).eval()
    with torch.no_grad():  # non-trivial BatchNorm statistics, as trained weights have
        for module in reference.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    ours = symmetric_builtin(spec_name, input=96)
    copy_torch_weights(reference, ours)
    image = np.random.default_rng(0).uniform(-1, 1, (2, 96, 96, 3)).astype(np.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(image.transpose(0, 3, 1, 2))).numpy()
    got = np.asarray(ours(image, training=False))
    scale = np.max(np.abs(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * scale)
