"""The front half of the compiler: SPEC text -> checked document -> Graph."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from archdsl.ir.expand import expand
from archdsl.ir.graph import Graph
from archdsl.spec.document import Document
from archdsl.spec.input_shape import normalize_input
from archdsl.spec.limits import DEFAULT_LIMITS, Limits
from archdsl.spec.params import Override, apply_params, check_outputs
from archdsl.spec.schema import check_schema
from archdsl.spec.source import decode, load_document, parse, read_bytes, resolve


def check_document(doc: Document, overrides: Iterable[Override] = ()) -> Document:
    """Schema-check ``doc``, substitute its params, and check the result again.

    The second check puts the schema's ranges on values that came from $params or
    ``--set``; its errors point where the param is used and say where it came from.
    """
    _not_a_space(doc)
    doc = normalize_input(doc)
    check_schema(doc)
    resolved, origins = apply_params(doc, tuple(overrides))
    check_schema(resolved, origins)
    check_outputs(resolved, origins)
    return resolved


# The keys only a search space has: a choice's (archdsl.space.choices.MARKERS) and an ops
# table's. Written here so that a spec, the usual case, is told from a space without
# importing archdsl.space (tests/test_not_a_space.py checks that the two agree).
SPACE_KEYS = frozenset({"choice", "times", "plus", "ops"})


def _not_a_space(doc: Document) -> None:
    """A search space given where a spec belongs: say so, rather than 'unknown key ops'."""
    if not _has_key(doc.data, SPACE_KEYS):  # the usual case, told by a quicker walk
        return
    from archdsl.errors import SpecError
    from archdsl.space.choices import space_marker

    where = space_marker(doc.data)
    if where is not None:
        what = "an ops table" if where == ("ops",) else "a choice"
        raise SpecError(
            doc.locate(where, key=where == ("ops",)),
            f"this is a search space ({what} here), not a spec: read it with archdsl space,"
            " sample or search",
        )


def _has_key(data: Any, keys: frozenset[str]) -> bool:
    """Whether any mapping in ``data`` has one of ``keys``: a choice's markers or ``ops``
    (a space has one; tests/test_not_a_space.py checks that every space is seen)."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if not keys.isdisjoint(node):
                return True
            node = node.values()
        elif not isinstance(node, list):
            continue
        for value in node:  # a loop, not a generator: this runs on every document
            if isinstance(value, dict | list):
                stack.append(value)
    return False


def compile_document(
    doc: Document, overrides: Iterable[Override] = (), limits: Limits = DEFAULT_LIMITS
) -> Graph:
    return expand(check_document(doc, overrides), limits)


def compile_spec(
    spec: str,
    overrides: Iterable[Override] = (),
    limits: Limits = DEFAULT_LIMITS,
    *,
    cache: bool = False,
) -> Graph:
    """Read SPEC (a path or a built-in name) and compile it to a Graph.

    With ``cache``, the checked document of a file is kept in the user's cache folder
    and read back while the file is unchanged (archdsl.spec.doc_cache).
    """
    from archdsl.spec import doc_cache

    if not cache or spec == "-" or not doc_cache.enabled():
        return compile_document(load_document(spec, limits), overrides, limits)
    overrides = tuple(overrides)
    path = resolve(spec)
    raw = read_bytes(path, limits)
    doc = doc_cache.load(path, raw, overrides, limits)
    if doc is None:
        text = decode(raw, path, limits)
        doc = check_document(parse(text, path, path.endswith(".arch"), limits), overrides)
        doc_cache.store(doc, path, raw, overrides, limits)
    return expand(doc, limits)
