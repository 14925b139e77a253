"""The human summary: an aligned text table (fits 100 columns at block level) or a Markdown table."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from archdsl.analysis.analyze import Analysis, GroupStats
from archdsl.ir.graph import Cost, Node

if TYPE_CHECKING:
    from archdsl.report.latency import Latency

MB = 1_000_000


def shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def _rows(
    analysis: Analysis, level: str, latency: Latency | None = None
) -> list[tuple[str, str, str, Cost, str, str]]:
    """(name, kind, shape, counts, stage, ms) for each block or layer, in graph order;
    ms is '' without a latency prediction."""
    if level == "layer":
        return [
            (y.name, y.op, shape_text(y.output_shape), y.cost, y.stage, _layer_ms(y, latency))
            for y in analysis.layers
        ]
    return [
        (
            b.name,
            b.kind,
            shape_text(b.output_shape),
            b.counts,
            b.stage,
            _group_ms(analysis, b, latency),
        )
        for b in analysis.blocks
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


def _layer_ms(layer: Node, latency: Latency | None) -> str:
    if latency is None:
        return ""
    return "fused" if latency.fused_into(layer) else f"{latency.layer_ms(layer):.3f}"


def _group_ms(analysis: Analysis, group: GroupStats, latency: Latency | None) -> str:
    return "" if latency is None else f"{latency.group_ms(analysis, group):.3f}"


def _stage_label(stage: str) -> str:
    return f"stage {stage[1:]}" if stage.startswith("s") and stage[1:].isdigit() else stage


def _totals(analysis: Analysis, latency: Latency | None = None) -> list[tuple[str, str]]:
    total = analysis.total
    lines = [
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
    lines.append(
        (
            "Memory access",
            f"{total.memory_access / 1e6:,.2f} M values, {total.memory_access_bytes / MB:.2f} MB at fp32"
            " (inputs + outputs + weights, batch 1)",
        )
    )
    if latency is not None:
        lines += latency.total_lines()
    return lines


def _wrap(text: str, width: int) -> list[str]:
    """``textwrap.wrap(text, width, subsequent_indent="  ")``, which returns a line of at
    most ``width`` characters of words between single spaces as it is: such a line is
    returned without importing textwrap (about 1 ms of a first ``summary``)."""
    if len(text) <= width and text.split() == text.split(" "):
        return [text]
    import textwrap

    return textwrap.wrap(text, width, subsequent_indent="  ")


def to_table(analysis: Analysis, level: str, latency: Latency | None = None) -> str:
    rows = _rows(analysis, level, latency)
    name_width = max(20, *(len(r[0]) for r in rows))
    kind_width = max(8, *(len(r[1]) for r in rows))
    ms_header = f" {'ms':>8}" if latency else ""
    header = f"{'name':<{name_width}}  {'type' if level == 'block' else 'op':<{kind_width}}  {'output':<13} {'params':>11} {'MACs':>13} {'mem access':>11}{ms_header}"
    rule = "-" * len(header)
    lines = [
        f"{analysis.name}: {analysis.title}",
        *_wrap(f"input {shape_text(analysis.input_shape)} -> {output_text(analysis)}", 100),
        "",
        header,
        rule,
    ]
    stages = {stage.name: stage for stage in analysis.stages}
    rows_per_stage = Counter(row[4] for row in rows)
    for index, (name, kind, shape, counts, stage, ms) in enumerate(rows):
        ms_cell = f" {ms:>8}" if latency else ""
        lines.append(
            f"{name:<{name_width}}  {kind:<{kind_width}}  {shape:<13} {counts.params:>11,} {counts.macs:>13,} {counts.memory_access:>11,}{ms_cell}"
        )
        next_stage = rows[index + 1][4] if index + 1 < len(rows) else None
        group = stages[stage]
        if next_stage != stage and rows_per_stage[stage] > 1:
            label = f"  {_stage_label(stage)} total"
            ms_cell = f" {_group_ms(analysis, group, latency):>8}" if latency else ""
            lines.append(
                f"{label:<{name_width + kind_width + 2}}  {'':<13} {group.counts.params:>11,} {group.counts.macs:>13,} {group.counts.memory_access:>11,}{ms_cell}"
            )
    lines.append(rule)
    totals = _totals(analysis, latency)
    width = max(len(label) for label, _ in totals)
    lines += [f"{label:<{width}}  {value}" for label, value in totals]
    return "\n".join(lines) + "\n"


def to_markdown(analysis: Analysis, level: str, latency: Latency | None = None) -> str:
    kind = "type" if level == "block" else "op"
    ms_header, ms_rule = (" ms |", "---:|") if latency else ("", "")
    lines = [
        f"## {analysis.name}: {analysis.title}",
        "",
        f"Input {shape_text(analysis.input_shape)}, {output_text(analysis)}.",
        "",
        f"| name | {kind} | stage | output | params | MACs | mem access |{ms_header}",
        f"|---|---|---|---|---:|---:|---:|{ms_rule}",
    ]
    for name, row_kind, shape, counts, stage, ms in _rows(analysis, level, latency):
        ms_cell = f" {ms} |" if latency else ""
        lines.append(
            f"| {name} | {row_kind} | {_stage_label(stage)} | {shape} | {counts.params:,} | {counts.macs:,} | {counts.memory_access:,} |{ms_cell}"
        )
    lines += ["", "| total | |", "|---|---|"]
    lines += [f"| {label.strip()} | {value} |" for label, value in _totals(analysis, latency)]
    return "\n".join(lines) + "\n"
