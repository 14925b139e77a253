"""Search spaces: choices in a spec, MnasNet's space, `archdsl space` and its counts."""

from __future__ import annotations

import itertools
import json
import textwrap
from pathlib import Path

import pytest

from archdsl.analysis.analyze import analyze
from archdsl.compile import compile_document, compile_spec
from archdsl.errors import SpecError
from archdsl.space.count import count_space
from archdsl.space.extremes import extremes
from archdsl.space.load import load_space
from archdsl.spec.params import parse_override
from tests.helpers import ROOT, run_cli

MNASNET = str(ROOT / "specs" / "spaces" / "mnasnet.yaml")

# MnasNet-A1 (the paper's Figure 7(a)) as choices of the space: op, kernel, se, skip,
# filters, layers for stages 2 to 6.
A1 = {
    2: ("mbconv6", 3, 0, "auto", 24, 2),
    3: ("mbconv3", 5, 0.25, "auto", 40, 3),
    4: ("mbconv6", 3, 0, "auto", 80, 4),
    5: ("mbconv6", 3, 0.25, "auto", 112, 2),
    6: ("mbconv6", 5, 0.25, "auto", 160, 3),
}
KNOBS = ("op", "kernel", "se", "skip", "filters", "repeats")


def a1_assignment(space) -> dict[str, int]:
    assignment = {}
    for stage, values in A1.items():
        for knob, value in zip(KNOBS, values, strict=True):
            choice = space.by_name[f"s{stage}.{knob}"]
            assignment[choice.name] = choice.options.index(value)
    return assignment


def test_mnasnet_a1_is_a_point_of_the_space():
    space = load_space(MNASNET)
    graph = compile_document(space.resolve(a1_assignment(space), name="mnasnet_a1"))
    reference = compile_spec("mnasnet_a1")
    assert graph.nodes == reference.nodes
    assert graph.blocks == reference.blocks
    assert analyze(graph).total.params == 3_920_526  # MnasNet-A1 as Keras counts it
    half = [parse_override("width=0.5")]  # the space's fixed parts scale as A1's do
    narrow = compile_document(space.resolve(a1_assignment(space), name="mnasnet_a1"), half)
    assert narrow.nodes == compile_spec("mnasnet_a1", half).nodes


def test_the_space_is_found_by_name():
    assert load_space("mnasnet").fingerprint == load_space(MNASNET).fingerprint


def test_mnasnet_counts_are_the_papers_arithmetic():
    count = count_space(load_space(MNASNET))
    assert [g.paper for g in count.groups] == [432, 432, 432, 576, 432]  # s5 widened: 4 filters
    assert count.paper == 432**4 * 576
    # distinct: a regular conv takes no SE nor skip (3 ops x 144 + 2 x 3 per layer count),
    # and s2's 0.75 x 24 rounds up to 24
    assert [g.distinct for g in count.groups] == [228, 342, 342, 456, 342]
    # flat: each of s4's 3, 4 or 5 layers takes its own design
    assert count.groups[2].flat_paper == 144**3 + 144**4 + 144**5


def test_flat_count_by_hand(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(
        SMALL.replace("KERNEL", "{choice: [3, 5]}").replace("REPEATS", "{of: 2, plus: [-1, 0]}")
    )
    count = count_space(load_space(str(path)))
    # s1: kernel (2) x layers (2) = 4 designs; flat: 2^1 + 2^2 = 6; s2: se (2), 2 layers: 2^2
    assert [(g.paper, g.flat_paper) for g in count.groups] == [(4, 6), (2, 4)]
    assert (count.paper, count.flat_paper) == (8, 24)


SMALL = """\
archdsl: 1
name: tiny
input: [32, 32, 3]
stem:
  - conv: {filters: 8, kernel: 3, stride: 2}
stages:
  - mbconv: {expansion: 3, kernel: KERNEL, filters: 16, repeats: REPEATS, stride: 2}
  - mbconv: {expansion: 6, filters: 16, repeats: 2, se: {choice: [0, 0.25]}}
head:
  - global_pool: avg
  - dense: {units: 10}
"""

SEARCHED = """\
archdsl: 1
name: searched
input: [32, 32, 3]
ops:
  conv: {conv: {}}
  mb3: {mbconv: {expansion: 3}}
stem:
  - conv: {filters: 8, kernel: 3, stride: 2}
stages:
  - block:
      op: {choice: [conv, mb3]}
      kernel: {choice: [3, 5]}
      se: {choice: [0, 0.25]}
      filters: {of: 16, times: [0.5, 1.0]}
      repeats: {of: 2, plus: [-1, 0, 1]}
      stride: 2
  - block:
      op: {choice: [mb3, conv]}
      skip: {choice: [auto, false]}
      filters: {of: 24, times: [1.0, 2.0]}
      stride: 1
head:
  - conv: {filters: 64, kernel: 1}
  - global_pool: avg
  - dense: {units: 10}
"""


def test_extremes_equal_enumerating_every_candidate(tmp_path):
    path = tmp_path / "searched.yaml"
    path.write_text(SEARCHED)
    space = load_space(str(path))
    params, macs = set(), set()
    for combo in itertools.product(*(range(c.size) for c in space.choices)):
        assignment = dict(zip((c.name for c in space.choices), combo, strict=True))
        total = analyze(compile_document(space.resolve(assignment))).total
        params.add(total.params)
        macs.add(total.macs)
    found = extremes(space)
    assert found is not None
    assert found.params == (min(params), max(params))
    assert found.macs == (min(macs), max(macs))
    # conv ops take no se or skip, so fewer distinct designs than the product
    count = count_space(space)
    assert [g.paper for g in count.groups] == [48, 8]
    assert [g.distinct for g in count.groups] == [2 * 2 * 3 + 2 * 2 * 2 * 3, 2 + 2 * 2]


def test_mnasnet_range_holds_a1_and_mobilenet_v2_like_points():
    space = load_space(MNASNET)
    found = extremes(space)
    assert found is not None
    assert found.params[0] < 3_920_526 < found.params[1]
    assert found.macs[0] < 312_000_000 < found.macs[1]


def test_space_command_prints_the_papers_numbers():
    result = run_cli("space", MNASNET)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "432" in out and "576" in out
    assert f"{432**4 * 576:,}" in out
    assert "S^B = 432^5 = 1.5e+13" in out and "S^(B*N) = 432^15 = 3.4e+39" in out
    record = json.loads(run_cli("space", MNASNET, "--format", "json").stdout)
    assert record["factorized"]["paper"] == 432**4 * 576
    assert record["flat"]["paper"] == (144 + 144**2 + 144**3) * (144**2 + 144**3 + 144**4) * (
        144**3 + 144**4 + 144**5
    ) * (192**2 + 192**3 + 192**4) * (144**2 + 144**3 + 144**4)
    assert record["params"][0] < record["params"][1]


def _space_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(SpecError) as caught:
        load_space(str(path))
    return str(caught.value)


@pytest.mark.parametrize(
    ("kernel", "message"),
    [
        ("{choice: []}", "bad.yaml:7:45: error: s1.kernel: a choice with no options"),
        ("{choice: [3, big]}", "bad.yaml:7:49: error: mbconv kernel must be an integer"),
        ("{choice: [3, 3]}", "bad.yaml:7:49: error: s1.kernel: option 3 is listed twice"),
        ("{choice: 3}", "bad.yaml:7:45: error: s1.kernel: choice must be a list of options"),
        ("{choice: [3, {a: 1}]}", "bad.yaml:7:49: error: s1.kernel: an option must be a number"),
        ("{choice: [3], size: 2}", "bad.yaml:7:50: error: s1.kernel: a choice is written"),
        ("{choice: [3, 5], per: stage}", "bad.yaml:7:58: error: s1.kernel: per is 'layer'"),
        (
            "{of: 3, times: [1, 2]}",
            "bad.yaml:7:52: error: s1.kernel: 'times' choices are for filters only",
        ),
    ],
)
def test_bad_choices_are_located(tmp_path, kernel, message):
    text = SMALL.replace("KERNEL", kernel).replace("REPEATS", "1")
    assert _space_error(tmp_path, text).startswith(str(tmp_path / message))


def test_plus_leaving_no_layers_is_located(tmp_path):
    text = SMALL.replace("KERNEL", "3").replace("REPEATS", "{of: 1, plus: [-1, 0]}")
    message = _space_error(tmp_path, text)
    assert message.startswith(str(tmp_path / "bad.yaml:7:76: error: s1.repeats: 1 -1 leaves 0"))


def test_an_empty_space_is_refused(tmp_path):
    text = SMALL.replace("KERNEL", "3").replace("REPEATS", "1").replace("{choice: [0, 0.25]}", "0")
    assert "an empty space: no choices" in _space_error(tmp_path, text)


def test_unknown_op_and_knob_no_op_takes(tmp_path):
    bad_op = SEARCHED.replace("op: {choice: [mb3, conv]}", "op: {choice: [mb3, dw]}")
    assert "bad.yaml:18:26: error: s2: no op named 'dw' in ops (ops: conv, mb3)" in _space_error(
        tmp_path, bad_op
    )
    bad_knob = SEARCHED.replace("      stride: 1\n", "      units: 2\n      stride: 1\n")
    assert "s2: no op of this block takes 'units'" in _space_error(tmp_path, bad_knob)


def test_space_command_errors_exit_1_without_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace("KERNEL", "{choice: []}").replace("REPEATS", "1"))
    result = run_cli("space", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:7:45: error:")
    assert "Traceback" not in result.stderr
    missing = run_cli("space", "no_such_space")
    assert missing.returncode == 1
    assert "built-in spaces: mnasnet" in missing.stderr


POOL_SKIP = """\
archdsl: 1
name: pool_skip
input: [33, 33, 3]
stem:
  - conv: {filters: 16, kernel: 3, stride: 1}
stages:
  - mbconv: {expansion: 3, filters: 16, stride: 2, skip: pool, repeats: 2}
  - mbconv: {expansion: 3, filters: 24, stride: 2, skip: pool}
head:
  - global_pool: avg
  - dense: {units: 10}
"""


def test_pool_skip_pools_where_the_block_strides_and_keeps_channels(tmp_path):
    path = tmp_path / "pool.yaml"
    path.write_text(POOL_SKIP)
    nodes = {node.name: node for node in compile_spec(str(path)).nodes}
    assert nodes["s1_b1_skip_pool"].attrs == {
        "kind": "avg",
        "size": 2,
        "stride": 2,
        "padding": "same",
    }
    assert nodes["s1_b1_add"].inputs[0] == "s1_b1_skip_pool"
    assert nodes["s1_b2_add"].inputs[0] == "s1_b1_add"  # stride 1: the identity
    assert "s2_b1_add" not in nodes  # 16 -> 24 channels: no shortcut fits


@pytest.mark.slow
def test_pool_skip_builds_in_keras_with_the_analyzers_counts(tmp_path):
    import numpy as np

    from archdsl.backends.keras_backend import to_keras

    path = tmp_path / "pool.yaml"
    path.write_text(POOL_SKIP)
    graph = compile_spec(str(path))
    model = to_keras(graph)
    analysis = analyze(graph)
    assert model.count_params() == analysis.total.params
    image = np.ones((1, 33, 33, 3), dtype=np.float32)
    assert tuple(model(image, training=False).shape[1:]) == analysis.output_shape


def test_readme_shows_the_space_commands_output():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ archdsl space specs/spaces/mnasnet.yaml\n")
    shown = readme[start:].split("\n", 1)[1].split("```", 1)[0]
    result = run_cli("space", "specs/spaces/mnasnet.yaml", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert shown == result.stdout
