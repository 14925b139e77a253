"""What a spec means beyond its figures: logits or probabilities, and the classifier switch."""

from __future__ import annotations

import json

import pytest

import archdsl
from archdsl.analysis.analyze import analyze
from archdsl.spec.source import builtin_names
from tests.helpers import run_cli

# The keras.applications networks end in a softmax; the torchvision ones in logits.
LOGITS_BY_DEFAULT = {"mnasnet_b1", "shufflenet_v2"}


@pytest.mark.parametrize("name", builtin_names())
def test_every_builtin_switches_its_softmax_with_classifier_activation(name):
    default = archdsl.load(name)
    softmax = archdsl.load(name, classifier_activation="softmax")
    logits = archdsl.load(name, classifier_activation="none")
    assert default.output_kind == ("logits" if name in LOGITS_BY_DEFAULT else "probabilities")
    assert (softmax.output_kind, logits.output_kind) == ("probabilities", "logits")
    assert logits.from_logits and not softmax.from_logits
    # The switch adds or removes one parameter-free softmax layer, nothing else.
    assert len(softmax.nodes) == len(logits.nodes) + 1
    assert softmax.nodes[-1].op == "activation" and softmax.nodes[-1].attrs["fn"] == "softmax"
    with_softmax, without = analyze(softmax).total, analyze(logits).total
    assert (with_softmax.params, with_softmax.macs) == (without.params, without.macs)


def test_summary_says_logits_or_probabilities():
    table = run_cli("summary", "shufflenet_v2").stdout.splitlines()[1]
    assert (
        table == "input 224x224x3 -> output 1000 (logits: no softmax; train with from_logits=True)"
    )
    report = json.loads(
        run_cli("summary", "mobilenet_v2", "--set", "input=96", "--format", "json").stdout
    )
    assert report["output_kind"] == "probabilities"
    markdown = run_cli("summary", "mnasnet_b1", "--format", "markdown").stdout
    assert "output 1000 (logits: no softmax" in markdown


def test_a_network_without_a_classifier_outputs_features():
    graph = archdsl.load("mobilenet_v2")
    trimmed = type(graph)(
        graph.name,
        graph.title,
        graph.input_shape,
        tuple(n for n in graph.nodes if n.stage != "head"),
        graph.blocks,
    )
    assert trimmed.output_kind == "features" and not trimmed.from_logits


@pytest.mark.slow
def test_keras_output_is_what_the_summary_says():
    import numpy as np

    image = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    for activation, sums_to_one in (("softmax", True), ("none", False)):
        graph = archdsl.load(
            "mobilenet_v3_small", input=32, classes=5, classifier_activation=activation
        )
        output = np.asarray(archdsl.to_keras(graph)(image, training=False))
        assert output.shape == (2, 5)
        assert np.allclose(output.sum(axis=1), 1.0, atol=1e-5) == sums_to_one


# keras.applications(include_top=False, pooling="avg") parameter counts (Keras 3.15, weights=None).
NO_TOP_PARAMS = {
    "mobilenet_v2": 2_257_984,
    "efficientnet_b0": 4_049_571,
    "mobilenet_v3_small": 939_120,
}


@pytest.mark.parametrize("name", sorted(NO_TOP_PARAMS))
def test_include_top_false_keeps_the_last_conv_as_keras_applications_does(name):
    pooled = analyze(archdsl.load(name, include_top=False, pooling="avg"))
    assert pooled.total.params == NO_TOP_PARAMS[name]
    assert len(pooled.output_shape) == 1 and pooled.output_kind == "features"
    assert pooled.layers[-1].name == "avg_pool" and pooled.layers[-1].op == "global_pool"
    maps = analyze(archdsl.load(name, include_top=False))
    assert maps.output_shape == (7, 7, pooled.output_shape[0])
    maxed = archdsl.load(name, include_top=False, pooling="max")
    assert maxed.nodes[-1].attrs["kind"] == "max"


def test_features_only_has_one_named_output_per_stage_end():
    graph = archdsl.load("mobilenet_v2", features_only=True)
    report = analyze(graph)
    assert [name for name, _, _ in report.outputs] == [f"s{i}" for i in range(1, 8)]
    assert [shape for _, _, shape in report.outputs] == [
        (112, 112, 16),
        (56, 56, 24),
        (28, 28, 32),
        (14, 14, 64),
        (14, 14, 96),
        (7, 7, 160),
        (7, 7, 320),
    ]
    assert all(node.stage != "head" for node in graph.nodes)
    assert report.output_kind == "features"
    summary = json.loads(
        run_cli("summary", "mobilenet_v2", "--set", "features_only=true", "--format", "json").stdout
    )
    assert summary["outputs"][1] == {"name": "s2", "layer": "s2_b2_add", "shape": [56, 56, 24]}
    table = run_cli("summary", "mobilenet_v2", "--set", "features_only=true").stdout
    assert "outputs s1=112x112x16, s2=56x56x24" in table
    assert max(len(line) for line in table.splitlines()) <= 100
    dot = run_cli("graph", "mobilenet_v2", "--set", "features_only=true", "-o", "-").stdout
    assert dot.count('"output-s') == 7 * 2  # each output: its node and its edge
    assert 's2_b2 -> "output-s2"' in dot


@pytest.mark.parametrize(
    "overrides,message",
    [
        (
            {"pooling": "avg"},
            "pooling: avg (set by load(pooling='avg')): pooling needs include_top: false",
        ),
        ({"features_only": True, "pooling": "max"}, "features_only has one output per stage end"),
        (
            {"include_top": False, "pooling": "mean"},
            "'pooling' must be one of 'none', 'avg', 'max'",
        ),
    ],
)
def test_pooling_without_a_topless_network_is_refused(overrides, message):
    with pytest.raises(archdsl.SpecError) as error:
        archdsl.load("mobilenet_v2", **overrides)
    assert message in str(error.value)


@pytest.mark.slow
def test_keras_features_model_returns_the_named_stage_ends(tmp_path):
    import keras
    import numpy as np

    graph = archdsl.load("mobilenet_v2", input=64, features_only=True)
    model = archdsl.to_keras(graph)
    outputs = model(np.zeros((1, 64, 64, 3), "float32"))
    report = analyze(graph)
    assert {name: tuple(t.shape[1:]) for name, t in outputs.items()} == {
        name: shape for name, _, shape in report.outputs
    }
    assert model.count_params() == report.total.params
    path = tmp_path / "features.keras"
    model.save(path)
    again = keras.saving.load_model(path, safe_mode=True)
    assert sorted(again(np.zeros((1, 64, 64, 3), "float32"))) == [f"s{i}" for i in range(1, 8)]
    pooled = archdsl.to_keras(archdsl.load("efficientnet_b0", include_top=False, pooling="avg"))
    assert pooled.count_params() == NO_TOP_PARAMS["efficientnet_b0"]
    assert pooled.output_shape == (None, 1280)
