"""YAML front end: a safe composer walk that keeps a location for every node.

PyYAML's composer already gives each node a start mark; we turn the node tree into
plain data ourselves (never PyYAML's full constructor), so only the YAML 1.1 core types
are built, every tag outside them is an error, and aliases cannot multiply the work.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from archdsl.errors import Location, SpecError, source_excerpt
from archdsl.record import Record
from archdsl.spec.document import Document, Path
from archdsl.spec.input_shape import normalize_input
from archdsl.spec.limits import DEFAULT_LIMITS, Limits

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # YAML 1.1's line breaks
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_SCALAR_TAGS = {"tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null")}


def parse_yaml(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse one YAML document into a located ``Document``."""
    try:
        _check_size(text, file, limits)
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(text, file, exc) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(text, file, exc) from None
    except yaml.YAMLError as exc:
        raise SpecError(Location(file, 1, 1), f"cannot read YAML: {exc}") from None
    except RecursionError:
        raise SpecError(Location(file, 1, 1), "YAML nested too deeply") from None
    if not nodes or nodes[0] is None:
        raise SpecError(
            Location(file, 1, 1), "empty spec: expected a mapping with archdsl, name, input, stages"
        )
    if len(nodes) > 1:
        raise _located(
            text, file, nodes[1].start_mark, "a spec holds one YAML document; found another here"
        )
    walker = _Walker(text, file, limits)
    data = walker.walk(nodes[0], (), 0)
    return normalize_input(Document(data, file, text, walker.values, walker.keys))


def _check_size(text: str, file: str, limits: Limits) -> None:
    """Count values and nesting in the event stream, before PyYAML builds any node.

    Composing a document costs far more time and memory than reading its events, so a
    document over the limits fails here, after reading only as much as the limit allows.
    """
    count = depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.NodeEvent):
            count += 1
            if count > limits.document_nodes:
                raise SpecError(_where(text, file, event.start_mark), _too_many(limits))
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limits.nesting:
                raise SpecError(_where(text, file, event.start_mark), _too_deep(limits))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _too_many(limits: Limits) -> str:
    return (
        f"spec too large: more than {limits.document_nodes:,} values"
        " (an alias that expands again and again?; raise it with --max-values)"
    )


def _too_deep(limits: Limits) -> str:
    return f"spec nested more than {limits.nesting} levels deep (raise it with --max-nesting)"


def _clip(text: str) -> str:
    """At most 60 characters of ``text``: a message must not echo a megabyte of spec."""
    return text if len(text) <= 60 else text[:57] + "..."


def _where(text: str, file: str, mark: Any) -> Location:
    """The mark's place, kept inside the text.

    libyaml puts the end of an unterminated last line (and a document that is only
    ``---``) one line past it.
    """
    line, col = mark.line + 1, mark.column + 1
    if line > 1 and line > text.count("\n") + 1:
        lines = _LINE_BREAK.split(text)
        if line > len(lines):
            line, col = len(lines), len(lines[-1]) + 1
    return Location(file, line, col)


def _reader_error(text: str, file: str, exc: yaml.reader.ReaderError) -> SpecError:
    """A character YAML refuses; libyaml reports its UTF-8 byte offset, not a line."""
    head = text.encode("utf-8")[: exc.position].decode("utf-8", "ignore")
    line = head.count("\n") + 1
    col = len(head) - (head.rfind("\n") + 1) + 1
    code = ord(exc.character) if isinstance(exc.character, str) else exc.character
    return SpecError(
        Location(file, line, col),
        f"invalid YAML: character U+{code:04X} is not allowed ({exc.reason})",
        source_excerpt(text, line, col),
    )


def _syntax_error(text: str, file: str, exc: yaml.MarkedYAMLError) -> SpecError:
    from archdsl.spec.yaml_errors import explain  # only a spec with a mistake needs it

    explained = explain(exc, text)
    if explained is not None:
        where = _where(text, file, _Mark(explained.line, explained.column))
        return SpecError(
            where,
            f"invalid YAML: {explained.message}",
            source_excerpt(text, where.line, where.col),
        )
    parts = [p for p in (exc.context, exc.problem) if p]
    message = "; ".join(parts) or "invalid YAML"
    return _located(text, file, exc.problem_mark or exc.context_mark, f"invalid YAML: {message}")


class _Mark(Record):
    """A 0-based line and column, as PyYAML's marks give them."""

    line: int
    column: int


def _located(text: str, file: str, mark: Any, message: str) -> SpecError:
    where = _where(text, file, mark) if mark else Location(file, 1, 1)
    return SpecError(where, message, source_excerpt(text, where.line, where.col))


class _Walker:
    def __init__(self, text: str, file: str, limits: Limits) -> None:
        self.text = text
        self.file = file
        self.limits = limits
        self.values: dict[Path, Location] = {}
        self.keys: dict[Path, Location] = {}
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def where(self, node: yaml.Node) -> Location:
        return _where(self.text, self.file, node.start_mark)

    def walk(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > self.limits.document_nodes:
            raise SpecError(self.where(node), _too_many(self.limits))
        if depth > self.limits.nesting:
            raise SpecError(self.where(node), _too_deep(self.limits))
        self.values[path] = self.where(node)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise SpecError(
                    self.where(node), f"YAML tag {_clip(node.tag)!r} is not allowed in a spec"
                )
            return [self.walk(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            raise SpecError(
                self.where(node), f"YAML tag {_clip(node.tag)!r} is not allowed in a spec"
            )
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError(self.where(key_node), "a mapping key must be a plain name")
            if key_node.tag == _MERGE_TAG:
                raise SpecError(
                    self.where(key_node), "YAML merge keys (<<) are not supported in a spec"
                )
            if key_node.tag not in _SCALAR_TAGS:
                raise SpecError(
                    self.where(key_node),
                    f"YAML tag {_clip(key_node.tag)!r} is not allowed in a spec",
                )
            # The key's own text: `0.5: 48` keys a table by "0.5", as written.
            key = key_node.value
            child = (*path, key)
            if key in result:
                first = self.keys[child]
                raise SpecError(
                    self.where(key_node),
                    f"duplicate key {_clip(key)!r} (first given at line {first.line})",
                )
            self.keys[child] = self.where(key_node)
            result[key] = self.walk(value_node, child, depth + 1)
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise SpecError(
                self.where(node), f"YAML tag {_clip(node.tag)!r} is not allowed in a spec"
            )
        if node.tag in _NUMBER_TAGS and len(node.value) > 100:
            raise SpecError(self.where(node), f"number {_clip(node.value)!r} is too long")
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError, OverflowError) as exc:
            raise SpecError(self.where(node), f"bad value {_clip(node.value)!r}: {exc}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise SpecError(self.where(node), f"{_clip(node.value)!r} is not a finite number")
        return value
