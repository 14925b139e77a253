"""Start or resume a run: build and compile the model, then Keras's own ``fit``."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf

from archdsl.commands.common import write_atomically
from archdsl.errors import SpecError
from archdsl.ir.graph import Graph
from archdsl.train import run_folder
from archdsl.train.data import Datasets, training_datasets
from archdsl.train.outputs import LOGITS
from archdsl.train.pipeline import Pipeline
from archdsl.train.recorder import RunRecorder, copy_checkpoint, update_record

OPTIMIZERS = {
    "adam": lambda rate: keras.optimizers.Adam(learning_rate=rate),
    "sgd": lambda rate: keras.optimizers.SGD(learning_rate=rate, momentum=0.9),
    "rmsprop": lambda rate: keras.optimizers.RMSprop(learning_rate=rate),
}


def learning_rate(training: dict[str, Any], steps_per_epoch: int) -> float | Any:
    """The rate, or for ``cosine`` a schedule that decays it to 0 over the run's steps.

    The schedule is saved with the optimizer in every checkpoint, so a resumed run goes on
    along the same curve.
    """
    rate = training["learning_rate"]
    if training.get("schedule", "constant") == "constant":
        return rate
    return keras.optimizers.schedules.CosineDecay(rate, training["epochs"] * steps_per_epoch)


def strategy() -> tf.distribute.Strategy:
    """All GPUs through MirroredStrategy when there are several, else the one device."""
    if len(tf.config.list_physical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def jit_compile() -> bool | str:
    """XLA as Keras decides on GPUs; never on CPUs, where XLA's depthwise convolution is slow.

    docs/benchmarks.md measures it: MobileNetV2 inference at 4 images/s with XLA against 68
    without, on the same CPU.
    """
    return "auto" if tf.config.list_physical_devices("GPU") else False


def use_mixed_precision() -> None:
    if not tf.config.list_physical_devices("GPU"):
        raise SpecError(
            None, "--mixed-precision needs a GPU; TensorFlow finds none on this machine"
        )
    keras.mixed_precision.set_global_policy("mixed_float16")


def _datasets(record: dict[str, Any]) -> Datasets:
    data, pipeline = record["data"], record["pipeline"]
    return training_datasets(
        data["train"],
        data["validation"],
        data["validation_split"],
        tuple(record["classes"]),
        Pipeline(tuple(pipeline["input_shape"]), pipeline["scale"], pipeline["batch_size"]),
        record["training"]["augment"],
        data["seed"],
    )


def _steps(record: dict[str, Any], datasets: Datasets) -> int:
    """Training steps per epoch: the last batch may be short."""
    return math.ceil(datasets.train_images / record["pipeline"]["batch_size"])


def _check_counts(record: dict[str, Any], datasets: Datasets) -> None:
    data = record["data"]
    found = (datasets.train_images, datasets.validation_images)
    expected = (data["train_images"], data["validation_images"])
    if found != expected:
        raise SpecError(
            None,
            f"{data['train']}: {found[0]} training and {found[1]} validation images, but the run"
            f" began with {expected[0]} and {expected[1]}; a resumed run needs the same images",
        )


def start(graph: Graph, record: dict[str, Any], folder: Path, force: bool, quiet: bool) -> int:
    """Build the spec's model, save it as epoch 0, and train."""
    from archdsl.backends.keras_backend import to_keras

    training = record["training"]
    if training["mixed_precision"]:
        use_mixed_precision()
    keras.utils.set_random_seed(record["data"]["seed"])
    training["jit_compile"] = jit_compile()
    datasets = _datasets(record)
    record["data"]["train_images"] = datasets.train_images
    record["data"]["validation_images"] = datasets.validation_images
    if not datasets.train_images or not datasets.validation_images:
        raise SpecError(
            None,
            f"--val-split {record['data']['validation_split']} leaves"
            f" {datasets.train_images} training and {datasets.validation_images} validation"
            " images; both need at least one",
        )
    run_folder.prepare_new(folder, force)
    with strategy().scope():
        model = to_keras(graph)
        model.compile(
            optimizer=OPTIMIZERS[training["optimizer"]](
                learning_rate(training, _steps(record, datasets))
            ),
            loss=keras.losses.CategoricalCrossentropy(from_logits=training["outputs"] == LOGITS),
            metrics=["accuracy"],
            jit_compile=training["jit_compile"],
        )
        # Built now, so that epoch 0's checkpoint holds every optimizer variable, as later ones do.
        model.optimizer.build(model.trainable_variables)
    write_atomically(str(folder / run_folder.LAST), model.save)
    run_folder.write_json(folder / run_folder.RUN_JSON, record)
    return _fit(model, record, folder, datasets, [], quiet)


def resume(folder: Path, epochs: int | None, quiet: bool) -> int:
    """Continue the run in ``folder`` after its last finished epoch, optimizer state and all."""
    record = run_folder.read_run(folder)
    planned = record["training"]["epochs"]
    if record["training"].get("schedule") == "cosine" and epochs not in (None, planned):
        raise SpecError(
            None,
            f"{folder}: the run's cosine schedule decays over {planned} epochs;"
            " --epochs cannot change it on resume",
        )
    run_folder.remove_temporary_files(folder)
    if record["training"]["mixed_precision"]:
        use_mixed_precision()
    datasets = _datasets(record)
    _check_counts(record, datasets)
    last = folder / run_folder.LAST
    try:
        with strategy().scope():
            model = keras.saving.load_model(last, safe_mode=True)
    except (OSError, ValueError) as error:
        raise SpecError(None, f"{last}: cannot load it ({error})") from None
    done = int(keras.ops.convert_to_numpy(model.optimizer.iterations)) // _steps(record, datasets)
    rows = run_folder.read_history(folder / run_folder.HISTORY)
    if len(rows) < done:
        raise SpecError(
            None,
            f"{folder / run_folder.HISTORY}: {len(rows)} rows, but {last} has trained"
            f" {done} epochs; the run folder was changed by hand",
        )
    rows = rows[:done]  # an epoch killed after its history row and before last.keras runs again
    if rows and max(rows, key=lambda row: row["val_accuracy"]) is rows[-1]:
        copy_checkpoint(last, folder / run_folder.BEST)  # killed before best.keras was updated
    if epochs is not None:
        record["training"]["epochs"] = epochs
    target = record["training"]["epochs"]
    if done >= target:
        print(f"{folder}: the run has trained {done} of {target} epochs already; nothing to do")
        return 0
    print(f"{folder}: resuming after epoch {done} of {target}", file=sys.stderr)
    return _fit(model, record, folder, datasets, rows, quiet)


def _fit(
    model: keras.Model,
    record: dict[str, Any],
    folder: Path,
    datasets: Datasets,
    rows: list[dict[str, float]],
    quiet: bool,
) -> int:
    statistics = datasets.statistics if record["batch_norm"]["statistics"] == "recomputed" else None
    recorder = RunRecorder(folder, record, rows, datasets.train_images, statistics)
    record["status"] = "running"
    try:
        model.fit(
            datasets.train,
            validation_data=datasets.validation,
            epochs=record["training"]["epochs"],
            initial_epoch=len(rows),
            callbacks=[recorder],
            shuffle=False,  # the dataset shuffles itself, every epoch
            verbose=0 if quiet else "auto",
        )
    except KeyboardInterrupt:
        record["status"] = "interrupted"
        run_folder.write_json(folder / run_folder.RUN_JSON, record)
        print(
            f"interrupted: {folder} holds {record.get('epochs_done', 0)} finished epochs;"
            f" continue with: archdsl train --resume {folder}",
            file=sys.stderr,
        )
        return 130
    record["status"] = "finished"
    update_record(record, rows)
    run_folder.write_json(folder / run_folder.RUN_JSON, record)
    final, best = record["final"], record["best"]
    print(
        f"trained {record['epochs_done']} epochs ({record['time']['seconds_per_epoch']:.1f} s"
        f" and {record['time']['images_per_second']:.0f} images/s per epoch):"
        f" validation accuracy {final['val_accuracy']:.4f}, best {best['val_accuracy']:.4f}"
        f" at epoch {best['epoch']}; wrote {folder}{'/'}"
        f"{{{', '.join(run_folder.FILES)}}}"
    )
    return 0
