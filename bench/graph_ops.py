"""Where two Keras models' TensorFlow graphs differ, op type by op type.

Two models that trace to the same ops run the same kernels, so a throughput ratio away
from 1 between them is noise (or layout); ops that differ are where to look first.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

# Ops that move no data: variables, constants, plumbing.
BOOKKEEPING = {"Const", "Identity", "NoOp", "Placeholder", "ReadVariableOp"}


def op_counts(model: keras.Model, input_shape: tuple[int, ...]) -> Counter[str]:
    """How many ops of each type ``model(x, training=False)`` traces to."""
    import tensorflow as tf

    forward = tf.function(lambda x: model(x, training=False))
    graph = forward.get_concrete_function(tf.TensorSpec(input_shape, tf.float32)).graph
    return Counter(op.type for op in graph.get_operations() if op.type not in BOOKKEEPING)


def difference(
    ours: keras.Model, reference: keras.Model, input_shape: tuple[int, ...], reference_name: str
) -> str:
    """One sentence: the op types whose counts differ, or that there are none."""
    mine, theirs = op_counts(ours, input_shape), op_counts(reference, input_shape)
    differing = sorted(op for op in mine.keys() | theirs.keys() if mine[op] != theirs[op])
    total = f"{sum(mine.values())} ops against {sum(theirs.values())}"
    if not differing:
        return f"the two graphs trace to the same ops, type for type ({total})"
    listed = ", ".join(f"{op} {mine[op]} vs {theirs[op]}" for op in differing)
    return f"traced ops that differ, ours vs {reference_name}: {listed} ({total})"


def optimized_hlo(model: keras.Model, input_shape: tuple[int, ...]) -> list[str]:
    """The XLA program ``model`` compiles to, with names and source metadata taken out."""
    import tensorflow as tf

    forward = tf.function(lambda x: model(x, training=False), jit_compile=True)
    text = forward.experimental_get_compiler_ir(tf.zeros(input_shape))(stage="optimized_hlo")
    text = re.sub(r", metadata=\{[^}]*\}", "", text)
    text = re.sub(r"%[\w.-]+", "%_", text)
    return [re.sub(r"^(HloModule|ENTRY) \S+", r"\1", line) for line in text.splitlines()]


def xla_difference(ours: keras.Model, reference: keras.Model, input_shape: tuple[int, ...]) -> str:
    """One sentence: whether XLA compiles both models to the same program."""
    mine, theirs = optimized_hlo(ours, input_shape), optimized_hlo(reference, input_shape)
    if mine == theirs:
        return (
            f"XLA compiles both to the same optimized HLO program, line for line once names are"
            f" taken out ({len(mine)} lines): any XLA-on ratio away from 1 is the machine, not"
            " the model"
        )
    differing = sum(a != b for a, b in zip(mine, theirs, strict=False)) + abs(
        len(mine) - len(theirs)
    )
    return (
        f"the optimized HLO programs differ in {differing} of {max(len(mine), len(theirs))} lines"
    )
