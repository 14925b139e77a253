"""docs/benchmarks.md: the machine, the runs, the ratio table with goals, measurements, methods."""

from __future__ import annotations

from collections.abc import Sequence

from bench.results import Note, NotRun
from bench.stats import Sample, Stat
from bench.store import Run, StoredFigure, StoredMeasurement


def number(value: float) -> str:
    """Three significant digits or so, without exponents."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _display(sample: Sample | Stat) -> tuple[Sample | Stat, str]:
    """Seconds below one are shown in milliseconds."""
    if sample.unit == "s" and sample.median < 1:
        return sample.scaled(1e3, "ms"), "ms"
    return sample, sample.unit


def median_iqr(sample: Sample | Stat) -> str:
    """``median unit [q1–q3]``."""
    shown, unit = _display(sample)
    suffix = "x" if unit == "x" else f" {unit}"
    return f"{number(shown.median)}{suffix} [{number(shown.q1)}–{number(shown.q3)}]"


def min_max(sample: Sample | Stat) -> str:
    shown, _ = _display(sample)
    return f"{number(shown.min)}–{number(shown.max)}"


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f} min"


COMMON_MACHINE = ("CPU", "Cores", "OS", "Python", "TensorFlow", "Keras", "archdsl")


def render(runs: Sequence[Run]) -> str:
    """The whole report, from each benchmark's stored last run."""
    rows = [row for run in runs for row in run.rows]
    figures = [row for row in rows if isinstance(row, StoredFigure)]
    measurements = [row for row in rows if isinstance(row, StoredMeasurement)]
    notes = [row for row in rows if isinstance(row, Note)]
    missing = [row for row in rows if isinstance(row, NotRun)]
    failed = sum(figure.verdict == "FAIL" for figure in figures)
    out = [
        "# Benchmarks",
        "",
        "Written by `python bench/run.py` (`make bench`) from each benchmark's last run, kept in",
        "`docs/bench/NAME.json` (`--only NAME` reruns one); do not edit by hand.",
        "Every figure is measured against its reference in the same rounds, the sides alternating",
        "so that drift falls on both. Values are `median [interquartile range]`; ratios are",
        "computed round by round, then summarised the same way.",
    ]
    if runs:
        newest = max(runs, key=lambda run: run.machine.get("Date", ""))
        out += ["", "## Machine", "", "| | |", "|---|---|"]
        out += [f"| {key} | {newest.machine.get(key, '?')} |" for key in COMMON_MACHINE]
        out += [
            "",
            "## Runs",
            "",
            "| benchmark | date | mode | took | load at start (1/5/15 min) | load at end |",
            "|---|---|---|---|---|---|",
        ]
        out += [
            f"| {run.title} | {run.machine.get('Date', '?')} | {run.mode} |"
            f" {_minutes(run.seconds)} | {run.machine.get('Load average at start (1/5/15 min)', '?')} |"
            f" {run.machine.get('Load average at end (1/5/15 min)', '?')} |"
            for run in runs
        ]
        differing = [
            f"{run.title}: {key} {run.machine.get(key)}"
            for run in runs
            for key in COMMON_MACHINE
            if run.machine.get(key) != newest.machine.get(key)
        ]
        if differing:
            out += ["", "Runs made on another machine or version: " + "; ".join(differing) + "."]
    out += [
        "",
        "## Ratios against the references",
        "",
        f"{len(figures)} figures, {sum(f.goal is not None for f in figures)} with a goal,"
        f" {failed} short of it.",
        "",
        "| benchmark | figure | ours | reference | ratio | ratio min–max | rounds | ratio is | goal | result |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        out.append(
            f"| {f.benchmark} | {f.name} | {median_iqr(f.ours)} |"
            f" {f.reference_name}: {median_iqr(f.reference)} | **{median_iqr(f.ratio)}** |"
            f" {min_max(f.ratio)} | {f.ratio.n} | {f.ratio_meaning} |"
            f" {f.goal or '—'} | {f.verdict} |"
        )
    if measurements:
        out += [
            "",
            "## Measurements",
            "",
            "| benchmark | what | median [IQR] | min–max |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {m.benchmark} | {m.name} | {median_iqr(m.sample)} | {min_max(m.sample)} |"
            for m in measurements
        ]
    if notes:
        out += ["", "## Findings", ""]
        out += [f"- **{n.benchmark}**: {n.text}" for n in notes]
    if missing:
        out += ["", "## Not run", ""]
        out += [f"- **{m.benchmark}**: {m.reason}" for m in missing]
    out += ["", "## How each figure is measured", ""]
    for run in runs:
        out += [f"### {run.title}", "", run.method, ""]
    return "\n".join(out).rstrip("\n") + "\n"
