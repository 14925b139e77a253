"""Every built-in spec reproduces the reference figures of models.json exactly."""

from __future__ import annotations

import json

import pytest

from archdsl.analysis.analyze import analyze
from archdsl.compile import compile_spec
from archdsl.spec.params import parse_override
from archdsl.spec.source import builtin_names
from tests.helpers import reference_models, run_cli, spec_and_overrides

ENTRIES = [entry for entry in reference_models() if entry["id"].split("@")[0] in builtin_names()]


def test_every_reference_network_has_a_builtin_spec():
    missing = {e["id"].split("@")[0] for e in reference_models()} - set(builtin_names())
    assert not missing


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_analyzer_matches_models_json(entry):
    name, sets = spec_and_overrides(entry)
    overrides = [parse_override(text) for text in sets[1::2]]
    analysis = analyze(compile_spec(name, overrides))
    assert analysis.total.params == entry["params_total"]
    assert analysis.total.trainable == entry["params_trainable"]
    if "macs" in entry:
        assert analysis.total.macs == entry["macs"]
    assert analysis.output_shape == (1000,)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_summary_json_matches_models_json(entry):
    name, sets = spec_and_overrides(entry)
    result = run_cli("summary", name, *sets, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["params"]["total"] == entry["params_total"]
    assert report["params"]["trainable"] == entry["params_trainable"]
    assert report["params"]["non_trainable"] == entry["params_total"] - entry["params_trainable"]
    if "macs" in entry:
        assert report["macs"] == entry["macs"]
    assert report["output_shape"] == [1000]
    assert report["input_shape"] == [224, 224, 3]
    assert sum(layer["params"] for layer in report["layers"]) == entry["params_total"]
    assert sum(block["macs"] for block in report["blocks"]) == report["macs"]


def test_mnasnet_a1_figures_from_the_issue():
    report = json.loads(run_cli("summary", "mnasnet_a1", "--format", "json").stdout)
    assert report["params"] == {"total": 3_920_526, "trainable": 3_887_038, "non_trainable": 33_488}
    assert report["macs"] == 311_579_072
