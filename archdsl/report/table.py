"""The human summary: an aligned text table (fits 100 columns) or a Markdown table."""

from __future__ import annotations

import textwrap
from collections import Counter

from archdsl.analysis.analyze import Analysis, Counts

MB = 1_000_000


def shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def _rows(analysis: Analysis, level: str) -> list[tuple[str, str, str, Counts, str]]:
    """(name, kind, shape, counts, stage) for each block or layer, in graph order."""
    if level == "layer":
        return [
            (y.name, y.op, shape_text(y.output_shape), y.counts, y.stage) for y in analysis.layers
        ]
    return [
        (b.name, b.kind, shape_text(b.output_shape), b.counts, b.stage) for b in analysis.blocks
    ]


OUTPUT_NOTES = {
    "probabilities": "probabilities: ends in softmax or sigmoid",
    "logits": "logits: no softmax; train with from_logits=True",
    "features": "features",
}


def output_text(analysis: Analysis) -> str:
    """'output 1000 (logits: no softmax; ...)': the output's shape and what it holds.

    Several outputs (features_only) are listed by name: 'outputs s1=112x112x16, s2=...'.
    """
    note = OUTPUT_NOTES[analysis.output_kind]
    if len(analysis.outputs) > 1:
        shapes = ", ".join(f"{name}={shape_text(shape)}" for name, _, shape in analysis.outputs)
        return f"outputs {shapes} ({note})"
    return f"output {shape_text(analysis.output_shape)} ({note})"


def _stage_label(stage: str) -> str:
    return f"stage {stage[1:]}" if stage.startswith("s") and stage[1:].isdigit() else stage


def _totals(analysis: Analysis) -> list[tuple[str, str]]:
    total = analysis.total
    return [
        ("Params", f"{total.params:,} ({analysis.size_bytes / MB:.2f} MB at fp32)"),
        ("  trainable", f"{total.trainable:,}"),
        ("  non-trainable", f"{total.non_trainable:,}"),
        ("MACs", f"{total.macs / 1e6:,.2f} M ({total.macs:,})"),
        (
            "Activations",
            f"peak {analysis.peak_activation_bytes / MB:.2f} MB, all layers {total.activation_bytes / MB:.2f} MB"
            " (fp32, batch 1)",
        ),
    ]


def to_table(analysis: Analysis, level: str) -> str:
    rows = _rows(analysis, level)
    name_width = max(20, *(len(r[0]) for r in rows))
    kind_width = max(8, *(len(r[1]) for r in rows))
    header = f"{'name':<{name_width}}  {'type' if level == 'block' else 'op':<{kind_width}}  {'output':<13} {'params':>11} {'MACs':>13}"
    rule = "-" * len(header)
    lines = [
        f"{analysis.name}: {analysis.title}",
        *textwrap.wrap(
            f"input {shape_text(analysis.input_shape)} -> {output_text(analysis)}",
            100,
            subsequent_indent="  ",
        ),
        "",
        header,
        rule,
    ]
    stages = {stage.name: stage for stage in analysis.stages}
    rows_per_stage = Counter(row[4] for row in rows)
    for index, (name, kind, shape, counts, stage) in enumerate(rows):
        lines.append(
            f"{name:<{name_width}}  {kind:<{kind_width}}  {shape:<13} {counts.params:>11,} {counts.macs:>13,}"
        )
        next_stage = rows[index + 1][4] if index + 1 < len(rows) else None
        group = stages[stage]
        if next_stage != stage and rows_per_stage[stage] > 1:
            label = f"  {_stage_label(stage)} total"
            lines.append(
                f"{label:<{name_width + kind_width + 2}}  {'':<13} {group.counts.params:>11,} {group.counts.macs:>13,}"
            )
    lines.append(rule)
    width = max(len(label) for label, _ in _totals(analysis))
    lines += [f"{label:<{width}}  {value}" for label, value in _totals(analysis)]
    return "\n".join(lines) + "\n"


def to_markdown(analysis: Analysis, level: str) -> str:
    kind = "type" if level == "block" else "op"
    lines = [
        f"## {analysis.name}: {analysis.title}",
        "",
        f"Input {shape_text(analysis.input_shape)}, {output_text(analysis)}.",
        "",
        f"| name | {kind} | stage | output | params | MACs |",
        "|---|---|---|---|---:|---:|",
    ]
    for name, row_kind, shape, counts, stage in _rows(analysis, level):
        lines.append(
            f"| {name} | {row_kind} | {_stage_label(stage)} | {shape} | {counts.params:,} | {counts.macs:,} |"
        )
    lines += ["", "| total | |", "|---|---|"]
    lines += [f"| {label.strip()} | {value} |" for label, value in _totals(analysis)]
    return "\n".join(lines) + "\n"
