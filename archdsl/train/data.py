"""tf.data input: image folders through ``keras.utils.image_dataset_from_directory``.

Images are decoded and resized once, cached in memory, then shuffled every epoch, batched,
augmented with Keras preprocessing layers and prefetched. Augmentation and the 1/255
rescale live in the pipeline, not in the model, so the saved model is the spec's network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import tensorflow as tf

from archdsl.train.pipeline import Pipeline

AUTOTUNE = tf.data.AUTOTUNE
AUGMENTATIONS = ("none", "light", "seeds")
# The seeds' ImageDataGenerator brightness_range: every pixel times one factor per image.
SEEDS_BRIGHTNESS = (0.7, 1.3)


@dataclass(frozen=True)
class Datasets:
    train: tf.data.Dataset  # shuffled, augmented, batched
    validation: tf.data.Dataset  # batched, in a fixed order
    statistics: tf.data.Dataset  # the training images, batched, without augmentation
    train_images: int
    validation_images: int


def _load(
    root: str,
    classes: tuple[str, ...],
    pipeline: Pipeline,
    seed: int,
    split: float | None = None,
) -> tf.data.Dataset | tuple[tf.data.Dataset, tf.data.Dataset]:
    return keras.utils.image_dataset_from_directory(
        root,
        label_mode="categorical",
        class_names=list(classes),
        color_mode=pipeline.color_mode,
        batch_size=None,
        image_size=pipeline.input_shape[:2],
        shuffle=True,  # the file order; with a seed, the same split every time
        seed=seed,
        validation_split=split,
        subset="both" if split else None,
        verbose=False,
    )


def training_datasets(
    train_root: str,
    validation_root: str | None,
    validation_split: float,
    classes: tuple[str, ...],
    pipeline: Pipeline,
    augment: str,
    seed: int,
) -> Datasets:
    """The training, validation and statistics datasets; images cached once in memory."""
    if validation_root:
        train = _load(train_root, classes, pipeline, seed)
        validation = _load(validation_root, classes, pipeline, seed)
    else:
        train, validation = _load(train_root, classes, pipeline, seed, validation_split)
    train_images = int(train.cardinality())
    validation_images = int(validation.cardinality())
    train = train.cache()
    augmenter = augmentation(augment, seed)
    shuffled = train.shuffle(train_images, seed=seed, reshuffle_each_iteration=True)
    batches = shuffled.batch(pipeline.batch_size)
    if augmenter is not None:
        batches = batches.map(lambda x, y: (augmenter(x), y), num_parallel_calls=AUTOTUNE)
    return Datasets(
        train=_finish(batches, pipeline),
        validation=_finish(validation.cache().batch(pipeline.batch_size), pipeline),
        statistics=_finish(train.batch(pipeline.batch_size), pipeline),
        train_images=train_images,
        validation_images=validation_images,
    )


def evaluation_dataset(root: str, classes: tuple[str, ...], pipeline: Pipeline) -> tf.data.Dataset:
    """Every image under ``root`` once, in file order (labels follow ``classes``)."""
    dataset = keras.utils.image_dataset_from_directory(
        root,
        label_mode="categorical",
        class_names=list(classes),
        color_mode=pipeline.color_mode,
        batch_size=pipeline.batch_size,
        image_size=pipeline.input_shape[:2],
        shuffle=False,
        verbose=False,
    )
    return _finish(dataset, pipeline)


def _finish(dataset: tf.data.Dataset, pipeline: Pipeline) -> tf.data.Dataset:
    if pipeline.scale is not None:
        dataset = dataset.map(lambda x, y: (pipeline.prepare(x), y), num_parallel_calls=AUTOTUNE)
    return dataset.prefetch(AUTOTUNE)


def augmentation(name: str, seed: int) -> Callable[[tf.Tensor], tf.Tensor] | None:
    """The named augmentation as a function of a batch of [0, 255] images, or None.

    ``seeds`` is the seeds' ImageDataGenerator list: rotation up to 20 degrees, shifts of
    0.1, shear, zoom 0.1, horizontal flip, brightness times 0.7 to 1.3 (clipped to 255 as
    Pillow clips it), empty pixels filled with the nearest edge pixel. ``light`` is flip,
    shift 0.1 and zoom 0.1.
    """
    if name == "none":
        return None
    fill = {"fill_mode": "nearest", "seed": seed}
    layers = [
        keras.layers.RandomFlip("horizontal", seed=seed),
        keras.layers.RandomTranslation(0.1, 0.1, **fill),
        keras.layers.RandomZoom(0.1, 0.1, **fill),
    ]
    if name == "seeds":
        layers += [
            keras.layers.RandomRotation(20 / 360, **fill),
            keras.layers.RandomShear(x_factor=0.2, y_factor=0.0, **fill),
        ]
    model = keras.Sequential(layers, name=f"augment_{name}")
    brightness = name == "seeds"

    def apply(images: tf.Tensor) -> tf.Tensor:
        images = model(images, training=True)
        if brightness:
            low, high = SEEDS_BRIGHTNESS
            factor = tf.random.uniform([tf.shape(images)[0], 1, 1, 1], low, high, seed=seed)
            images = tf.clip_by_value(images * factor, 0.0, 255.0)
        return images

    return apply
