"""archdsl: a compiler for mobile CNN architectures.

    import archdsl
    graph = archdsl.load("mnasnet_a1", width=0.75, classes=17)   # a path or a built-in name
    report = archdsl.analyze(graph)                              # no TensorFlow needed
    model = archdsl.to_keras(graph)                              # imports TensorFlow/Keras

Importing archdsl does not import TensorFlow; ``to_keras`` does, on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archdsl.analysis.analyze import Analysis, analyze
from archdsl.backends.keras_registry import register_when_keras_loads
from archdsl.errors import Location, SpecError
from archdsl.ir.graph import Graph

if TYPE_CHECKING:
    import keras

__version__ = "0.1.0"
__all__ = ["Analysis", "Graph", "Location", "SpecError", "analyze", "load", "to_keras"]

# Saved .keras files hold archdsl's custom layers: make Keras find them, without importing it.
register_when_keras_loads()


def load(spec: str, **overrides: Any) -> Graph:
    """Compile SPEC (a file path or a built-in name) to a Graph; keywords override params.

    ``input`` may be given as an int (square) or an "HxWxC" string.
    """
    from archdsl.compile import compile_spec
    from archdsl.spec.params import Override

    return compile_spec(
        spec,
        [
            Override(name, value, f"{name}={value!r}", via="load")
            for name, value in overrides.items()
        ],
    )


def to_keras(graph: Graph) -> keras.Model:
    """Build the Keras 3 functional model of ``graph`` (layer names are node names)."""
    from archdsl.backends.keras_backend import to_keras as build

    return build(graph)
