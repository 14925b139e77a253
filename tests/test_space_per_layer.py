"""Choices made per layer (`per: layer`, `k{3|5}/layer`, a block's `per=layer`): the spec
forms, located errors, exact counts, candidates whose layers differ, and their figures."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path

import pytest

from archdsl.analysis.analyze import analyze
from archdsl.compile import compile_document, compile_spec
from archdsl.errors import SpecError
from archdsl.space.count import count_space
from archdsl.space.evaluate import Evaluator, draw, evaluate
from archdsl.space.extremes import extremes
from archdsl.space.figures import StageFigures
from archdsl.space.load import load_space
from archdsl.spec import convert
from tests.helpers import ROOT, run_cli

SPACES = ROOT / "specs" / "spaces"
FLAT_YAML, FLAT_ARCH = str(SPACES / "mnasnet_flat.yaml"), str(SPACES / "mnasnet_flat.arch")

# s2: a kernel per layer under 1 to 3 layers; s3: an op per layer, the rest once per block.
TINY = """\
archdsl: 1
name: tiny
input: [32, 32, 3]
params: {classes: 10}
ops:
  conv: {conv: {}}
  mb3: {mbconv: {expansion: 3}}
stem:
  - conv: {filters: 8, kernel: 3, stride: 2}
stages:
  - mbconv: {expansion: 1, kernel: 3, filters: 8}
  - mbconv: {expansion: 6, kernel: {choice: [3, 5], per: layer}, stride: 2, filters: 16, repeats: {of: 2, plus: [-1, 0, 1]}}
  - block:
      op: {choice: [conv, mb3], per: layer}
      kernel: {choice: [3, 5]}
      se: {choice: [0, 0.25]}
      filters: {of: 24, times: [0.75, 1.0]}
      repeats: 2
      stride: 2
head:
  - global_pool: avg
  - dense: {units: $classes}
"""

TINY_ARCH = """\
model tiny
input 32x32x3
params classes=10
ops conv conv
    mb3  mbconv e3

stem   conv                      c8 k3 s2
stages mbconv                    c8             k3              e1
       mbconv                    c16            k{3|5}/layer s2 e6 x2+{-1|0|+1}
       block op={conv|mb3}/layer c24x{0.75|1.0} k{3|5}       s2    x2           se{0|0.25}
head   global_pool avg | dense units=$classes
"""


@pytest.fixture
def tiny(tmp_path: Path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return load_space(str(path))


def _every(space):
    """Every candidate once: all assignments, those differing only in choices not made
    counted once."""
    seen = {}
    for combo in itertools.product(*(range(c.size) for c in space.choices)):
        assignment = dict(zip((c.name for c in space.choices), combo, strict=True))
        key = json.dumps(sorted(space.values(assignment).items()))
        seen.setdefault(key, assignment)
    return list(seen.values())


def test_per_layer_choices_are_one_choice_per_layer(tiny):
    assert [c.name for c in tiny.choices] == [
        "s2.repeats",
        "s2.b1.kernel",
        "s2.b2.kernel",
        "s2.b3.kernel",
        "s3.b1.op",
        "s3.b2.op",
        "s3.filters",
        "s3.kernel",
        "s3.se",
    ]
    two = {c.name: 0 for c in tiny.choices} | {"s2.repeats": 1}  # 2 layers: no s2.b3.kernel
    assert "s2.b3.kernel" not in tiny.values(two) and "s2.b2.kernel" in tiny.values(two)
    convs = two | {"s3.se": 1}  # both s3 layers conv: no SE choice made
    assert "s3.se" not in tiny.values(convs)
    assert tiny.values(convs | {"s3.b2.op": 1})["s3.se"] == 0.25


def test_counts_are_exact(tiny):
    count = count_space(tiny)
    s2, s3 = (g for g in count.groups if g.stage is not None)
    # s2: a kernel of 2 per layer over 1, 2 or 3 layers; s3: 2 ops per layer over 2
    # layers, times kernel, se and filters once
    assert s2.paper == 2 + 2**2 + 2**3 == 14
    assert s3.paper == 2**2 * 2 * 2 * 2 == 32
    # distinct: the filters round to 24 either way; SE is made unless both layers are conv
    assert s3.distinct == 2 * (1 + 3 * 2) == 14
    assert count.paper == 14 * 32 and count.distinct == 14 * 14
    assert len(_every(tiny)) == count.distinct
    # flat: every layer takes op, kernel, se and filters: 2 x 2 x 1 + 2 x 2 x 2 x 1
    # distinct designs per s3 layer
    assert s3.flat_distinct == (2 + 4) ** 2 and s3.flat_paper == 16**2


def test_extremes_and_stage_figures_equal_compiling_every_candidate(tiny):
    figures = StageFigures(tiny)
    params, macs = [], []
    for index, assignment in enumerate(_every(tiny)):
        candidate = evaluate(tiny, assignment, index)
        assert figures.figures(assignment) == candidate.figures
        params.append(candidate.figures["params"])
        macs.append(candidate.figures["macs"])
    found = extremes(tiny)
    assert found is not None
    assert found.params == (min(params), max(params))
    assert found.macs == (min(macs), max(macs))


def test_a_candidate_is_a_stage_whose_layers_differ(tiny):
    assignment = {c.name: 0 for c in tiny.choices} | {
        "s2.repeats": 2,
        "s2.b2.kernel": 1,
        "s3.b2.op": 1,
        "s3.se": 1,
    }
    doc = tiny.resolve(assignment)
    assert doc.data["stages"][1:] == [
        {"mbconv": {"expansion": 6, "kernel": 3, "stride": 2, "filters": 16}},
        {"mbconv": {"expansion": 6, "kernel": 5, "filters": 16, "continues": True}},
        {"mbconv": {"expansion": 6, "kernel": 3, "filters": 16, "continues": True}},
        {"conv": {"kernel": 3, "filters": 24, "stride": 2}},
        {"mbconv": {"expansion": 3, "kernel": 3, "se": 0.25, "filters": 24, "continues": True}},
    ]
    graph = compile_document(doc)
    blocks = [(b.name, b.type) for b in graph.blocks if b.stage in ("s2", "s3")]
    assert blocks == [
        ("s2_b1", "mbconv"),
        ("s2_b2", "mbconv"),
        ("s2_b3", "mbconv"),
        ("s3_b1", "conv"),
        ("s3_b2", "mbconv"),
    ]


def test_equal_layers_give_the_factorized_graph(tiny, tmp_path):
    """A per-layer candidate whose layers agree is the fixed spec with repeats: the same
    nodes, names and figures."""
    assignment = {c.name: 0 for c in tiny.choices} | {"s2.repeats": 2}
    doc = tiny.resolve(assignment)
    assert doc.data["stages"][1:3] == [
        {"mbconv": {"expansion": 6, "kernel": 3, "stride": 2, "filters": 16}},
        {"mbconv": {"expansion": 6, "kernel": 3, "filters": 16, "repeats": 2, "continues": True}},
    ]
    s2 = "  - mbconv: {expansion: 6, kernel: {choice: [3, 5], per: layer}, stride: 2, filters: 16, repeats: {of: 2, plus: [-1, 0, 1]}}\n"
    fixed = TINY[: TINY.index("ops:")] + TINY[TINY.index("stem:") :]
    fixed = fixed.replace(
        s2, "  - mbconv: {expansion: 6, kernel: 3, stride: 2, filters: 16, repeats: 3}\n"
    )
    searched = fixed[fixed.index("  - block:") : fixed.index("head:")]
    fixed = fixed.replace(searched, "  - conv: {kernel: 3, filters: 24, stride: 2, repeats: 2}\n")
    path = tmp_path / "fixed.yaml"
    path.write_text(fixed)
    both = [compile_document(doc), compile_spec(str(path))]
    nodes = [[(n.name, n.op, n.attrs, n.inputs) for n in g.nodes] for g in both]
    assert nodes[0] == nodes[1]


def test_arch_twin_reads_and_writes_the_same_space(tiny, tmp_path):
    arch = tmp_path / "tiny.arch"
    arch.write_text(TINY_ARCH)
    space = load_space(str(arch))
    assert space.doc.data == tiny.doc.data and space.fingerprint == tiny.fingerprint
    assert convert.write(tiny.doc, "arch") == TINY_ARCH
    again = convert.parse(convert.write(space.doc, "yaml"), str(tmp_path / "again.yaml"))
    assert again.data == tiny.doc.data


def test_block_per_layer_makes_every_choice_but_repeats_per_layer(tmp_path):
    text = TINY_ARCH.replace("op={conv|mb3}/layer", "op={conv|mb3} per=layer").replace(
        "x2 ", "x2+{0|1}"
    )
    path = tmp_path / "b.arch"
    path.write_text(text)
    space = load_space(str(path))
    s3 = [c.name for c in space.choices if c.block == 3 - 1]
    assert s3[0] == "s3.repeats" and s3[1:5] == [
        "s3.b1.op",
        "s3.b1.filters",
        "s3.b1.kernel",
        "s3.b1.se",
    ]
    assert len(s3) == 1 + 3 * 4
    group = next(g for g in count_space(space).groups if g.stage == 2)
    assert group.paper == group.flat_paper == 16**2 + 16**3  # its own flat space
    yaml_text = convert.write(space.doc, "yaml")
    assert "per: layer" in yaml_text
    arch_again = convert.write(convert.parse(yaml_text, str(tmp_path / "b.yaml")), "arch")
    assert "block op={conv|mb3} per=layer" in arch_again


def test_flat_mnasnet_space_counts_the_papers_flat_space():
    """mnasnet_flat: every layer chooses; its factorized count is mnasnet's flat count."""
    flat, factorized = load_space(FLAT_YAML), load_space(str(SPACES / "mnasnet.yaml"))
    assert count_space(flat).paper == count_space(factorized).flat_paper
    assert count_space(flat).distinct == count_space(factorized).flat_distinct
    assert count_space(flat).paper == count_space(flat).flat_paper
    arch = load_space(FLAT_ARCH)
    assert arch.doc.data == flat.doc.data
    assert [c.name for c in arch.choices] == [c.name for c in flat.choices]


def test_flat_mnasnet_candidates_figures_equal_whole_compiles():
    space = load_space(FLAT_YAML)
    evaluator = Evaluator(space)
    for index, assignment in enumerate(itertools.islice(draw(space, 5), 12)):
        candidate = evaluate(space, assignment, index)
        assert evaluator.figures(assignment, index) == candidate.figures


@pytest.mark.parametrize(
    ("replace", "where", "message"),
    [
        (
            (
                "repeats: {of: 2, plus: [-1, 0, 1]}",
                "repeats: {of: 2, plus: [-1, 0, 1], per: layer}",
            ),
            "12:130",
            "s2.repeats: the number of layers is chosen once for the block's layers",
        ),
        (
            ("stride: 2, filters: 16", "stride: {choice: [1, 2], per: layer}, filters: 16"),
            "12:96",
            "s2.stride: the stride (its first layer's) is chosen once",
        ),
        (
            ("params: {classes: 10}", "params: {classes: {choice: [10, 20], per: layer}}"),
            "4:43",
            "params.classes: per: layer is for a knob of a stage's block",
        ),
        (
            ("params: {classes: 10}", "params: {classes: 10, depth: 1.5}"),
            "4:30",
            "s2.kernel: a space with per-layer choices needs depth 1.0",
        ),
        (
            ("repeats: 2\n", "repeats: $r\n"),
            "18:16",
            "s3.op: per-layer choices need the stage's repeats as a number or a choice",
        ),
        (
            ("kernel: {choice: [3, 5], per: layer}", "kernel: {choice: [3, 5], per: stage}"),
            "12:58",
            "s2.kernel: per is 'layer'",
        ),
    ],
)
def test_misplaced_per_layer_is_located(tmp_path, replace, where, message):
    path = tmp_path / "bad.yaml"
    text = TINY.replace(*replace)
    if "$r" in text:
        text = text.replace("params: {classes: 10}", "params: {classes: 10, r: 2}")
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_space(str(path))
    assert str(caught.value).startswith(f"{path}:{where}: error: {message}")


def test_a_searched_block_per_other_than_layer_or_block_is_located(tmp_path):
    path = tmp_path / "bad.arch"
    path.write_text(TINY_ARCH.replace("op={conv|mb3}/layer", "op={conv|mb3} per=stage"))
    result = run_cli("space", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        f"{path}:10:32: error: s3: per is 'layer' (each layer of the block chooses) or 'block'"
    )


def test_sample_writes_per_layer_candidates_that_compile_to_their_figures(tmp_path):
    """jsonl choices, YAML and .arch candidates: the same graphs, the recorded figures."""
    space_path = tmp_path / "tiny.yaml"
    space_path.write_text(TINY)
    outputs = {}
    for form in ("yaml", "arch"):
        out = tmp_path / form
        result = run_cli(
            "sample", str(space_path), "-n", "8", "--seed", "3", "-o", str(out), "--format", form
        )
        assert result.returncode == 0, result.stderr
        outputs[form] = out
    rows = [
        json.loads(line) for line in (outputs["yaml"] / "candidates.jsonl").read_text().splitlines()
    ]
    assert rows == [
        json.loads(line) for line in (outputs["arch"] / "candidates.jsonl").read_text().splitlines()
    ]
    assert any(row["choices"]["s2.repeats"] == 3 for row in rows)
    space = load_space(str(space_path))
    for row in rows:
        yaml_graph = compile_spec(str(outputs["yaml"] / f"tiny_{row['index']:05d}.yaml"))
        arch_graph = compile_spec(str(outputs["arch"] / f"tiny_{row['index']:05d}.arch"))
        assert [(n.name, n.op, n.attrs) for n in yaml_graph.nodes] == [
            (n.name, n.op, n.attrs) for n in arch_graph.nodes
        ]
        total = analyze(yaml_graph).total
        assert [total.params, total.macs] == [row["params"], row["macs"]]
        # the choices recorded pick this candidate again
        names = {c.name: c for c in space.choices}
        assignment = {c.name: 0 for c in space.choices}
        for name, value in row["choices"].items():
            assignment[name] = names[name].options.index(value)
        again = compile_document(space.resolve(assignment, yaml_graph.name))
        assert [n.name for n in again.nodes] == [n.name for n in yaml_graph.nodes]


def test_search_asks_optuna_for_each_layer_it_has_and_resumes(tmp_path):
    """Per-layer parameters under a variable number of layers (Optuna's define-by-run):
    a trial asks s2.b3.kernel only when its s2 has 3 layers; a resumed study goes on with
    the same parameter names."""
    space_path = tmp_path / "tiny.yaml"
    space_path.write_text(TINY)
    out = tmp_path / "run"
    args = ["search", str(space_path), "--objective", "params,macs", "--seed", "1", "-o", str(out)]
    first = run_cli(*args, "--trials", "6", "--sampler", "tpe", timeout=300)
    assert first.returncode == 0, first.stderr
    resumed = run_cli(*args, "--trials", "10", "--sampler", "tpe", timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    rows = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()]
    assert len(rows) == 10 and all(row["state"] == "COMPLETE" for row in rows)
    space = load_space(str(space_path))
    for row in rows:
        layers = row["choices"]["s2.repeats"]
        asked = sorted(name for name in row["choices"] if name.startswith("s2.b"))
        assert asked == [f"s2.b{k}.kernel" for k in range(1, layers + 1)]
        assert ("s3.se" in row["choices"]) == (
            "mb3" in (row["choices"]["s3.b1.op"], row["choices"]["s3.b2.op"])
        )
        assignment = {c.name: 0 for c in space.choices}
        for name, value in row["choices"].items():
            assignment[name] = space.by_name[name].options.index(value)
        assert evaluate(space, assignment, 0).figures["macs"] == row["macs"]
    with sqlite3.connect(out / "study.db") as db:
        names = {name for (name,) in db.execute("select distinct param_name from trial_params")}
    assert names <= {c.name for c in space.choices} and "s2.b1.kernel" in names


def test_a_ray_worker_measures_a_per_layer_candidate_as_the_driver_does(tmp_path):
    """What a Ray task runs (the space read again from its file, one candidate measured),
    called here: the same figures as measuring in the driver's process."""
    from archdsl.search.objectives import Goal
    from archdsl.search.ray_runner import _evaluate_task
    from archdsl.search.study import measure
    from archdsl.spec.limits import DEFAULT_LIMITS

    space_path = tmp_path / "tiny.yaml"
    space_path.write_text(TINY)
    space = load_space(str(space_path))
    goal = Goal(("params", "macs"))
    for assignment in itertools.islice(draw(space, 7), 5):
        worker = _evaluate_task(str(space_path), assignment, 1, goal, DEFAULT_LIMITS, str(tmp_path))
        assert worker == measure(space, assignment, 1, goal)
        assert worker.figures == evaluate(space, assignment, 1).figures


def test_docs_quote_the_exact_factorized_and_flat_counts():
    text = (ROOT / "docs" / "search.md").read_text(encoding="utf-8")
    for name, kind in (("mnasnet", "factorized"), ("mnasnet_flat", "per layer")):
        count = count_space(load_space(str(SPACES / f"{name}.yaml")))
        row = (
            f"| `{name}` ({kind}) | {count.paper:,} ({count.paper:.1e}) |"
            f" {count.distinct:,} ({count.distinct:.1e}) |"
        )
        assert row in text
    assert count.paper == count_space(load_space(str(SPACES / "mnasnet.yaml"))).flat_paper


def test_mnasnet_a1_is_a_point_of_the_flat_space():
    """Every layer of each block taking A1's design for that block: exactly mnasnet_a1."""
    from tests.test_space import A1, KNOBS

    space = load_space(FLAT_YAML)
    assignment = {c.name: 0 for c in space.choices}
    for stage, values in A1.items():
        design = dict(zip(KNOBS, values, strict=True))
        repeats = space.by_name[f"s{stage}.repeats"]
        assignment[repeats.name] = repeats.options.index(design.pop("repeats"))
        for layer in range(1, 6):
            for knob, value in design.items():
                choice = space.by_name.get(f"s{stage}.b{layer}.{knob}")
                if choice is not None:
                    assignment[choice.name] = choice.options.index(value)
    graph = compile_document(space.resolve(assignment, name="mnasnet_a1"))
    reference = compile_spec("mnasnet_a1")
    assert graph.nodes == reference.nodes
    assert analyze(graph).total.params == 3_920_526


@pytest.mark.parametrize("space_file", [FLAT_YAML, "TINY"])
def test_optuna_asks_exactly_the_choices_a_candidate_makes(tmp_path, space_file):
    """Define-by-run in choice order: each trial's parameters are the candidate's choices
    (the layer count before the layers, a layer's op before its knobs, a block's shared
    knob after its layers' ops)."""
    optuna = pytest.importorskip("optuna")
    from archdsl.search.study import suggest

    if space_file == "TINY":
        space_file = str(tmp_path / "tiny.yaml")
        Path(space_file).write_text(TINY)
    space = load_space(space_file)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(30):
        trial = study.ask()
        assignment = suggest(space, trial)
        assert set(trial.params) == set(space.values(assignment))
        study.tell(trial, 0.0)
