"""Measure the reference networks and write their figures into models.json beside this file.

Not a test: the figures it writes are what the tests check the built-in specs against.
Each entry is measured from the reference implementation itself, built without weights:

    .venv/bin/python tests/reference/measure.py keras   # keras.applications (TensorFlow)
    REFENV/bin/python tests/reference/measure.py torch  # torchvision and timm
    .venv/bin/python tests/reference/measure.py keras mobilenet_v2@0.28   # just these ids

The torch side runs in a throwaway environment (``pip install torch torchvision timm``),
never in the project's. Counting: ``params_total`` is what Keras's count_params() reports,
BatchNorm moving mean and variance included (for a torch model: its parameters plus every
BatchNorm's running mean and variance); ``params_trainable`` is the trainable part, which is
what torchvision and timm publish; ``macs`` are the multiply-accumulates of convolutions
and dense layers for one image (k*k*Cin/groups per output value, in*out per dense layer).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

MODELS_JSON = Path(__file__).with_name("models.json")
SIZES = (224, 192, 160, 128)


def entry_id(spec: str, overrides: dict[str, Any]) -> str:
    """``spec[@width][/input][+minimalistic]``: the width and input only when not the default.

    A network the spec builds with several overrides at once has its own name instead.
    """
    if "name" in overrides:
        return overrides["name"]
    text = spec
    if overrides.get("width", 1.0) != 1.0:
        text += f"@{overrides['width']}"
    if overrides.get("input", 224) != 224:
        text += f"/{overrides['input']}"
    if overrides.get("minimalistic"):
        text += "+minimalistic"
    return text


# --- keras.applications


def keras_cases() -> Iterator[tuple[str, dict[str, Any], str, Callable[[], Any]]]:
    """(spec, overrides, reference, build) for every keras.applications network and width."""
    import keras

    apps = keras.applications

    def case(spec, overrides, name, **options):
        size = overrides.get("input", 224)
        shown = ", ".join(f"{k}={v!r}" for k, v in options.items())
        reference = (
            f"keras.applications.{name}({shown}, input_shape=({size},{size},3), weights=None)"
        )
        return (
            spec,
            overrides,
            reference,
            lambda: getattr(apps, name)(input_shape=(size, size, 3), weights=None, **options),
        )

    # EfficientNet-B0..B3: (width, depth, resolution, dropout) as keras.applications sets them.
    for index, (width, depth, size, dropout) in enumerate(
        ((1.0, 1.0, 224, 0.2), (1.0, 1.1, 240, 0.2), (1.1, 1.2, 260, 0.3), (1.2, 1.4, 300, 0.3))
    ):
        overrides = {"width": width, "depth": depth, "input": size}
        if dropout != 0.2:  # the spec's own (B0's)
            overrides["dropout"] = dropout
        spec, _, _, build = case("efficientnet_b0", overrides, f"EfficientNetB{index}")
        reference = f"keras.applications.EfficientNetB{index}(weights=None)"
        yield spec, {"name": f"efficientnet_b{index}", **overrides}, reference, build
    # Widths where the rounding rules part: MobileNetV2 rounds int(filters * alpha), and
    # MobileNetV3's last 1x1 conv is 6 x its input, not 960 * alpha rounded.
    for alpha in (0.28, 0.56):
        yield case("mobilenet_v2", {"width": alpha}, "MobileNetV2", alpha=alpha)
    for variant in ("Large", "Small"):
        spec = f"mobilenet_v3_{variant.lower()}"
        yield case(spec, {"width": 0.35}, f"MobileNetV3{variant}", alpha=0.35)
    for size in SIZES:
        for alpha in (0.25, 0.5, 0.75, 1.0):
            yield case("mobilenet_v1", {"width": alpha, "input": size}, "MobileNet", alpha=alpha)
        for alpha in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4):
            yield case("mobilenet_v2", {"width": alpha, "input": size}, "MobileNetV2", alpha=alpha)
        for variant in ("Large", "Small"):
            for alpha in (0.75, 1.0):
                for minimalistic in (False, True):
                    overrides = {"width": alpha, "input": size, "minimalistic": minimalistic}
                    yield case(
                        f"mobilenet_v3_{variant.lower()}",
                        overrides,
                        f"MobileNetV3{variant}",
                        alpha=alpha,
                        minimalistic=minimalistic,
                    )


def keras_figures(model: Any) -> tuple[int, int, int]:
    import keras

    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    macs = 0
    for layer in model.layers:
        out = layer.output.shape
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            kh, kw = layer.kernel_size
            macs += math.prod(out[1:]) * kh * kw
        elif isinstance(layer, keras.layers.Conv2D):
            kh, kw = layer.kernel_size
            in_channels = layer.input.shape[-1] // layer.groups
            macs += math.prod(out[1:]) * kh * kw * in_channels
        elif isinstance(layer, keras.layers.Dense):
            macs += layer.input.shape[-1] * layer.units
    return model.count_params(), trainable, macs


def measure_keras(ids: list[str]) -> list[dict[str, Any]]:
    import keras

    entries = []
    for spec, overrides, reference, build in chosen(keras_cases(), ids):
        total, trainable, macs = keras_figures(build())
        keras.backend.clear_session()
        entries.append(entry(spec, overrides, reference, total, trainable, macs))
        print(entries[-1]["id"], total, trainable, macs, file=sys.stderr)
    return entries


# --- torchvision and timm


def torch_cases() -> Iterator[tuple[str, dict[str, Any], str, Callable[[], Any]]]:
    import timm
    import torchvision
    from timm.models.efficientnet import _gen_mnasnet_a1

    shufflenets = {0.5: "x0_5", 1.0: "x1_0", 1.5: "x1_5", 2.0: "x2_0"}
    for size in SIZES:
        for width in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4):
            overrides = {"width": width, "input": size}
            yield (
                "mnasnet_b1",
                overrides,
                f"torchvision.models.MNASNet(alpha={width}) (mnasnet1_0 at alpha 1.0)",
                lambda width=width: torchvision.models.MNASNet(alpha=width),
            )
            yield (
                "mnasnet_a1",
                overrides,
                f"timm {timm.__version__} efficientnet._gen_mnasnet_a1(channel_multiplier={width})"
                " (semnasnet_100 at 1.0; the tensorflow/tpu mnasnet_models.py network)",
                lambda width=width: _gen_mnasnet_a1("semnasnet_100", channel_multiplier=width),
            )
        for width, suffix in shufflenets.items():
            yield (
                "shufflenet_v2",
                {"width": width, "input": size},
                f"torchvision.models.shufflenet_v2_{suffix}()",
                lambda suffix=suffix: getattr(torchvision.models, f"shufflenet_v2_{suffix}")(),
            )


def torch_figures(model: Any, size: int) -> tuple[int, int, int]:
    import torch

    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    stats = sum(
        module.running_mean.numel() + module.running_var.numel()
        for module in model.modules()
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm)
    )
    macs = 0

    def hook(module: Any, inputs: Any, output: Any) -> None:
        nonlocal macs
        if isinstance(module, torch.nn.Conv2d):
            kh, kw = module.kernel_size
            macs += output[0].numel() * kh * kw * module.in_channels // module.groups
        else:
            macs += module.in_features * module.out_features

    handles = [
        module.register_forward_hook(hook)
        for module in model.modules()
        if isinstance(module, torch.nn.Conv2d | torch.nn.Linear)
    ]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for handle in handles:
        handle.remove()
    return trainable + stats, trainable, macs


def measure_torch(ids: list[str]) -> list[dict[str, Any]]:
    entries = []
    for spec, overrides, reference, build in chosen(torch_cases(), ids):
        total, trainable, macs = torch_figures(build(), overrides["input"])
        entries.append(entry(spec, overrides, reference, total, trainable, macs))
        print(entries[-1]["id"], total, trainable, macs, file=sys.stderr)
    return entries


# --- models.json


def chosen(cases: Iterator[tuple], ids: list[str]) -> Iterator[tuple]:
    """The cases whose entry id is in ``ids``; every case when ``ids`` is empty."""
    return (case for case in cases if not ids or entry_id(case[0], case[1]) in ids)


def entry(
    spec: str, overrides: dict[str, Any], reference: str, total: int, trainable: int, macs: int
) -> dict[str, Any]:
    """One models.json entry; overrides at their spec defaults are left out."""
    defaults = {"width": 1.0, "depth": 1.0, "input": 224, "minimalistic": False}
    kept = {k: v for k, v in overrides.items() if k != "name" and defaults.get(k) != v}
    return {
        "id": entry_id(spec, overrides),
        "spec": spec,
        "overrides": kept,
        "reference": reference,
        "params_total": total,
        "params_trainable": trainable,
        "macs": macs,
    }


def merge(measured: list[dict[str, Any]]) -> None:
    """Replace or add the measured entries; keep the others (and their published figures)."""
    document = json.loads(MODELS_JSON.read_text())
    by_id = {item["id"]: item for item in document["models"]}
    for item in measured:
        published = {
            k: v for k, v in by_id.get(item["id"], {}).items() if k in ("paper", "published")
        }
        by_id[item["id"]] = {**item, **published}
    document["models"] = sorted(by_id.values(), key=lambda item: (item["spec"], item["id"]))
    MODELS_JSON.write_text(json.dumps(document, indent=1) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] not in (["keras"], ["torch"]):
        sys.exit("usage: measure.py keras|torch [ID...]")
    ids = sys.argv[2:]
    merge(measure_keras(ids) if sys.argv[1] == "keras" else measure_torch(ids))
