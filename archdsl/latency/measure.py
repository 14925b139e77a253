"""Measure a whole network: build it, convert it, time it in the interpreter (imports TensorFlow)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from archdsl.ir.graph import Graph
from archdsl.latency.machine import keras_runtime, load_average, machine, tflite_runtime
from archdsl.latency.timing import Samples, Stats, time_calls, warm_up

RUNTIMES = ("tflite", "keras")


@dataclass(frozen=True)
class Measurement:
    name: str
    input_shape: tuple[int, ...]
    runtime: str
    threads: int
    batch: int
    machine: dict[str, Any]
    wall: Stats
    cpu: Stats
    load_before: tuple[float, float, float] | None
    load_after: tuple[float, float, float] | None
    prepare_seconds: float


def import_tensorflow(threads: int) -> None:
    """Import TensorFlow quietly, with its own thread pools set to ``threads``."""
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(threads))
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
    from archdsl.backends.tf_runtime import import_keras

    import_keras()


def prepare(graph: Graph, runtime: str, threads: int, batch: int) -> Callable[[], Any]:
    """Build ``graph`` and return one inference of it on a random batch."""
    import numpy as np

    from archdsl.backends.keras_backend import to_keras

    model = to_keras(graph)
    shape = (batch, *graph.input_shape)
    if runtime == "tflite":
        from archdsl.latency.tflite import convert, interpreter

        return interpreter(convert(model, [shape]), threads, [shape])
    import tensorflow as tf

    images = tf.constant(np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32))
    forward = tf.function(lambda x: model(x, training=False))
    return lambda: forward(images).numpy()


def measure(
    graph: Graph,
    runtime: str = "tflite",
    threads: int = 1,
    batch: int = 1,
    *,
    min_runs: int = 50,
    min_seconds: float = 2.0,
    warmup_seconds: float = 0.5,
) -> Measurement:
    """Median and quartiles of one inference, after a warm-up, by wall-clock and CPU time."""
    start = time.perf_counter()
    run = prepare(graph, runtime, threads, batch)
    prepared = time.perf_counter() - start
    load_before = load_average()
    warm_up(run, runs=5, seconds=warmup_seconds)
    samples = Samples()
    time_calls(run, samples, min_runs=min_runs, min_seconds=min_seconds)
    return Measurement(
        name=graph.name,
        input_shape=graph.input_shape,
        runtime=tflite_runtime() + " (XNNPACK)" if runtime == "tflite" else keras_runtime(),
        threads=threads,
        batch=batch,
        machine=machine(),
        wall=samples.stats("wall"),
        cpu=samples.stats("cpu"),
        load_before=load_before,
        load_after=load_average(),
        prepare_seconds=prepared,
    )
