"""archdsl: a compiler for mobile CNN architectures.

    import archdsl
    graph = archdsl.load("mnasnet_a1", width=0.75, classes=17)   # a path or a built-in name
    report = archdsl.analyze(graph)                              # no TensorFlow needed
    model = archdsl.to_keras(graph)                              # imports TensorFlow/Keras

Importing archdsl does not import TensorFlow; ``to_keras`` does, on first use.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from archdsl.analysis.analyze import Analysis, analyze
from archdsl.backends.keras_registry import register_when_keras_loads
from archdsl.errors import Location, SpecError, SpecWarning, source_excerpt
from archdsl.ir.graph import Graph
from archdsl.spec.params import Override

if TYPE_CHECKING:
    import keras

__version__ = "0.1.0"
__all__ = [
    "Analysis",
    "Graph",
    "Location",
    "SpecError",
    "SpecWarning",
    "analyze",
    "load",
    "to_keras",
]

# Saved .keras files hold archdsl's custom layers: make Keras find them, without importing it.
register_when_keras_loads()


def load(spec: str | os.PathLike[str] | Mapping[str, Any], **overrides: Any) -> Graph:
    """Compile SPEC to a Graph; keywords override params (as ``--set`` does).

    SPEC is a file path (``str`` or ``pathlib.Path``), a built-in name, or a document as a
    dict (what a YAML spec parses to). ``input`` may be an int (square), a
    ``(height, width[, channels])`` tuple, or an ``"HxWxC"`` string. A mistake raises
    ``SpecError``; for a dict its location points into the dict written as YAML, and the
    message shows that line. Warnings are in ``graph.warnings``.
    """
    from archdsl.compile import compile_document, compile_spec

    changes = [_override(name, value) for name, value in overrides.items()]
    if isinstance(spec, Mapping):
        doc = _document(spec)
        try:
            graph = compile_document(doc, changes)
        except SpecError as error:
            if error.location and error.location.file == DICT_FILE and not error.detail:
                error.detail = source_excerpt(doc.text, error.location.line, error.location.col)
            raise
    else:
        graph = compile_spec(os.fspath(spec), changes)
    for warning in graph.warnings:
        warnings.warn(warning, stacklevel=2)
    return graph


DICT_FILE = "<dict>"


def _override(name: str, value: Any) -> Override:
    text = f"{name}={value!r}"
    if name == "input" and isinstance(value, tuple | list):
        value = "x".join(str(v) for v in value)
    return Override(name, value, text, via="load")


def _document(data: Mapping[str, Any]) -> Any:
    """A dict spec as a located Document: written as YAML, then read like a file."""
    import yaml

    from archdsl.spec.yaml_front import parse_yaml

    try:
        text = yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True)
    except yaml.representer.RepresenterError as error:
        kind = type(error.args[1]).__name__ if len(error.args) > 1 else "value"
        raise SpecError(
            None,
            f"the spec dict holds a value of type {kind}; a spec holds only dicts, lists, strings, numbers,"
            " booleans and None",
        ) from None
    return parse_yaml(text, DICT_FILE)


def _plain(value: Any) -> Any:
    """Tuples as lists, so a dict built in Python reads as the YAML it stands for."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def to_keras(graph: Graph) -> keras.Model:
    """Build the Keras 3 functional model of ``graph`` (layer names are node names)."""
    from archdsl.backends.keras_backend import to_keras as build

    return build(graph)
