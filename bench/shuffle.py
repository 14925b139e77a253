"""5. ShuffleNetV2: archdsl's channel split and shuffle layers against a naive implementation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import archdsl
from bench.availability import require_keras_backend
from bench.config import Config
from bench.graph_ops import difference, xla_difference
from bench.results import Figure, Goal, Note, Row
from bench.stats import paired_ratios
from bench.throughput import IMAGE, compare

if TYPE_CHECKING:
    import keras

TITLE = "5. ShuffleNetV2 split/shuffle"
SPEC = "shufflenet_v2"
BATCHES = (1, 32)
METHOD = f"""`archdsl.to_keras(archdsl.load("{SPEC}"))` (width 1.0) against the same network in
which every channel split is a `Lambda` that slices the two halves and every channel shuffle a
`Lambda` doing reshape (H, W, groups, C/groups), transpose, reshape: what one writes by hand
(`keras.models.clone_model` swaps just those layers; all else is identical). Timed like
benchmark 4 (batch 1 and 32, XLA off and on, alternating rounds); the ratio is our images/s
over the naive network's (goal: at least 0.97, never slower than the naive version)."""


def run(config: Config) -> list[Row]:
    require_keras_backend()
    graph = archdsl.load(SPEC)
    ours = archdsl.to_keras(graph)
    naive = naive_twin(ours, graph)
    rows: list[Row] = [
        Note(TITLE, f"{SPEC}: " + difference(ours, naive, (1, *IMAGE), "naive")),
        Note(TITLE, f"{SPEC}: " + xla_difference(ours, naive, (1, *IMAGE))),
    ]
    for jit in (False, True):
        for batch in BATCHES:
            mine, theirs = compare(ours, naive, batch, jit, config)
            rows.append(
                Figure(
                    TITLE,
                    f"{SPEC}, batch {batch}, XLA {'on' if jit else 'off'}",
                    mine,
                    theirs,
                    "Lambda slicing + reshape/transpose",
                    paired_ratios(mine.values, theirs.values),
                    "our images/s / naive's",
                    Goal(0.97),
                )
            )
    return rows


def naive_twin(model: keras.Model, graph: archdsl.Graph) -> keras.Model:
    """``model`` with its split and channel_shuffle layers replaced by Lambda layers."""
    import keras

    splits = {node.name for node in graph.nodes if node.op == "split"}
    shuffles = {
        node.name: node.attrs["groups"] for node in graph.nodes if node.op == "channel_shuffle"
    }

    def clone(layer: keras.Layer) -> keras.Layer:
        if layer.name in splits:
            return keras.layers.Lambda(_halves, name=layer.name)
        if layer.name in shuffles:
            return keras.layers.Lambda(
                _shuffle, arguments={"groups": shuffles[layer.name]}, name=layer.name
            )
        return layer.__class__.from_config(layer.get_config())

    return keras.models.clone_model(model, clone_function=clone)


def _halves(x: keras.KerasTensor) -> list[keras.KerasTensor]:
    half = x.shape[-1] // 2
    return [x[..., :half], x[..., half:]]


def _shuffle(x: keras.KerasTensor, groups: int) -> keras.KerasTensor:
    from keras import ops

    height, width, channels = x.shape[1:]
    x = ops.reshape(x, (-1, height, width, groups, channels // groups))
    x = ops.transpose(x, (0, 1, 2, 4, 3))
    return ops.reshape(x, (-1, height, width, channels))
