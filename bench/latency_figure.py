"""docs/img/latency.png: MACs against measured latency, and the table's prediction beside it.

    python bench/latency_figure.py    # reads docs/bench/latency_points.json (bench/run.py --only latency)

Needs matplotlib (the ``train`` extra has it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
POINTS = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "bench" / "latency_points.json"
FIGURE = REPO / "docs" / "img" / "latency.png"


def family(label: str) -> str:
    return label.split(" width ")[0] if " width " in label else "random specs"


def draw(points: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sys.path.insert(0, str(REPO))
    from archdsl.commands.common import write_atomically

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.2))
    families = sorted({family(p["network"]) for p in points})
    for name in families:
        mine = [p for p in points if family(p["network"]) == name]
        measured = [p["cpu_measured_ms"] for p in mine]
        left.scatter([p["macs"] / 1e6 for p in mine], measured, s=14, label=name)
        right.scatter(measured, [p["cpu_predicted_ms"] for p in mine], s=14, label=name)
    left.set(
        xscale="log",
        yscale="log",
        xlabel="MACs (millions)",
        ylabel="measured latency (ms, CPU time, 1 thread)",
        title="MACs against measured latency",
    )
    low = min(min(p["cpu_measured_ms"], p["cpu_predicted_ms"]) for p in points) * 0.8
    high = max(max(p["cpu_measured_ms"], p["cpu_predicted_ms"]) for p in points) * 1.2
    right.plot([low, high], [low, high], color="black", linewidth=0.8)
    right.fill_between([low, high], [low * 0.9, high * 0.9], [low * 1.1, high * 1.1], color="0.85")
    right.set(
        xscale="log",
        yscale="log",
        xlim=(low, high),
        ylim=(low, high),
        xlabel="measured latency (ms)",
        ylabel="predicted from the table (ms)",
        title="Predicted against measured (band: ±10%)",
    )
    left.legend(fontsize=7, loc="upper left")
    fig.suptitle(
        f"{len(points)} networks, LiteRT + XNNPACK, float32, batch 1, 1 thread", fontsize=10
    )
    fig.tight_layout()
    write_atomically(str(path), lambda tmp: fig.savefig(tmp, dpi=110, format="png"))


def main() -> int:
    points = json.loads(POINTS.read_text(encoding="utf-8"))["networks"]
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    draw(points, FIGURE)
    print(f"wrote {FIGURE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
