"""What a search leaves: the Pareto front as a table, every trial as CSV and JSONL, the
front's specs as files, and a plot of the front."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

from archdsl.commands.common import write_atomically
from archdsl.search.pareto import front
from archdsl.space.space import Space


def pareto_rows(
    rows: list[dict[str, Any]], objectives: list[str], directions: list[str]
) -> list[dict[str, Any]]:
    """The feasible complete trials no other one beats on every objective, best first."""
    done = [r for r in rows if r["state"] == "COMPLETE" and r["feasible"]]
    signs = [-1 if d == "maximize" else 1 for d in directions]
    points = [[s * r[name] for s, name in zip(signs, objectives, strict=True)] for r in done]
    best = [done[i] for i in front(points)]
    return sorted(best, key=lambda r: [s * r[n] for s, n in zip(signs, objectives, strict=True)])


def front_table(best: list[dict[str, Any]], objectives: list[str], total: int) -> str:
    shown = list(dict.fromkeys([*objectives, "params", "macs", "memory"]))
    header = ["trial", *shown]
    lines = [header] + [[str(r["trial"]), *(_figure(r.get(n)) for n in shown)] for r in best]
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    text = "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in lines
    )
    return f"Pareto front: {len(best)} of {total} trials\n{text}\n"


def _figure(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.4f}"
    return f"{int(value):,}"


def write_outputs(
    folder: str,
    space: Space,
    rows: list[dict[str, Any]],
    best: list[dict[str, Any]],
    objectives: list[str],
    assignments: dict[int, dict[str, int]],
) -> list[str]:
    """trials.csv, trials.jsonl, front/NAME.yaml per front trial, front.png; the paths written."""
    from archdsl.spec.yaml_writer import write_yaml

    os.makedirs(os.path.join(folder, "front"), exist_ok=True)
    written = [
        _text(os.path.join(folder, "trials.jsonl"), "".join(json.dumps(r) + "\n" for r in rows)),
        _text(os.path.join(folder, "trials.csv"), _csv(rows)),
    ]
    for row in best:
        name = f"{space.doc.data.get('name', 'candidate')}_trial{row['trial']}"
        doc = space.resolve(assignments[row["trial"]], name)
        choices = " ".join(f"{k}={json.dumps(v)}" for k, v in row["choices"].items())
        header = f"# trial {row['trial']} of the search over {space.doc.file}\n# {choices}\n"
        written.append(
            _text(os.path.join(folder, "front", f"{name}.yaml"), header + write_yaml(doc.data))
        )
    plot = _plot(os.path.join(folder, "front.png"), rows, best, objectives)
    return written + ([plot] if plot else [])


def _csv(rows: list[dict[str, Any]]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row if key != "choices"))
    choices = list(dict.fromkeys(key for row in rows for key in row["choices"]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*columns, *choices])
    for row in rows:
        writer.writerow([*(row.get(c) for c in columns), *(row["choices"].get(c) for c in choices)])
    return out.getvalue()


def _text(path: str, text: str) -> str:
    def put(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)

    write_atomically(path, put)
    return path


def _plot(
    path: str, rows: list[dict[str, Any]], best: list[dict[str, Any]], objectives: list[str]
) -> str | None:
    """Every trial and the front on the first two objectives (reward: against MACs)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    x_name, y_name = (objectives + ["macs"])[:2] if len(objectives) > 1 else ("macs", objectives[0])
    done = [r for r in rows if r["state"] == "COMPLETE"]
    figure, axes = plt.subplots(figsize=(6, 4.5), dpi=100)
    axes.scatter(
        [r[x_name] for r in done], [r[y_name] for r in done], s=10, c="0.7", label="trials"
    )
    ordered = sorted(best, key=lambda r: r[x_name])
    axes.plot(
        [r[x_name] for r in ordered],
        [r[y_name] for r in ordered],
        "o-",
        c="C3",
        label="Pareto front",
    )
    axes.set_xlabel(x_name)
    axes.set_ylabel(y_name)
    axes.legend()
    figure.tight_layout()

    def put(tmp: str) -> None:
        figure.savefig(tmp, format="png")

    write_atomically(path, put)
    plt.close(figure)
    return path
