"""archdsl evaluate: accuracy, top-5, per-class accuracy and a confusion matrix of a run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from archdsl.commands.common import positive_int
from archdsl.errors import SpecError

DESCRIPTION = """Evaluate a trained model on a folder of images (DIR/CLASS/IMAGE, the run's
classes): accuracy, top-5 accuracy (top-k when there are fewer than 6 classes), accuracy per
class, and the confusion matrix drawn as a PNG (rows: true class, columns: predicted).
MODEL is a run folder of 'archdsl train' (its best.keras) or a .keras file in one; the
run's run.json gives the class names and the input scaling."""

EXAMPLES = """examples:
  archdsl evaluate runs/flowers --data data/test
  archdsl evaluate runs/flowers/last.keras --data data/test --format json
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="accuracy, top-5, per-class accuracy and a confusion matrix of a trained run",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", metavar="MODEL", help="a run folder, or a .keras file in one")
    parser.add_argument("--data", required=True, metavar="DIR", help="images: DIR/CLASS/IMAGE")
    parser.add_argument("--batch-size", type=positive_int, default=32, metavar="B")
    parser.add_argument(
        "-o",
        "--confusion",
        metavar="PNG",
        help="where to draw the confusion matrix (default: confusion.png in the run folder)",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from archdsl.commands.train import _import_keras
    from archdsl.train.folders import scan
    from archdsl.train.run_folder import CONFUSION
    from archdsl.train.saved_run import find_run

    saved = find_run(args.model)
    confusion_path = Path(args.confusion or saved.model_path.parent / CONFUSION)
    if not confusion_path.suffix == ".png":
        raise SpecError(None, f"-o {confusion_path}: the confusion matrix is a .png file")
    if not confusion_path.parent.is_dir():
        raise SpecError(
            None, f"-o {confusion_path}: the folder {confusion_path.parent} does not exist"
        )
    images = scan(args.data, saved.input_shape)
    if set(images.classes) != set(saved.classes):
        raise SpecError(
            None,
            f"--data {args.data}: class folders {', '.join(images.classes)}; the run was"
            f" trained on {', '.join(saved.classes)}",
        )
    _import_keras()
    from archdsl.train.data import evaluation_dataset
    from archdsl.train.metrics import Scores, score
    from archdsl.train.pipeline import Pipeline
    from archdsl.train.plots import write_confusion
    from archdsl.train.saved_run import load, probabilities

    model = load(saved)
    pipeline = Pipeline(saved.input_shape, saved.record["pipeline"]["scale"], args.batch_size)
    labels, predicted = [], []
    for batch, onehot in evaluation_dataset(args.data, saved.classes, pipeline):
        labels += onehot.numpy().argmax(axis=1).tolist()
        predicted.append(probabilities(model, batch, saved.logits))
    scores: Scores = score(labels, predicted, len(saved.classes))
    title = f"{saved.record['title']}: {args.data} ({len(labels)} images)"
    write_confusion(confusion_path, scores.confusion, saved.classes, title)
    if args.format == "json":
        print(json.dumps(_as_json(scores, saved.classes, confusion_path), indent=2))
    else:
        print(_table(scores, saved.classes, args.data, confusion_path))
    return 0


def _as_json(scores: Any, classes: tuple[str, ...], confusion: Path) -> dict[str, Any]:
    return {
        "images": scores.images,
        "accuracy": scores.accuracy,
        f"top{scores.k}_accuracy": scores.top_k,
        "per_class": {
            name: {"images": count, "accuracy": accuracy}
            for name, count, accuracy in zip(
                classes, scores.per_class_images, scores.per_class, strict=True
            )
        },
        "confusion": scores.confusion,
        "confusion_png": str(confusion),
    }


def _table(scores: Any, classes: tuple[str, ...], data: str, confusion: Path) -> str:
    width = max(len("class"), *(len(name) for name in classes))
    lines = [
        f"{data}: {scores.images} images, accuracy {scores.accuracy:.4f},"
        f" top-{scores.k} accuracy {scores.top_k:.4f}",
        "",
        f"{'class':<{width}}  images  accuracy",
    ]
    for name, count, accuracy in zip(
        classes, scores.per_class_images, scores.per_class, strict=True
    ):
        lines.append(f"{name:<{width}}  {count:>6}  {accuracy:>8.4f}")
    lines += ["", f"wrote {confusion} (confusion matrix: rows true class, columns predicted)"]
    return "\n".join(lines)
