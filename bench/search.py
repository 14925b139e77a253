"""7. Search spaces: sampling and analyzing MnasNet's space, and NSGA-II against random search."""

from __future__ import annotations

import importlib.util
import itertools
import time
from pathlib import Path

from archdsl.space.evaluate import Evaluator, draw, evaluate
from archdsl.space.extremes import extremes
from archdsl.space.load import load_space
from bench.config import Config
from bench.report import median_iqr
from bench.results import Figure, Goal, Measurement, Note, Row, Unavailable
from bench.stats import Sample, paired_ratios, rates
from bench.store import Run, StoredFigure, StoredMeasurement, load_all
from bench.timing import interleave, seconds

REPO = Path(__file__).resolve().parents[1]
TITLE = "7. search spaces"
SPACE = "mnasnet"
CANDIDATES = {"full": 10_000, "quick": 400}
COLD_RUNS = {"full": 3, "quick": 1}
SEEDS = {"full": 2, "quick": 1}
TRIALS = {"full": 200, "quick": 60}
METHOD = f"""In one process, from the loaded space `specs/spaces/{SPACE}.yaml`: draw
{CANDIDATES["full"]:,} candidates with a seeded stream and work out each one's figures (params,
MACs, peak memory, memory access) as `archdsl sample` does (`archdsl.space.evaluate.Evaluator`:
stage by stage, each stage's layers compiled and analyzed once per input shape and design),
starting with nothing compiled: wall and CPU time of the whole run, {COLD_RUNS["full"]} runs with
different seeds. The issue's bar is 10,000 candidates in at most 5 s on this 2-core machine;
the wall time counts whatever else the machine runs, so the CPU time is given too.

Then the rate once the stages are compiled, against compiling and analyzing the same kind of
candidates whole (`evaluate`: resolve, `compile_document`, `analyze`), in alternating rounds
(after a warm-up round): the figures are the same (a test checks), the ratio is what working
stage by stage gains.

Then `archdsl search`'s own study code on params and MACs, in memory: NSGA-II and random
sampling, {TRIALS["full"]} trials each, {SEEDS["full"]} seeds. Each front's hypervolume is
measured in the unit square that the space's exact params and MACs range maps to, from
the reference point (largest params, largest MACs); the ratio is NSGA-II's over random's
with the same seed."""


def run(config: Config) -> list[Row]:
    if importlib.util.find_spec("optuna") is None:
        raise Unavailable("Optuna is not installed (pip install 'archdsl[search]')")
    space = load_space(SPACE)
    return [*_cold(space, config), *_warm(space, config), *_hypervolume(space, config)]


def _cold(space, config: Config) -> list[Row]:
    """10,000 candidates from nothing compiled, as one `archdsl sample -n 10000` run."""
    total = CANDIDATES[config.name]
    wall, cpu = [], []
    for seed in range(COLD_RUNS[config.name]):
        evaluator = Evaluator(space)
        stream = draw(space, seed=seed)
        start, start_cpu = time.perf_counter(), time.process_time()
        for index in range(1, total + 1):
            evaluator.figures(next(stream), index)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return [
        Measurement(
            TITLE,
            f"`{SPACE}`: {total:,} candidates sampled with their figures, from nothing compiled,"
            " wall time (goal: 10,000 in at most 5 s)",
            Sample.of(wall, "s"),
        ),
        Measurement(
            TITLE, f"`{SPACE}`: the same runs, CPU time of this process", Sample.of(cpu, "s")
        ),
    ]


def _warm(space, config: Config) -> list[Row]:
    batch = max(1, CANDIDATES[config.name] // 10)
    reference_batch = max(1, batch // 50)
    evaluator = Evaluator(space)
    stream = draw(space, seed=100)
    numbers = itertools.count(1)

    def sample() -> float:
        return seconds(lambda: evaluator.figures(next(stream), next(numbers)), batch)

    def reference() -> float:  # fewer: its rate is what the ratio needs
        one = seconds(lambda: evaluate(space, next(stream), next(numbers)), reference_batch)
        return one * batch / reference_batch

    times = interleave({"sample": sample, "reference": reference}, rounds=config.rounds)
    return [
        Figure(
            TITLE,
            f"`{SPACE}`: candidates' figures stage by stage (stages compiled), per second",
            rates(times["sample"], batch, "candidates/s"),
            rates(times["reference"], batch, "candidates/s"),
            f"`{SPACE}`: compiled and analyzed whole",
            paired_ratios(times["reference"], times["sample"]),
            "stage by stage over whole, the same figures",
            Goal(1.0),
        )
    ]


def _hypervolume(space, config: Config) -> list[Row]:
    from archdsl.search.objectives import Goal as SearchGoal
    from archdsl.search.pareto import front, hypervolume_2d
    from archdsl.search.study import open_study, run_here
    from archdsl.spec.limits import DEFAULT_LIMITS

    bounds = extremes(space)
    if bounds is None:
        raise Unavailable("the space has no exact params and MACs range")
    goal = SearchGoal(("params", "macs"))
    trials = TRIALS[config.name]

    def volume(sampler: str, seed: int) -> float:
        study = open_study(space, goal, None, f"{sampler}{seed}", sampler, seed)
        run_here(study, space, goal, trials, DEFAULT_LIMITS, lambda done, error: None)
        points = [_unit(t.values, bounds) for t in study.get_trials(deepcopy=False) if t.values]
        return hypervolume_2d([points[i] for i in front(points)], (1.0, 1.0))

    seeds = range(SEEDS[config.name])
    nsga = [volume("nsga2", seed) for seed in seeds]
    random = [volume("random", seed) for seed in seeds]
    return [
        Figure(
            TITLE,
            f"`{SPACE}`: hypervolume of the params/MACs front after {trials} trials",
            Sample.of(nsga, "NSGA-II"),
            Sample.of(random, "random"),
            "random sampling, same trials and seed",
            paired_ratios(nsga, random),
            "NSGA-II's hypervolume over random's: above 1, NSGA-II earns its place",
            Goal(1.0),
        ),
        Note(
            TITLE,
            "hypervolumes per seed (NSGA-II / random): "
            + ", ".join(f"{a:.4f} / {b:.4f}" for a, b in zip(nsga, random, strict=True)),
        ),
    ]


def _unit(values, bounds) -> tuple[float, float]:
    """(params, MACs) mapped into the unit square of the space's exact ranges."""
    (p_low, p_high), (m_low, m_high) = bounds.params, bounds.macs
    return ((values[0] - p_low) / (p_high - p_low), (values[1] - m_low) / (m_high - m_low))


# --- the figures docs/search.md quotes, rendered from the stored run

DOCS = REPO / "docs" / "search.md"
BEGIN = "<!-- search-figures: generated from docs/bench/search.json by bench/search.py; a test checks -->\n"
END = "<!-- end search-figures -->\n"


def docs_block(run: Run) -> str:
    """The lines between the markers in docs/search.md, from the stored run."""
    lines = []
    for row in run.rows:
        if isinstance(row, StoredFigure):
            lines.append(
                f"- {row.name}: {median_iqr(row.ours)}; {row.reference_name}:"
                f" {median_iqr(row.reference)}; ratio {median_iqr(row.ratio)}"
                f" ({row.ratio_meaning}), {row.verdict}"
            )
        elif isinstance(row, StoredMeasurement):
            lines.append(f"- {row.name}: {median_iqr(row.sample)}")
        elif isinstance(row, Note):
            lines.append(f"- {row.text}")
        else:
            lines.append(f"- not run: {row.reason}")
    lines.append(f"- run: {run.mode}, {run.seconds or 0:.0f} s")
    return "\n".join(lines) + "\n"


def docs_text(text: str, run: Run) -> str:
    """``text`` (docs/search.md) with its figures block replaced by the stored run's."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + BEGIN + docs_block(run) + END + tail


def stored_run() -> Run:
    return load_all(REPO / "docs" / "bench", ["search"])[0]


if __name__ == "__main__":  # python -m bench.search: rewrite docs/search.md's figures
    DOCS.write_text(docs_text(DOCS.read_text(encoding="utf-8"), stored_run()), encoding="utf-8")
