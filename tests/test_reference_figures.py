"""Every built-in spec reproduces the reference figures of models.json exactly."""

from __future__ import annotations

import json

import pytest

from archdsl.analysis.analyze import analyze
from archdsl.compile import compile_spec
from archdsl.spec.params import parse_override
from archdsl.spec.source import builtin_names
from tests.helpers import ROOT, reference_models, run_cli, spec_and_overrides

ENTRIES = [entry for entry in reference_models() if entry["spec"] in builtin_names()]


def _spec_and_overrides(entry: dict) -> tuple[str, list]:
    name, sets = spec_and_overrides(entry)
    return name, [parse_override(text) for text in sets[1::2]]


def test_every_reference_network_has_a_builtin_spec():
    missing = {e["spec"] for e in reference_models()} - set(builtin_names())
    assert not missing


# What the issue asks to prove: every width the references publish, at every input size.
SIZES = (128, 160, 192, 224)
WIDTHS = {
    "mobilenet_v1": (0.25, 0.5, 0.75, 1.0),
    "mobilenet_v2": (0.35, 0.5, 0.75, 1.0, 1.3, 1.4),
    "mobilenet_v3_large": (0.75, 1.0),
    "mobilenet_v3_small": (0.75, 1.0),
    "mnasnet_a1": (0.35, 0.5, 0.75, 1.0, 1.3, 1.4),
    "mnasnet_b1": (0.35, 0.5, 0.75, 1.0, 1.3, 1.4),
    "shufflenet_v2": (0.5, 1.0, 1.5, 2.0),
}


def test_every_listed_width_and_input_has_reference_figures():
    have = {
        (
            e["spec"],
            e["overrides"].get("width", 1.0),
            e["overrides"].get("input", 224),
            e["overrides"].get("minimalistic", False),
        )
        for e in ENTRIES
        if set(e["overrides"]) <= {"width", "input", "minimalistic"}
    }
    wanted = {
        (spec, width, size, minimalistic)
        for spec, widths in WIDTHS.items()
        for width in widths
        for size in SIZES
        for minimalistic in ((False, True) if spec.startswith("mobilenet_v3") else (False,))
    }
    assert wanted - have == set()
    assert {"efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3"} <= {
        e["id"] for e in ENTRIES
    }


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_analyzer_matches_models_json(entry):
    analysis = analyze(compile_spec(*_spec_and_overrides(entry)))
    assert analysis.total.params == entry["params_total"]
    assert analysis.total.trainable == entry["params_trainable"]
    assert analysis.total.macs == entry["macs"]
    assert analysis.output_shape == (1000,)


PUBLISHED = [e for e in ENTRIES if "published" in e]


@pytest.mark.parametrize("entry", PUBLISHED, ids=[e["id"] for e in PUBLISHED])
def test_trainable_parameters_round_to_the_published_millions(entry):
    """The tensorflow/tpu README's MnasNet-A1 table (trainable parameters, in 0.1 M)."""
    analysis = analyze(compile_spec(*_spec_and_overrides(entry)))
    assert round(analysis.total.trainable / 1e6, 1) == entry["published"]["params_m"]


# The command line reports what the analyzer counts: each network at its defaults and at 160.
COMMAND_LINE = [e for e in ENTRIES if set(e["overrides"].items()) <= {("input", 160)}]


@pytest.mark.parametrize("entry", COMMAND_LINE, ids=[e["id"] for e in COMMAND_LINE])
def test_summary_json_matches_models_json(entry):
    name, sets = spec_and_overrides(entry)
    result = run_cli("summary", name, *sets, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["params"]["total"] == entry["params_total"]
    assert report["params"]["trainable"] == entry["params_trainable"]
    assert report["params"]["non_trainable"] == entry["params_total"] - entry["params_trainable"]
    assert report["macs"] == entry["macs"]
    assert report["output_shape"] == [1000]
    size = entry["overrides"].get("input", 224)
    assert report["input_shape"] == [size, size, 3]
    assert sum(layer["params"] for layer in report["layers"]) == entry["params_total"]
    assert sum(block["macs"] for block in report["blocks"]) == report["macs"]


def test_mnasnet_a1_figures_from_the_issue():
    report = json.loads(run_cli("summary", "mnasnet_a1", "--format", "json").stdout)
    assert report["params"] == {"total": 3_920_526, "trainable": 3_887_038, "non_trainable": 33_488}
    assert report["macs"] == 311_579_072


def test_docs_widths_page_is_current():
    from tests.reference.table import markdown

    assert (ROOT / "docs" / "widths.md").read_text() == markdown()
    assert f": {len(ENTRIES)} networks, each equal to its" in " ".join(
        (ROOT / "README.md").read_text().split()
    )
