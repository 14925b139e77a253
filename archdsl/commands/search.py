"""archdsl search: multi-objective search over a space with Optuna; trials on Ray if asked."""

from __future__ import annotations

import argparse
import sys

from archdsl.commands.common import limits_from
from archdsl.commands.space import add_space_options
from archdsl.errors import SpecError

DESCRIPTION = """Search a space with Optuna (TPE, NSGA-II or random sampling). Each trial picks a
value for every choice its candidate makes, compiles and analyzes it, and scores it on the
objectives: params, macs, memory (peak activation bytes), memory_access (ShuffleNetV2's
memory access cost, values), latency (predicted ms from this machine's latency table; all
minimized) and accuracy (maximized; from your function, --accuracy module:function, called
with the candidate's Graph and its spec document). --reward mnasnet maximizes MnasNet's
ACC x (LAT/T)^w, w = alpha when LAT <= T and beta otherwise (-0.07 and -0.07: soft
constraint; 0 and -1: hard), LAT the predicted latency with --target-latency, MACs with
--target.

Latency comes from the table 'archdsl latency calibrate' fills. Before searching, archdsl
lists every layer configuration the space's candidates can have; if the table lacks some,
--calibrate measures them (TensorFlow, a one-layer TFLite model each), else the search
stops and says so (with --reward and both targets given, it uses MACs and says so).

--accuracy train:DIR trains each candidate with 'archdsl train' on the image folder DIR
(DIR/CLASS/IMAGE; the class folders set the spec's classes) in a process of its own, with
--train-args (default: 'archdsl train's defaults; e.g. '--epochs 2 --input 64'), keeps the
runs in OUTPUT/train/ and scores the best validation accuracy. TensorFlow is needed then.

The study is kept in --storage (an SQLite file, or any Optuna RDB URL such as
postgresql://...): run the command again to resume an interrupted search, or start it in
several processes or on several machines with the same storage to share the work; the
search stops when the study has --trials finished trials. A storage holding a study of
another space is refused. --ray runs the trials on a Ray cluster instead of this process.
"""

EXAMPLES = """examples:
  archdsl search mnasnet --trials 200 --objective params,macs --sampler nsga2 -o out/search
  archdsl search mnasnet --trials 200 --constraint 'macs<=300M' --storage out/mnasnet.db
  archdsl search mnasnet --trials 50 --reward mnasnet --target 300M --accuracy my_eval:accuracy
  archdsl search mnasnet --trials 200 --objective latency,params --calibrate
  archdsl search mnasnet --trials 50 --reward mnasnet --target-latency 80ms --accuracy my_eval:accuracy
  archdsl search mnasnet --trials 500 --ray auto --storage postgresql://user@host/db
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "search",
        help="multi-objective search over a space (Optuna; Ray for many machines)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_space_options(parser)
    parser.add_argument(
        "--trials", type=int, required=True, help="finished trials the study should hold"
    )
    parser.add_argument(
        "--objective",
        default="params,macs",
        help="comma-separated: params, macs, memory, memory_access, latency, accuracy"
        " (default params,macs)",
    )
    parser.add_argument(
        "--constraint",
        action="append",
        default=[],
        metavar="EXPR",
        help="e.g. 'macs<=300M', 'params<5M' or 'latency<=80ms' (repeatable)",
    )
    parser.add_argument(
        "--reward", choices=("mnasnet",), help="MnasNet's reward as the single objective"
    )
    parser.add_argument(
        "--target", metavar="MACS", help="the reward's target T, in MACs (e.g. 300M)"
    )
    parser.add_argument(
        "--target-latency",
        metavar="MS",
        help="the reward's target T as predicted latency (e.g. 80ms)",
    )
    parser.add_argument(
        "--latency-table", metavar="PATH", help="predict from this table (default: this machine's)"
    )
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="measure the layer configurations the latency table lacks first (TensorFlow)",
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=-0.07,
        help="reward exponent when under the target (default -0.07)",
    )
    parser.add_argument(
        "--beta",
        type=float,
        default=-0.07,
        help="reward exponent when over the target (default -0.07)",
    )
    parser.add_argument(
        "--accuracy",
        metavar="MODULE:FUNCTION|train:DIR",
        help="your accuracy function (graph, spec) -> float, or train:DIR: the best validation"
        " accuracy of a short 'archdsl train' run of each candidate on the images in DIR",
    )
    parser.add_argument(
        "--train-args",
        metavar="ARGS",
        help="with --accuracy train:DIR, arguments for archdsl train (e.g. '--epochs 2 --input 64')",
    )
    parser.add_argument(
        "--sampler",
        choices=("tpe", "nsga2", "random"),
        help="default: nsga2 for several objectives, tpe for one",
    )
    parser.add_argument("--seed", type=int, help="sampler seed (reproducible in one process)")
    parser.add_argument(
        "--storage",
        help="SQLite file or RDB URL for the study (default: DIR/study.db with -o, else in memory)",
    )
    parser.add_argument("--study", help="study name (default: the space's name)")
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="write trials.csv, trials.jsonl, front/*.yaml and front.png",
    )
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="evaluate trials on Ray: local (a local instance), auto, or a cluster address",
    )
    parser.add_argument(
        "--ray-workers", type=int, default=2, help="trials in flight on Ray (default 2)"
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: on a terminal)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import os

    from archdsl.report.progress import Progress
    from archdsl.search import output
    from archdsl.search.objectives import parse_goal
    from archdsl.search.study import open_study, report_failure, run_here, trial_rows
    from archdsl.space.extremes import extremes
    from archdsl.space.load import load_space

    for module, extra in (("optuna", "search"), *((("ray", "ray"),) if args.ray else ())):
        try:
            __import__(module)
        except ImportError:
            raise SpecError(
                None,
                f"archdsl search{' --ray' if extra == 'ray' else ''} needs {module}: pip install 'archdsl[{extra}]'",
            ) from None
    if args.trials < 1:
        raise SpecError(None, f"--trials must be at least 1, got {args.trials}")
    goal = parse_goal(
        args.objective,
        args.constraint,
        args.reward,
        args.target,
        args.alpha,
        args.beta,
        args.accuracy,
        args.target_latency,
    )
    if args.accuracy and args.accuracy.startswith("train:"):
        import dataclasses

        from archdsl.search.train_accuracy import train_accuracy

        trainer = train_accuracy(args.accuracy, args.output, args.train_args)
        goal = dataclasses.replace(goal, trainer=trainer)
    elif args.train_args:
        raise SpecError(None, "--train-args goes with --accuracy train:DIR")
    limits = limits_from(args)
    space = load_space(args.space, limits)
    _check_constraints(goal, extremes(space, limits))
    if goal.needs_latency:
        from archdsl.search.latency_goal import with_latency

        goal = with_latency(goal, space, limits, args)
    storage = args.storage or (os.path.join(args.output, "study.db") if args.output else None)
    if args.output:
        os.makedirs(args.output, exist_ok=True)
    sampler = args.sampler or ("nsga2" if len(goal.objectives) > 1 else "tpe")
    study = open_study(space, goal, storage, args.study, sampler, args.seed)
    progress = Progress(args.trials, "search", args.progress)

    def on_trial(done: int, error: str | None) -> None:
        if error:
            report_failure(done, error)
        progress.update(done)

    if args.ray:
        from archdsl.search.ray_runner import run_on_ray

        run_on_ray(study, space, goal, args.trials, limits, args.ray, args.ray_workers, on_trial)
    else:
        run_here(study, space, goal, args.trials, limits, on_trial)
    progress.close()
    rows = trial_rows(study)
    objectives = list(goal.objectives)
    best = output.pareto_rows(rows, objectives, list(goal.directions))
    if goal.reward is not None:
        lat = "predicted latency, ms" if goal.reward.figure == "latency" else "MACs"
        print(f"reward: ACC x (LAT/T)^w with LAT = {lat}, T = {goal.reward.target:g}")
    print(output.front_table(best, objectives, len(rows)), end="")
    failed = sum(r["state"] == "FAIL" for r in rows)
    if failed:
        print(f"{failed} trials failed (see trials.jsonl for why)", file=sys.stderr)
    if args.output:
        assignments = {
            t.number: t.user_attrs["assignment"]
            for t in study.get_trials(deepcopy=False)
            if "assignment" in t.user_attrs
        }
        for path in output.write_outputs(args.output, space, rows, best, objectives, assignments):
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _check_constraints(goal, bounds) -> None:
    """A constraint no candidate can meet is an error naming the space's extreme."""
    if bounds is None:
        return
    for constraint in goal.constraints:
        if constraint.figure not in ("params", "macs"):
            continue
        low, high = bounds.params if constraint.figure == "params" else bounds.macs
        if not (
            constraint.met({constraint.figure: low}) or constraint.met({constraint.figure: high})
        ):
            extreme = low if constraint.op in ("<=", "<") else high
            word = "least" if constraint.op in ("<=", "<") else "most"
            raise SpecError(
                None,
                f"--constraint '{constraint.text}': no candidate meets it; the space's {word} {constraint.figure} is {extreme:,}",
            )
