"""archdsl train: train a spec on a folder of images with Keras's own fit, in a run folder.

Everything but argument parsing is imported when the command runs, so that registering it
costs the other commands' start-up nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archdsl import __version__
from archdsl.commands.common import add_spec_options, limits_from, positive_int
from archdsl.errors import SpecError

if TYPE_CHECKING:
    from archdsl.ir.graph import Graph
    from archdsl.spec.document import Document

DESCRIPTION = """Train a spec on a folder of images: DIR/CLASS/IMAGE, one folder per class.
The class folders set the spec's 'classes' param. Images are read with tf.data
(keras.utils.image_dataset_from_directory), resized to the network's input, cached in
memory and rescaled by 1/255 as the seeds do (not when the network starts with its own
rescale layer); augmentation runs in the input pipeline, so the saved model is the spec's
network. The loss is categorical cross-entropy, on logits or on the softmax the spec ends in.

RUNDIR receives, each written atomically after every epoch: last.keras and best.keras (the
highest validation accuracy; both with the optimizer's state), history.csv, curves.png
(accuracy and loss, training against validation) and run.json (the spec, overrides, class
names, the analyzer's figures, time per epoch, images/s, final and best metrics).
After Ctrl-C or a kill, 'archdsl train --resume RUNDIR' continues after the last finished
epoch: nothing is lost, no epoch is counted twice.

Batch-norm statistics: by default they are recomputed over the training images before each
validation, so short runs on small data validate honestly (docs/train.md has the
measurements); --bn-statistics moving keeps Keras's moving averages.

On a machine with several GPUs, training uses all of them (tf.distribute.MirroredStrategy);
--mixed-precision trains in float16 on GPUs.
"""

EXAMPLES = """examples:
  archdsl train mnasnet_a1 --data data/train --val data/test --augment seeds -o runs/flowers
  archdsl train mnasnet_a1 --data digits --set width=0.35 --input 32 --epochs 8 -o runs/digits
  archdsl train --resume runs/flowers
  archdsl train --resume runs/flowers --epochs 150     # train longer
"""

AUGMENT_CHOICES = ("none", "light", "seeds")
LEARNING_RATES = {
    "adam": 1e-3,
    "sgd": 1e-2,
    "rmsprop": 1e-3,
}  # Keras's defaults; SGD with momentum 0.9
BN_CHOICES = ("recomputed", "moving")
SCHEDULES = ("constant", "cosine")
# Options that describe a new run: --resume refuses them rather than ignore them.
NEW_RUN_OPTIONS = {
    "data": None,
    "val": None,
    "val_split": None,
    "batch_size": 32,
    "optimizer": "adam",
    "lr": None,
    "schedule": "constant",
    "augment": "none",
    "input": None,
    "output": None,
    "force": False,
    "mixed_precision": False,
    "bn_statistics": "recomputed",
    "seed": 0,
}


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train",
        help="train a spec on a folder of images (needs TensorFlow and the train extra)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_spec_options(parser, optional=True, cache=False)
    data = parser.add_argument_group("data")
    data.add_argument("--data", metavar="DIR", help="training images: DIR/CLASS/IMAGE")
    data.add_argument("--val", metavar="DIR", help="validation images, same classes as --data")
    data.add_argument(
        "--val-split",
        type=_fraction,
        metavar="F",
        help="without --val: hold out this fraction of --data for validation (default 0.2)",
    )
    data.add_argument("--input", type=positive_int, metavar="SIZE", help="input SIZExSIZE pixels")
    data.add_argument("--augment", choices=AUGMENT_CHOICES, default="none", help="%(default)s")
    fit = parser.add_argument_group("training")
    fit.add_argument("--epochs", type=positive_int, metavar="N", help="default 20")
    fit.add_argument("--batch-size", type=positive_int, default=32, metavar="B", help="%(default)s")
    fit.add_argument("--optimizer", choices=list(LEARNING_RATES), default="adam")
    fit.add_argument("--lr", type=_positive_float, metavar="X", help="adam, rmsprop 1e-3; sgd 1e-2")
    fit.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default="constant",
        help="learning rate: constant (the seeds'), or cosine decay to 0 over the epochs",
    )
    fit.add_argument("--bn-statistics", choices=BN_CHOICES, default="recomputed")
    fit.add_argument("--seed", type=int, default=0, help="split, shuffle and initial weights")
    fit.add_argument("--mixed-precision", action="store_true", help="float16 on GPUs")
    run = parser.add_argument_group("run folder")
    run.add_argument("-o", "--output", metavar="RUNDIR", help="default runs/NAME")
    run.add_argument("--resume", metavar="RUNDIR", help="continue an interrupted run")
    run.add_argument("--force", action="store_true", help="replace the run in RUNDIR")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> int:
    if args.resume:
        _check_resume_options(args)
        _import_keras()
        from archdsl.train.trainer import resume

        return resume(Path(args.resume), args.epochs, args.quiet)
    if not args.spec:
        raise SpecError(None, "train needs a SPEC, or --resume RUNDIR")
    if not args.data:
        raise SpecError(None, "train needs --data DIR (images in DIR/CLASS/IMAGE)")
    if args.val and args.val_split:
        raise SpecError(None, "give --val DIR or --val-split F, not both")
    from archdsl.train.run_folder import check_new

    graph, record = plan(args)
    folder = Path(args.output or os.path.join("runs", graph.name))
    check_new(folder, args.force)
    _import_keras()
    from archdsl.train.trainer import start

    return start(graph, record, folder, args.force, args.quiet)


def _check_resume_options(args: argparse.Namespace) -> None:
    if args.spec or args.overrides:
        raise SpecError(None, "--resume continues a run as it began: give no SPEC or --set")
    changed = [
        "--" + name.replace("_", "-")
        for name, default in NEW_RUN_OPTIONS.items()
        if getattr(args, name) != default
    ]
    if changed:
        raise SpecError(
            None, f"--resume continues a run as it began; it takes no {', '.join(changed)}"
        )


def plan(args: argparse.Namespace) -> tuple[Graph, dict[str, Any]]:
    """Check the spec and the images, and describe the run; nothing is written yet."""
    from archdsl.analysis.analyze import analyze
    from archdsl.compile import compile_document
    from archdsl.spec.params import parse_override
    from archdsl.spec.source import load_document
    from archdsl.train.folders import scan
    from archdsl.train.outputs import input_scale, output_kind
    from archdsl.train.pipeline import Pipeline

    overrides = list(args.overrides)
    if args.input:
        if any(text.split("=")[0].strip() == "input" for text in overrides):
            raise SpecError(None, "give --input or --set input=..., not both")
        overrides.append(f"input={args.input}")
    args.overrides = overrides
    # The spec is read once (it may come from stdin) and compiled twice: classes come between.
    doc = load_document(args.spec, limits_from(args))
    first = compile_document(doc, [parse_override(text) for text in overrides], limits_from(args))
    if "classes" not in first.params:
        _no_classes_param(doc)
    images = scan(args.data, first.input_shape)
    classes = images.classes
    if args.val:
        validation = scan(args.val, first.input_shape, "--val")
        if validation.classes != classes:
            raise SpecError(
                None,
                f"--val {args.val}: classes {', '.join(validation.classes)} differ from"
                f" --data's {', '.join(classes)}",
            )
    given = [text for text in overrides if text.split("=")[0].strip() == "classes"]
    if given and first.params["classes"] != len(classes):
        raise SpecError(
            None,
            f"--set {given[-1]}, but {args.data} has {len(classes)} class folders",
        )
    if not given:
        args.overrides = [*overrides, f"classes={len(classes)}"]
    graph = compile_document(
        doc, [parse_override(text) for text in args.overrides], limits_from(args)
    )
    if not args.no_warnings:
        for warning in graph.warnings:
            print(warning, file=sys.stderr)
    analysis = analyze(graph)
    if tuple(analysis.output_shape) != (len(classes),):
        raise SpecError(
            None,
            f"{args.spec}: with classes={len(classes)} the network's output is"
            f" {list(analysis.output_shape)}, not [{len(classes)}]; its last dense layer"
            " must have $classes units",
        )
    kind = output_kind(graph)
    pipeline = Pipeline(graph.input_shape, input_scale(graph), args.batch_size)
    record = {
        "archdsl": __version__,
        "status": "starting",
        "spec": args.spec,
        "name": graph.name,
        "title": graph.title,
        "overrides": args.overrides,
        "classes": list(classes),
        "data": {
            "train": os.path.abspath(args.data),
            "validation": os.path.abspath(args.val) if args.val else None,
            "validation_split": None if args.val else args.val_split or 0.2,
            "seed": args.seed,
            "hidden_files_skipped": images.hidden,
        },
        "pipeline": {
            "input_shape": list(pipeline.input_shape),
            "color_mode": pipeline.color_mode,
            "scale": pipeline.scale,
            "batch_size": args.batch_size,
        },
        "training": {
            "epochs": args.epochs or 20,
            "optimizer": args.optimizer,
            "learning_rate": args.lr or LEARNING_RATES[args.optimizer],
            "schedule": args.schedule,
            "loss": "categorical cross-entropy",
            "outputs": kind,
            "augment": args.augment,
            "mixed_precision": args.mixed_precision,
        },
        "batch_norm": _batch_norm_record(args.bn_statistics),
        "analysis": {
            "layers": len(analysis.layers) - 1,
            "params": analysis.total.params,
            "trainable_params": analysis.total.trainable,
            "macs": analysis.total.macs,
        },
        "epochs_done": 0,
    }
    return graph, record


def _no_classes_param(doc: Document) -> None:
    where = doc.locate(("params",), key=True) if "params" in doc.data else doc.locate(())
    raise SpecError(
        where,
        "the spec has no 'classes' param, which train sets from the class folders; declare"
        " params: {classes: ...} and use $classes as the last dense layer's units",
    )


def _batch_norm_record(mode: str) -> dict[str, Any]:
    if mode == "recomputed":
        how = (
            "before each validation, every BatchNormalization's moving mean and variance are"
            " set to their averages over the training images (no augmentation) under the"
            " current weights; validation and both checkpoints use them"
        )
    else:
        how = "Keras's moving averages, updated during training with each layer's momentum"
    return {"statistics": mode, "how": how}


def _import_keras() -> None:
    from archdsl.backends.tf_runtime import TensorFlowUnavailable, import_keras

    try:
        import_keras()
    except TensorFlowUnavailable as error:
        raise SpecError(None, str(error)) from None
