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
