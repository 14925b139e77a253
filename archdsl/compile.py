"""The front half of the compiler: SPEC text -> checked document -> Graph."""

from __future__ import annotations

from collections.abc import Iterable

from archdsl.errors import SpecError
from archdsl.ir.expand import expand
from archdsl.ir.graph import Graph
from archdsl.spec.document import Document
from archdsl.spec.limits import DEFAULT_LIMITS, Limits
from archdsl.spec.params import Override, apply_params
from archdsl.spec.schema import check_schema
from archdsl.spec.source import load_document


def check_document(doc: Document, overrides: Iterable[Override] = ()) -> Document:
    """Schema-check ``doc``, substitute its params, and check the result again.

    The second check puts the schema's ranges on values that came from $params or
    ``--set``; its errors point where the param is used and say where it came from.
    """
    check_schema(doc)
    resolved, origins = apply_params(doc, tuple(overrides))
    check_schema(resolved, origins)
    return resolved


def compile_document(
    doc: Document, overrides: Iterable[Override] = (), limits: Limits = DEFAULT_LIMITS
) -> Graph:
    graph = expand(check_document(doc, overrides), limits)
    _check_budget(graph, doc, limits)
    return graph


def compile_spec(
    spec: str, overrides: Iterable[Override] = (), limits: Limits = DEFAULT_LIMITS
) -> Graph:
    """Read SPEC (a path or a built-in name) and compile it to a Graph."""
    return compile_document(load_document(spec, limits), overrides, limits)


def _check_budget(graph: Graph, doc: Document, limits: Limits) -> None:
    """Refuse networks whose parameters or MACs pass the limits, at the block that does."""
    from archdsl.analysis.analyze import analyze

    sources = {block.name: block.source for block in graph.blocks}
    params = macs = 0
    for layer in analyze(graph).layers:
        params += layer.counts.params
        macs += layer.counts.macs
        for total, limit, what, flag in (
            (params, limits.params, "parameters", "--max-params"),
            (macs, limits.macs, "MACs", "--max-macs"),
        ):
            if total > limit:
                raise SpecError(
                    doc.locate(sources[layer.block], key=True),
                    f"network too large: {layer.block} brings it past {limit:,} {what} (raise it with {flag})",
                )
