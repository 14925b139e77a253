"""Analysis as plain records: the JSON object and CSV rows of ``archdsl summary``."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from archdsl.analysis.analyze import Analysis, GroupStats
from archdsl.ir.graph import Cost, Node

if TYPE_CHECKING:
    from archdsl.report.latency import Latency


def _counts(counts: Cost) -> dict[str, int]:
    return {
        "params": counts.params,
        "trainable": counts.trainable,
        "non_trainable": counts.non_trainable,
        "macs": counts.macs,
        "activation_bytes": counts.activation_bytes,
        "memory_access": counts.memory_access,
        "memory_access_bytes": counts.memory_access_bytes,
    }


def group_record(
    group: GroupStats, analysis: Analysis | None = None, latency: Latency | None = None
) -> dict[str, Any]:
    record = {
        "name": group.name,
        "type": group.kind,
        "stage": group.stage,
        "output_shape": list(group.output_shape),
        "layers": group.layers,
        **_counts(group.counts),
    }
    if latency is not None and analysis is not None:
        record["latency_ms"] = round(latency.group_ms(analysis, group), 6)
    return record


def layer_record(layer: Node, latency: Latency | None = None) -> dict[str, Any]:
    record = {
        "name": layer.name,
        "op": layer.op,
        "block": layer.block,
        "stage": layer.stage,
        "output_shape": list(layer.output_shape),
        **_counts(layer.cost),
    }
    if latency is not None:
        record["latency_ms"] = round(latency.layer_ms(layer), 6)
        record["fused_into"] = latency.fused_into(layer) or ""
    return record


def to_dict(analysis: Analysis, latency: Latency | None = None) -> dict[str, Any]:
    """The ``summary --format json`` object (shapes exclude the batch dimension)."""
    total = analysis.total
    return {
        "name": analysis.name,
        "title": analysis.title,
        "input_shape": list(analysis.input_shape),
        "output_shape": list(analysis.output_shape),
        "output_kind": analysis.output_kind,
        "outputs": [
            {"name": name, "layer": layer, "shape": list(shape)}
            for name, layer, shape in analysis.outputs
        ],
        "params": {
            "total": total.params,
            "trainable": total.trainable,
            "non_trainable": total.non_trainable,
        },
        "macs": total.macs,
        "size_bytes": analysis.size_bytes,
        "activation_bytes": {
            "total": total.activation_bytes,
            "peak": analysis.peak_activation_bytes,
        },
        "memory_access": total.memory_access,
        "memory_access_bytes": total.memory_access_bytes,
        **({"latency": latency.record()} if latency else {}),
        "stages": [group_record(stage, analysis, latency) for stage in analysis.stages],
        "blocks": [group_record(block, analysis, latency) for block in analysis.blocks],
        "layers": [layer_record(layer, latency) for layer in analysis.layers],
    }


def to_json(analysis: Analysis, latency: Latency | None = None) -> str:
    return json.dumps(to_dict(analysis, latency), indent=1) + "\n"


def to_csv(analysis: Analysis, level: str, latency: Latency | None = None) -> str:
    """One row per block or layer, with shapes written HxWxC."""
    rows = (
        [layer_record(layer, latency) for layer in analysis.layers]
        if level == "layer"
        else [group_record(block, analysis, latency) for block in analysis.blocks]
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "output_shape": "x".join(map(str, row["output_shape"]))})
    return out.getvalue()
