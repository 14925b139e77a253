"""Recompute batch-norm statistics from the training images, so short runs validate honestly.

In training, BatchNormalization normalizes with each batch's own statistics; in inference
it uses moving averages updated with momentum 0.99 (the specs' default, as in the papers'
ImageNet training), which remember about the last 100 steps. A short run on a small
dataset takes fewer steps than that while the weights change fast, so the moving
statistics describe a network that no longer exists and validation accuracy stays near
chance. Before each validation (and so before each checkpoint) this replaces every
layer's moving mean and variance by their averages over the training images
(without augmentation) under the current weights, the "precise BN" of Wu and Johnson
(2021), "Rethinking 'Batch' in BatchNorm". Measured figures are in docs/train.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import keras
import tensorflow as tf

if TYPE_CHECKING:
    from collections.abc import Iterable


def batch_norm_layers(model: keras.Model) -> list[keras.layers.BatchNormalization]:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


class StatisticsRecomputer:
    """Sets every BatchNormalization's moving statistics to the mean over given batches.

    Each batch runs through the model in training mode with the layers' momentum at
    k / (k + 1) for the k-th batch (counting from 0), so after n batches the moving mean is
    exactly the average of the n batch means (and the same for variances). The momentum
    lives in one variable for the duration, so the step is traced once; the layers get
    their own float momentum back afterwards (it is part of their saved config).
    """

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self.layers = batch_norm_layers(model)
        self.momentum = tf.Variable(0.0, trainable=False, dtype=tf.float32)
        self._step = tf.function(lambda images: model(images, training=True))

    def recompute(self, batches: Iterable[tuple[tf.Tensor, tf.Tensor]]) -> int:
        """Recompute from ``batches`` of (images, labels); return how many images it read."""
        if not self.layers:
            return 0
        saved = [layer.momentum for layer in self.layers]
        for layer in self.layers:
            # Not a Keras variable, so the layer does not track it as one of its weights.
            object.__setattr__(layer, "momentum", self.momentum)
        images = 0
        try:
            for index, (batch, _) in enumerate(batches):
                self.momentum.assign(index / (index + 1))
                self._step(batch)
                images += int(batch.shape[0])
        finally:
            for layer, momentum in zip(self.layers, saved, strict=True):
                object.__setattr__(layer, "momentum", momentum)
        return images
