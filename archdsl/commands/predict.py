"""archdsl predict: the top-k classes of images, with probabilities, from a trained run."""

from __future__ import annotations

import argparse
import json

from archdsl.commands.common import positive_int

DESCRIPTION = """Classify images with a trained model: the K most likely classes of each
image, by the run's class names, with their probabilities. Images are read, resized
(bilinear) and scaled exactly as in training. MODEL is a run folder of 'archdsl train' (its
best.keras) or a .keras file in one."""

EXAMPLES = """examples:
  archdsl predict runs/flowers photo.jpg
  archdsl predict runs/flowers/last.keras *.jpg --top 3 --format json
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "predict",
        help="top-k class names with probabilities for images, from a trained run",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", metavar="MODEL", help="a run folder, or a .keras file in one")
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.add_argument("--top", type=positive_int, default=5, metavar="K", help="%(default)s")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from archdsl.commands.train import _import_keras
    from archdsl.train.folders import check_channels, check_image_size, read_image_file
    from archdsl.train.saved_run import find_run

    saved = find_run(args.model)
    height, width, channels = saved.input_shape
    for path in args.images:
        image = read_image_file(path)
        check_image_size(image, height, width)
        check_channels(image, channels)
    _import_keras()
    import numpy as np
    import tensorflow as tf

    from archdsl.train.pipeline import Pipeline
    from archdsl.train.saved_run import load, probabilities

    model = load(saved)
    pipeline = Pipeline(saved.input_shape, saved.record["pipeline"]["scale"], 1)
    k = min(args.top, len(saved.classes))
    results = []
    for path in args.images:
        pixels = tf.io.decode_image(
            tf.io.read_file(path), channels=channels, expand_animations=False
        )
        pixels = tf.image.resize(pixels, (height, width), method="bilinear")
        scores = probabilities(model, pipeline.prepare(pixels[None]), saved.logits)[0]
        best = np.argsort(-scores, kind="stable")[:k]
        results.append((path, [(saved.classes[i], float(scores[i])) for i in best]))
    if args.format == "json":
        payload = [
            {"image": path, "top": [{"class": name, "probability": p} for name, p in top]}
            for path, top in results
        ]
        print(json.dumps(payload, indent=2))
    else:
        for path, top in results:
            print(f"{path}: " + ", ".join(f"{name} {p:.4f}" for name, p in top))
    return 0
