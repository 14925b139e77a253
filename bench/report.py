"""docs/benchmarks.md: the machine, the ratio table with goals, plain measurements, method."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.config import Config
from bench.results import Figure, Measurement, Note, NotRun, Row
from bench.stats import Sample


def number(value: float) -> str:
    """Three significant digits or so, without exponents."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _display(sample: Sample) -> tuple[Sample, str]:
    """Seconds below one are shown in milliseconds."""
    if sample.unit == "s" and sample.median < 1:
        return sample.scaled(1e3, "ms"), "ms"
    return sample, sample.unit


def median_iqr(sample: Sample) -> str:
    """``median unit [q1–q3]``."""
    shown, unit = _display(sample)
    suffix = "x" if unit == "x" else f" {unit}"
    return f"{number(shown.median)}{suffix} [{number(shown.q1)}–{number(shown.q3)}]"


def min_max(sample: Sample) -> str:
    shown, _ = _display(sample)
    return f"{number(shown.min)}–{number(shown.max)}"


def render(
    rows: Sequence[Row],
    machine: Mapping[str, str],
    methods: Mapping[str, str],
    config: Config,
    wall_seconds: float,
    note: str,
) -> str:
    figures = [row for row in rows if isinstance(row, Figure)]
    measurements = [row for row in rows if isinstance(row, Measurement)]
    notes = [row for row in rows if isinstance(row, Note)]
    missing = [row for row in rows if isinstance(row, NotRun)]
    failed = sum(figure.verdict == "FAIL" for figure in figures)
    out = [
        "# Benchmarks",
        "",
        "Written by `python bench/run.py` (`make bench`); do not edit by hand.",
        f"Mode: **{config.name}** (up to {config.rounds} rounds in process, {config.process_rounds}"
        f" rounds of whole processes); the run took {wall_seconds / 60:.1f} min.",
        "Every figure is measured against its reference in the same rounds, the sides alternating",
        "so that drift falls on both. Values are `median [interquartile range]`; ratios are",
        "computed round by round, then summarised the same way.",
    ]
    if note:
        out += ["", f"> {note}"]
    out += ["", "## Machine", "", "| | |", "|---|---|"]
    out += [f"| {key} | {value} |" for key, value in machine.items()]
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
            f" {min_max(f.ratio)} | {len(f.ratio.values)} | {f.ratio_meaning} |"
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
    for title, method in methods.items():
        out += [f"### {title}", "", method, ""]
    return "\n".join(out).rstrip("\n") + "\n"
