"""The latency table and the predictor: pure Python, no TensorFlow."""

from __future__ import annotations

import json
import multiprocessing
import re
import subprocess
import sys
from pathlib import Path

import pytest

import archdsl
from archdsl.latency import predict, predict_layers
from archdsl.latency.correction import (
    INTERCEPT,
    PER_GMAC,
    PER_UNIT,
    TERMS,
    Correction,
    fit,
    gmacs,
    predict_from,
)
from archdsl.latency.predict import MissingEntries
from archdsl.latency.table import (
    VERSION,
    Identity,
    Table,
    TableError,
    correction_key,
    default_path,
    entry,
    load,
    merge,
    overhead_key,
    read,
    write,
)
from archdsl.latency.units import distinct, units
from tests.helpers import modules_after_cli, run_cli


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def test_units_fuse_batch_norm_and_activation_into_their_conv():
    graph = archdsl.load("mobilenet_v2")
    by_head = {unit.head: unit for unit in units(graph)}
    stem = by_head["stem_conv"]
    assert [node.op for node in stem.nodes] == ["conv2d", "batch_norm", "activation"]
    assert stem.key == (
        "conv2d(bias=False,filters=32,groups=1,kernel=3,padding=same,stride=2)"
        "+batch_norm+activation(fn=relu6)@1:224x224x3"
    )
    project = by_head["s2_b1_project"]  # linear bottleneck: BN but no activation
    assert [node.op for node in project.nodes] == ["conv2d", "batch_norm"]
    assert by_head["s2_b2_add"].input_shapes == ((56, 56, 24), (56, 56, 24))
    # every node is in exactly one unit
    names = [node.name for unit in units(graph) for node in unit.nodes]
    assert sorted(names) == sorted(node.name for node in graph.nodes)
    # repeated blocks share their keys: 65 units but far fewer distinct configurations
    assert len(units(graph)) == 65
    assert len(distinct(units(graph))) == 37


def test_keys_change_with_shape_batch_and_width_not_with_bn_epsilon():
    small = {u.key for u in units(archdsl.load("mobilenet_v2", input=160))}
    wide = {u.key for u in units(archdsl.load("mobilenet_v2", width=1.4))}
    base = {u.key for u in units(archdsl.load("mobilenet_v2"))}
    batched = {u.key for u in units(archdsl.load("mobilenet_v2"), batch=4)}
    assert batched.isdisjoint(base)
    shared = small & base  # only what follows the global pool
    assert shared and all("x" not in key.split("@1:")[1] for key in shared), shared
    assert len(wide & base) < len(base) // 2
    assert all("epsilon" not in key for key in base)


def fill(
    graph: archdsl.Graph,
    identity: Identity,
    path: Path,
    overhead: float = 0.01,
    correction: dict | None = None,
) -> Table:
    """A table giving each unit 0.01 ms per 10,000 MACs-ish: its key length, for determinism."""
    entries = {
        key: entry(overhead + len(key) / 2000, overhead + len(key) / 1000)
        for key in distinct(units(graph))
    }
    entries[overhead_key(1)] = entry(overhead, overhead)
    corrections = {correction_key(1, c): correction for c in ("wall", "cpu") if correction}
    table = Table(identity, entries, path, corrections)
    write(table)
    return table


def test_prediction_is_units_minus_overhead_plus_overhead_once(tmp_path: Path):
    graph = archdsl.load("mnasnet_a1", input=160)
    table = fill(graph, Identity.here(), tmp_path / "t.json")
    expected = sum(len(u.key) / 1000 for u in units(graph) if not u.free) + 0.01
    assert predict(graph, table, clock="wall") == pytest.approx(expected)
    cpu = predict_layers(graph, table)  # a 1-thread table predicts CPU time by default
    assert cpu.total_ms == pytest.approx(
        sum(len(u.key) / 2000 for u in units(graph) if not u.free) + 0.01
    )
    layers = predict_layers(graph, table)
    assert layers.fused_into["stem_bn"] == "stem_conv" and layers.layers["stem_bn"] == 0.0
    other = archdsl.load("mnasnet_a1", input=192)
    with pytest.raises(MissingEntries) as error:
        predict(other, table)
    lacking = set(distinct(units(other))) - set(table.entries)
    assert 40 < len(lacking) < len(distinct(units(other)))  # SE and head units are shared
    assert {unit.key for unit in error.value.missing} == lacking


def test_table_round_trips_and_refuses_corrupt_truncated_and_foreign(tmp_path: Path):
    here = Identity.here()
    path = tmp_path / "t.json"
    table = fill(archdsl.load("mobilenet_v3_small"), here, path)
    assert read(path, here).entries == table.entries
    text = path.read_text()

    path.write_text(text[: len(text) // 2])
    with pytest.raises(TableError, match="not complete JSON"):
        read(path, here)
    data = json.loads(text)
    key = next(iter(data["entries"]))
    data["entries"][key][1] *= 2
    path.write_text(json.dumps(data))
    with pytest.raises(TableError, match="checksum"):
        read(path, here)

    other_machine = Identity({**here.machine, "cpu": "Apple M2"}, here.runtime, 1)
    write(Table(other_machine, table.entries, path))
    with pytest.raises(TableError, match="measured on Apple M2"):
        read(path, here)
    other_runtime = Identity(here.machine, "litert 0.1", 1)
    write(Table(other_runtime, table.entries, path))
    with pytest.raises(TableError, match="measured with litert 0.1"):
        read(path, here)
    write(Table(Identity(here.machine, here.runtime, 2), table.entries, path))
    with pytest.raises(TableError, match="2 threads, not 1"):
        read(path, here)


def test_default_path_is_in_the_cache_folder_per_runtime_and_threads(cache: Path):
    one, two = default_path(Identity.here(1)), default_path(Identity.here(2))
    assert one.parent == cache / "archdsl" / "latency" and one != two
    assert load(Identity.here(1)).entries == {}  # no file yet: an empty table


def _merge_many(path: str, worker: int) -> None:
    here = Identity.here()
    for i in range(25):
        merge(here, Path(path), {f"w{worker}-{i}": entry(i / 2, float(i))})


def test_concurrent_merges_keep_every_entry(tmp_path: Path):
    path = tmp_path / "shared.json"
    context = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
    workers = [context.Process(target=_merge_many, args=(str(path), w)) for w in range(3)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
    assert all(process.exitcode == 0 for process in workers)
    entries = read(path, Identity.here()).entries
    assert len(entries) == 75 and entries["w2-24"] == [12.0, 24.0]


def test_summary_latency_adds_ms_in_every_format(cache: Path):
    graph = archdsl.load("mobilenet_v3_small")
    fill(graph, Identity.here(), default_path(Identity.here()))
    table = run_cli("summary", "mobilenet_v3_small", "--latency")
    assert table.returncode == 0, table.stderr
    total = predict(graph, load(Identity.here()))
    assert f"Latency          {total:.3f} ms predicted" in table.stdout
    header = next(line for line in table.stdout.splitlines() if line.startswith("name "))
    assert header.split()[-1] == "ms"
    layer = run_cli("summary", "mobilenet_v3_small", "--latency", "--level", "layer").stdout
    assert "conv_bn " in layer and "fused" in layer.split("conv_bn ")[1].splitlines()[0]
    record = json.loads(
        run_cli("summary", "mobilenet_v3_small", "--latency", "--format", "json").stdout
    )
    assert record["latency"]["total_ms"] == pytest.approx(total)
    assert sum(b["latency_ms"] for b in record["blocks"]) == pytest.approx(
        total - record["latency"]["overhead_ms"], abs=1e-4
    )
    csv = run_cli("summary", "mobilenet_v3_small", "--latency", "--format", "csv").stdout
    assert csv.splitlines()[0].endswith(",latency_ms")
    markdown = run_cli("summary", "mobilenet_v3_small", "--latency", "--format", "markdown").stdout
    assert "| MACs | mem access | ms |" in markdown


def test_summary_latency_names_what_is_missing_and_how_to_fill_it(cache: Path):
    table = fill(archdsl.load("mobilenet_v3_small"), Identity.here(), default_path(Identity.here()))
    lacking = set(distinct(units(archdsl.load("mobilenet_v3_small", input=160)))) - set(
        table.entries
    )
    result = run_cli("summary", "mobilenet_v3_small", "--set", "input=160", "--latency")
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("archdsl: error: the latency table ")
    assert f"lacks {len(lacking)} of mobilenet_v3_small's layer configurations" in line
    assert line.endswith(
        "fill it with: archdsl latency calibrate mobilenet_v3_small --set input=160"
    )


def test_summary_latency_refuses_a_corrupt_table_in_one_line(cache: Path):
    path = default_path(Identity.here())
    fill(archdsl.load("mobilenet_v3_small"), Identity.here(), path)
    path.write_text(path.read_text()[:-40])
    result = run_cli("summary", "mobilenet_v3_small", "--latency")
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert "refusing latency table" in line and "truncated or corrupt" in line


def test_summary_latency_does_not_import_tensorflow(cache: Path):
    from tests.test_no_tensorflow import PROBE

    fill(archdsl.load("mnasnet_a1"), Identity.here(), default_path(Identity.here()))
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "summary", "mnasnet_a1", "--latency"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY:\n" in result.stderr and "ms predicted" in result.stdout


def test_memory_access_is_shufflenet_v2s_mac_per_layer_block_and_total():
    analysis = archdsl.analyze(archdsl.load("mobilenet_v2"))
    layers = {layer.name: layer for layer in analysis.layers}
    # a 1x1 conv, 96 -> 24 channels on 56x56: hw(c1 + c2) + c1 c2 (ShuffleNetV2, section 2)
    project = layers["s2_b1_project"].cost
    assert project.memory_access == 56 * 56 * (96 + 24) + 96 * 24
    assert project.memory_access_bytes == 4 * project.memory_access
    # an add reads two tensors and writes one; BatchNorm reads and writes one, and 4C numbers
    assert layers["s2_b2_add"].cost.memory_access == 3 * 56 * 56 * 24
    assert layers["s2_b1_project_bn"].cost.memory_access == 2 * 56 * 56 * 24 + 4 * 24
    block = next(b for b in analysis.blocks if b.name == "s2_b1")
    in_block = [y for y in analysis.layers if y.block == "s2_b1"]
    assert block.counts.memory_access == sum(y.cost.memory_access for y in in_block)
    assert analysis.total.memory_access == sum(y.cost.memory_access for y in analysis.layers)


def test_memory_access_in_every_summary_format():
    record = json.loads(run_cli("summary", "mobilenet_v2", "--format", "json").stdout)
    total = archdsl.analyze(archdsl.load("mobilenet_v2")).total
    assert record["memory_access"] == total.memory_access == 43_268_256
    assert record["memory_access_bytes"] == 4 * total.memory_access
    (s2_b1,) = [block for block in record["blocks"] if block["name"] == "s2_b1"]
    assert s2_b1["memory_access"] == 9_463_744 and s2_b1["memory_access_bytes"] == 4 * 9_463_744
    csv = run_cli("summary", "mobilenet_v2", "--format", "csv", "--level", "layer").stdout
    assert "memory_access,memory_access_bytes" in csv.splitlines()[0]
    table = run_cli("summary", "mobilenet_v2").stdout
    assert "mem access" in table and "9,463,744" in table
    assert "Memory access    43.27 M values, 173.07 MB at fp32" in table
    assert "| mem access |" in run_cli("summary", "mobilenet_v2", "--format", "markdown").stdout


def test_spearman_ranks_ties_by_their_average():
    from bench.latency import spearman

    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486833)  # scipy's value


def test_docs_quote_the_latency_benchmark():
    """docs/latency.md's figures are those of the last benchmark run (docs/benchmarks.md)."""
    from tests.helpers import ROOT

    report = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    docs = (ROOT / "docs" / "latency.md").read_text(encoding="utf-8")
    quoted = re.findall(r"^> ((?:CPU time|wall-clock|the correction)[,:] .*)$", docs, re.M)
    overall = [line for line in quoted if re.match(r"(CPU time|wall-clock), \d+ networks: ", line)]
    assert len(overall) == 2 and len(quoted) > len(overall)
    for line in quoted:
        assert line in report, line


def test_docs_quote_the_refit_of_the_last_benchmark_run():
    """docs/latency.md's refit figures are bench/latency_refit.py's, on the points file of the
    benchmark run the docs quote (the fits are pure Python, well under a second)."""
    from bench.latency_refit import report
    from tests.helpers import ROOT

    docs = (ROOT / "docs" / "latency.md").read_text(encoding="utf-8")
    lines = report()
    assert len(lines) == 2 and re.findall(r"^> (refit on .*)$", docs, re.M) == lines


def test_prediction_applies_the_tables_fitted_correction(tmp_path: Path):
    graph = archdsl.load("mobilenet_v2", input=160)
    terms = {INTERCEPT: 0.2, PER_UNIT: 0.003, PER_GMAC: 4.0, "scale_conv": 1.5}
    terms |= {"scale_depthwise": 2.0, "scale_other": 0.5}
    table = fill(graph, Identity.here(), tmp_path / "t.json", 0.01, Correction(terms, {}).as_dict())
    run = [u for u in units(graph) if not u.free]
    own = {u.head: len(u.key) / 1000 for u in run}  # entry less the overhead entry, wall clock
    by_kind = {"conv2d": 1.5, "dense": 1.5, "depthwise_conv2d": 2.0}  # the rest: 0.5
    expected = 0.2 + sum(
        by_kind.get(u.nodes[0].op, 0.5) * own[u.head] + 0.003 + 4.0 * gmacs(u) for u in run
    )
    prediction = predict_layers(graph, table, clock="wall")
    assert prediction.corrected and not prediction.missing and prediction.overhead_ms == 0.2
    assert prediction.total_ms == pytest.approx(expected)
    stem_gmacs = 80 * 80 * (3 * 3 * 3) * 32 / 1e9  # the 3x3 stem conv, stride 2, at 160 pixels
    assert prediction.layers["stem_conv"] == pytest.approx(
        1.5 * own["stem_conv"] + 0.003 + 4.0 * stem_gmacs
    )
    assert {u.nodes[0].op for u in run} >= {"conv2d", "depthwise_conv2d", "add", "dense"}


def test_fit_recovers_known_terms_and_keeps_scales_non_negative():
    import random

    rng = random.Random(3)
    true = {INTERCEPT: 0.05, PER_UNIT: -0.001, PER_GMAC: 4.5, "scale_conv": 1.1}
    true |= {"scale_depthwise": 1.3, "scale_other": 0.9}
    rows = [
        {
            INTERCEPT: 1.0,
            PER_UNIT: float(rng.randint(20, 200)),
            PER_GMAC: rng.uniform(0.01, 0.8),
            "scale_conv": rng.uniform(0.5, 20),
            "scale_depthwise": rng.uniform(0.1, 5),
            "scale_other": rng.uniform(0.05, 2),
        }
        for _ in range(24)
    ]
    measured = [predict_from(Correction(true, {}), row) for row in rows]
    fitted = fit(rows, measured)
    assert fitted.terms == pytest.approx(true)
    assert fitted.fit["networks"] == 24 and fitted.fit["within_10_percent"] == 1.0
    # depthwise time that only makes networks faster would need a negative scale: held at 0
    skewed = [m - 0.8 * row["scale_depthwise"] for m, row in zip(measured, rows, strict=True)]
    bounded = fit(rows, skewed)
    assert all(bounded.terms[t] >= 0 for t in TERMS if t != PER_UNIT)
    assert bounded.terms["scale_depthwise"] == pytest.approx(0.5, abs=0.1)
    # a kind no reference network runs keeps scale 1; too few networks fit nothing
    assert fit([{**row, "scale_other": 0.0} for row in rows], measured).terms["scale_other"] == 1.0
    with pytest.raises(ValueError, match="needs 12 reference networks, got 11"):
        fit(rows[:11], measured[:11])


@pytest.mark.parametrize("flag", ["--fit", "--no-fit"])
def test_fit_is_an_option_of_calibrate_only(cache: Path, flag: str):
    result = run_cli("latency", "mobilenet_v3_small", flag)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"archdsl: error: {flag} applies to 'archdsl latency calibrate' only"
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ["calibrate", "--fit", "mnasnet_a1", "mobilenet_v2", "--threads", "2"],
        ["calibrate", "mnasnet_a1", "--fit", "mobilenet_v2", "--threads", "2"],
        ["--threads", "2", "calibrate", "mnasnet_a1", "mobilenet_v2", "--fit"],
    ],
)
def test_calibrate_takes_options_between_its_specs(argv: list[str]):
    from archdsl.cli import make_parser, parse

    args = parse(make_parser("latency"), ["latency", *argv], "latency")
    assert (args.spec, args.fit, args.threads) == (
        ["calibrate", "mnasnet_a1", "mobilenet_v2"],
        True,
        2,
    )


def test_calibrate_fits_once_unless_told():
    from archdsl.cli import make_parser, parse
    from archdsl.latency.calibrate import wants_fit
    from archdsl.latency.table import Table

    def fit_for(*flags: str, table: Table) -> bool:
        args = parse(make_parser("latency"), ["latency", "calibrate", "x", *flags], "latency")
        return wants_fit(table, args.batch, args.fit)

    bare = Table(Identity.here(), {}, None, {})
    fitted = {"terms": {t: 1.0 for t in TERMS}, "fit": {"networks": 24}}
    corrected = Table(Identity.here(), {}, None, {"cpu@1": fitted, "wall@1": fitted})
    assert fit_for(table=bare) and not fit_for(table=corrected)
    # one fitted before the MAC term: read as fitted (the term 0), refitted at the next run
    older = {"terms": {t: 1.5 for t in TERMS if t != PER_GMAC}, "fit": {"networks": 24}}
    stale = Table(Identity.here(), {}, None, {"cpu@1": older, "wall@1": older})
    assert fit_for(table=stale) and not fit_for("--no-fit", table=stale)
    assert stale.correction(1, "cpu").terms == {t: 0.0 if t == PER_GMAC else 1.5 for t in TERMS}
    assert fit_for("--fit", table=corrected) and not fit_for("--no-fit", table=bare)
    assert fit_for("--batch", "4", table=corrected)  # a correction is per batch size


def test_fit_and_no_fit_are_refused_together(cache: Path):
    both = run_cli("latency", "calibrate", "mnasnet_a1", "--fit", "--no-fit")
    assert both.returncode == 2
    assert both.stderr.splitlines()[-1] == (
        "archdsl latency: error: argument --no-fit: not allowed with argument --fit"
    )


def test_calibrate_with_options_first_reaches_the_spec(cache: Path, tmp_path: Path):
    missing = tmp_path / "missing.yaml"
    result = run_cli("latency", "calibrate", "--fit", str(missing))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"archdsl: error: cannot read '{missing}': No such file or directory"
    ]
    unknown = run_cli("latency", "calibrate", "mnasnet_a1", "--frob")
    assert unknown.returncode == 2
    assert unknown.stderr.splitlines()[-1] == "archdsl: error: unrecognized arguments: --frob"


@pytest.mark.parametrize("old", [1, 2, 3, 5])
def test_an_older_table_is_refused_in_one_line(cache: Path, old: int):
    path = default_path(Identity.here())
    fill(archdsl.load("mobilenet_v3_small"), Identity.here(), path)
    data = json.loads(path.read_text())
    data.pop("crc32")
    if old == 1:
        data.pop("corrections")
    data["version"] = old
    path.write_text(json.dumps({**data, "sha256": "0" * 64}, indent=0, sort_keys=True))
    assert VERSION == 6
    with pytest.raises(TableError, match=f"format version {old}, this archdsl reads 6; delete it"):
        load(Identity.here())
    result = run_cli("summary", "mobilenet_v3_small", "--latency")
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert "refusing latency table" in line and f"format version {old}" in line


def test_a_version_4_table_is_refused_naming_the_file_and_the_rebuild(cache: Path):
    """Version 4 kept nine figures per entry under repeated names (969 KB for 2,534
    entries); version 5 keeps the two that prediction reads."""
    import hashlib

    here = Identity.here()
    entries = {
        "add@1:7x7x8,7x7x8": {
            "cpu_min_ms": 0.001,
            "cpu_ms": 0.0012,
            "cpu_p10_ms": 0.0011,
            "load": 0.5,
            "runs": 9000,
            "wall_iqr_ms": 0.0001,
            "wall_min_ms": 0.0013,
            "wall_ms": 0.0015,
            "wall_p10_ms": 0.0014,
        }
    }
    body = json.dumps(
        {"format": "archdsl-latency-table", "version": 4, **here.as_dict()}
        | {"entries": entries, "corrections": {}},
        indent=0,
        sort_keys=True,
    )
    checksum = hashlib.sha256(body.encode()).hexdigest()
    path = default_path(here)
    path.parent.mkdir(parents=True)
    path.write_text(f'{{"sha256": "{checksum}",\n{body[2:]}\n')
    result = run_cli("summary", "mobilenet_v3_small", "--latency")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"archdsl: error: refusing latency table {path}: format version 4, this archdsl reads 6;"
        " delete it and run 'archdsl latency calibrate' again to rebuild it"
    ]


def test_the_checksum_covers_the_text_after_it(tmp_path: Path):
    """A value edited in place, the file still JSON and its checksum line intact, is refused."""
    here = Identity.here()
    path = tmp_path / "t.json"
    fill(archdsl.load("mobilenet_v3_small"), here, path)
    text = path.read_text()
    assert re.match(r'\{"crc32": "[0-9a-f]{8}",\n', text) and json.loads(text)["version"] == 6
    edited = re.sub(r"\[(\d)", lambda m: f"[{int(m[1]) + 1}", text, count=1)
    assert edited != text
    path.write_text(edited)
    with pytest.raises(TableError, match="checksum does not match"):
        read(path, here)


def test_an_entry_is_its_fastest_runs_one_line_each(tmp_path: Path):
    """Version 5 keeps per unit what prediction reads: the fastest run by each clock, to
    the nanosecond, one line per unit; ``clocks`` names the order."""
    here = Identity.here()
    path = tmp_path / "t.json"
    write(Table(here, {"b": entry(0.0010269999997, 0.00137700408), "a": entry(2.5, 3.25)}, path))
    lines = path.read_text().splitlines()
    assert lines[-4:] == ['"a": [2.5, 3.25],', '"b": [0.001027, 0.001377]', "}", "}"]
    data = json.loads(path.read_text())
    assert data["clocks"] == ["cpu", "wall"] and data["entries"]["b"] == [0.001027, 0.001377]
    table = read(path, here)
    assert table.ms("b", "cpu") == 0.001027 and table.ms("b", "wall") == 0.001377
    assert table.ms("c") is None
    for old, new in (
        ('"clocks": [\n"cpu",\n"wall"\n]', '"clocks": ["wall", "cpu"]'),
        ('"b": [0.001027, 0.001377]', '"b": [0.001027]'),
    ):
        write(table)
        resign(path, old, new)
        with pytest.raises(TableError, match="lacks fields a table has"):
            read(path, here)


def resign(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in a table file and sign it again, as only a forger would."""
    import zlib

    rest = path.read_text().split("\n", 1)[1]
    assert old in rest
    rest = rest.replace(old, new, 1)
    checksum = zlib.crc32(("{\n" + rest.rstrip("\n")).encode())
    path.write_text(f'{{"crc32": "{checksum:08x}",\n{rest}')


def test_a_table_compares_and_prints_by_its_fields(tmp_path: Path):
    here = Identity.here()
    table = Table(here, {"a": entry(1.0, 2.0)}, tmp_path / "t.json")
    assert table == Table(here, {"a": [1.0, 2.0]}, tmp_path / "t.json", {})
    assert table != Table(here, {}, tmp_path / "t.json")
    assert repr(table).startswith("Table(identity=Identity(machine=")
    assert Table(here).entries == {} and Table(here).corrections == {}
    assert Table(here).entries is not Table(here).entries


def test_summary_latency_imports_no_dataclasses_hashlib_or_platform(cache: Path):
    """What ``summary --latency`` adds to a plain summary stays small: no dataclasses (5 ms
    with what it imports), no hashlib (OpenSSL: 3 to 5 ms), no platform (2 ms)."""
    fill(archdsl.load("mnasnet_a1"), Identity.here(), default_path(Identity.here()))
    result, imported = modules_after_cli(
        ["summary", "mnasnet_a1", "--latency"], ("dataclasses", "hashlib", "_hashlib", "platform")
    )
    assert result.returncode == 0, result.stderr
    assert "ms predicted" in result.stdout and imported == []


def test_the_machine_is_named_as_platform_names_it():
    import hashlib
    import platform

    from archdsl.latency.machine import architecture
    from archdsl.latency.sha256 import sha256_hex

    assert architecture() == platform.machine()
    for data in (b"", b"abc", bytes(range(256)) * 300):
        assert sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_timing_keeps_the_fastest_run_and_the_10th_percentile():
    from archdsl.latency.timing import Stats

    stats = Stats.of([float(v) for v in range(11, 0, -1)])  # 11..1
    assert (stats.min, stats.p10, stats.q1, stats.median, stats.q3) == (1.0, 2.0, 3.5, 6.0, 8.5)


def test_reference_networks_are_disjoint_from_what_the_benchmark_evaluates():
    from archdsl.latency.correction import MIN_NETWORKS
    from archdsl.latency.references import INPUTS, reference_networks
    from bench.latency import INPUTS as EVALUATED_INPUTS

    references = reference_networks()
    assert len(references) == 24 >= 2 * MIN_NETWORKS
    signatures = {tuple(u.key for u in units(graph)) for _, graph in references}
    assert len(signatures) == 24
    assert all(graph.input_shape[0] in INPUTS for _, graph in references)
    assert not set(INPUTS) & set(EVALUATED_INPUTS)


def test_a_call_the_cpu_clock_did_not_see_is_not_timed(monkeypatch):
    """On a KVM guest the thread's CPU clock now and then does not advance over a call of
    microseconds; such a call must not give a fastest CPU run of 0."""
    from archdsl.latency import timing

    readings = iter([0.0, 0.0, 0.0, 2e-6, 2e-6, 2e-6, 2e-6, 5e-6, 5e-6, 9e-6])  # c0, c1 pairs
    monkeypatch.setattr(timing.time, "thread_time", lambda: next(readings))
    samples = timing.Samples()
    timing.time_calls(lambda: None, samples, min_runs=3, min_seconds=0.0)
    assert samples.cpu == pytest.approx([2e-3, 3e-3, 4e-3])  # ms; the 1st and 3rd calls: none
    assert len(samples.wall) == 3 and min(samples.cpu) > 0
