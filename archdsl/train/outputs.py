"""What a spec's network outputs, read from its Graph without TensorFlow."""

from __future__ import annotations

from archdsl.errors import SpecError
from archdsl.ir.graph import Graph

PROBABILITIES = "probabilities"
LOGITS = "logits"


def output_kind(graph: Graph) -> str:
    """``probabilities`` when the network ends in a softmax, ``logits`` in a dense classifier.

    The loss must know which (``from_logits``); the Graph says which (``Graph.output_kind``).
    A sigmoid (independent per-class probabilities) or features cannot feed categorical
    cross-entropy over one class per image, and are an error rather than a guess.
    """
    kind = graph.output_kind
    last = graph.nodes[-1]
    if kind == LOGITS or kind == PROBABILITIES and last.attrs.get("fn") == "softmax":
        return kind
    what = f"a {last.attrs['fn']} activation" if last.op == "activation" else f"a {last.op} layer"
    raise SpecError(
        None,
        f"{graph.name} ends in {what} ('{last.name}'); training needs a network that ends"
        " in a dense layer (logits) or a softmax activation (probabilities)",
    )


def input_scale(graph: Graph) -> float | None:
    """1/255, as the seeds rescale images, unless the network starts with its own rescale."""
    return None if graph.nodes[1].op == "rescale" else 1 / 255
