"""DSL front end: `.arch` text -> the same located Document the YAML front end builds.

The grammar (grammar.lark) only fixes the shape of each line; this module turns the
parse tree into plain data, reading block knob names from the JSON Schema so the DSL
never keeps its own list of them. Every value and key gets a Location.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from archdsl.errors import Location, SpecError, source_excerpt
from archdsl.spec.document import Document, Path
from archdsl.spec.dsl_syntax import (
    KEY_ALIASES,
    SHORT_KNOBS,
    SHORT_WORD_RE,
    describe_expected,
    flag_value,
    has_short_form,
)
from archdsl.spec.limits import DEFAULT_LIMITS, Limits
from archdsl.spec.schema import block_knobs, block_types, schema


@cache
def parser() -> Lark:
    """The LALR parser, built once per process (its tables cached on disk by Lark)."""
    grammar = resources.files("archdsl.spec").joinpath("grammar.lark").read_text()
    return Lark(grammar, parser="lalr", lexer="contextual", cache=True, maybe_placeholders=False)


def parse_dsl(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse `.arch` text into a located ``Document``."""
    if all(not line.strip() or line.lstrip().startswith("#") for line in text.split("\n")):
        raise SpecError(Location(file, 1, 1), "empty spec: expected a model line, input and stages")
    try:
        tree = parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, file) from None
    return _Builder(file, text, limits).build(tree)


def _syntax_error(exc: UnexpectedInput, text: str, file: str) -> SpecError:
    line, col = max(exc.line, 1), max(exc.column, 1)
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        found = f"character {char!r}" if char else "end of file"
        if char == '"':
            found = 'unterminated string (no closing " on this line)'
        expected = exc.allowed
    elif isinstance(exc, UnexpectedToken):
        found = _describe_token(exc.token)
        expected = exc.accepts or exc.expected
        if exc.token.type == "$END":
            line, col = _end_position(text)
    else:  # UnexpectedEOF
        found, expected = "end of file", exc.expected
        line, col = _end_position(text)
    wanted = describe_expected(expected)
    if expected == {"NAME"} and text[: _offset(text, line, col)].rstrip().endswith("|"):
        wanted = "a block type after '|'"
    message = f"unexpected {found}; expected {wanted}"
    return SpecError(Location(file, line, col), message, source_excerpt(text, line, col))


def _offset(text: str, line: int, col: int) -> int:
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
    return starts[line - 1] + col - 1 if line <= len(starts) else len(text)


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type in ("_SEP", "_CONT"):
        return "end of line"
    return repr(str(token))


def _end_position(text: str) -> tuple[int, int]:
    body = text.rstrip(" \t\r\n")
    line = body.count("\n") + 1
    return line, len(body) - (body.rfind("\n") + 1) + 1


class _Builder:
    """Walks the parse tree, building data and locations side by side."""

    def __init__(self, file: str, text: str, limits: Limits) -> None:
        self.file = file
        self.text = text
        self.limits = limits
        self.values: dict[Path, Location] = {(): Location(file, 1, 1)}
        self.keys: dict[Path, Location] = {}
        self.data: dict[str, Any] = {}
        self.statements: dict[str, Location] = {}
        self.count = 0

    def at(self, token: Token, shift: int = 0) -> Location:
        return Location(self.file, token.line, token.column + shift)

    def put(self, path: Path, key: Location | None, value: Location) -> None:
        self.count += 1
        if self.count > self.limits.document_nodes:
            raise SpecError(
                value, f"spec too large: more than {self.limits.document_nodes:,} values"
            )
        if key is not None:
            self.keys[path] = key
        self.values[path] = value

    def build(self, tree: Tree) -> Document:
        for statement in tree.children:
            getattr(self, statement.data)(statement.children)
        if "archdsl" not in self.data:  # the format version comes with the model line
            self.data = {"archdsl": 1, **self.data}
            self.put(("archdsl",), Location(self.file, 1, 1), Location(self.file, 1, 1))
        return Document(self.data, self.file, self.text, self.values, self.keys)

    def once(self, name: str, token: Token) -> None:
        if name in self.statements:
            first = self.statements[name]
            raise SpecError(
                self.at(token),
                f"second '{token}' statement (the first is at line {first.line});"
                " continue a statement on indented lines instead",
            )
        self.statements[name] = self.at(token)

    # Header statements.

    def model(self, children: list[Token]) -> None:
        keyword, name, *title = children
        self.once("model", keyword)
        self.data["archdsl"] = 1
        self.put(("archdsl",), self.at(keyword), self.at(keyword))
        self.data["name"] = str(name)
        self.put(("name",), self.at(keyword), self.at(name))
        if title:
            self.data["title"] = self.scalar(title[0])
            self.put(("title",), self.at(title[0]), self.at(title[0]))

    def input(self, children: list[Any]) -> None:
        keyword, *parts = children
        self.once("input", keyword)
        dims = [part.children[0] for part in parts if isinstance(part, Tree)]
        self.data["input"] = [self.scalar(dim) for dim in dims]
        self.put(("input",), self.at(keyword), self.at(dims[0]))
        for i, dim in enumerate(dims):
            self.put(("input", i), None, self.at(dim))

    def params_mapping(self, keyword: Token) -> dict[str, Any]:
        if "params" not in self.data:
            self.data["params"] = {}
            self.put(("params",), self.at(keyword), self.at(keyword))
        return self.data["params"]

    def new_param(self, name: Token) -> Path:
        params = self.data["params"]
        path: Path = ("params", str(name))
        if str(name) in params:
            first = self.keys[path]
            raise SpecError(
                self.at(name), f"param '{name}' given twice (first at line {first.line})"
            )
        return path

    def params(self, children: list[Any]) -> None:
        keyword, *assigns = children
        self.once("params", keyword)
        params = self.params_mapping(keyword)
        for assign in assigns:
            name, _eq, value = assign.children
            path = self.new_param(name)
            params[str(name)] = self.value(value, path, self.at(name), 1)

    def select(self, children: list[Any]) -> None:
        keyword, selector, *rest = children
        params = self.params_mapping(keyword)
        cases = [child.children[0] for child in rest if child.data == "case_key"]
        for row in (child for child in rest if child.data == "row"):
            name, *cells = row.children
            if len(cells) != len(cases):
                where = cells[len(cases)] if len(cells) > len(cases) else name
                raise SpecError(
                    self.at(where),
                    f"select row '{name}' has {len(cells)} value{'s' * (len(cells) != 1)}"
                    f" for {len(cases)} case{'s' * (len(cases) != 1)}"
                    f" ({', '.join(self.case_text(c) for c in cases)})",
                    source_excerpt(self.text, where.line, where.column),
                )
            path = self.new_param(name)
            self.put(path, self.at(name), self.at(name))
            self.put((*path, "select"), self.at(keyword), self.at(selector))
            self.put((*path, "cases"), self.at(cases[0]), self.at(cells[0]))
            table: dict[str, Any] = {}
            for case, cell in zip(cases, cells, strict=True):
                key = self.case_text(case)
                if key in table:
                    raise SpecError(self.at(case), f"case {key!r} given twice in this select")
                table[key] = self.scalar(cell)
                self.put((*path, "cases", key), self.at(case), self.at(cell))
            params[str(name)] = {"select": str(selector), "cases": table}
        if not any(child.data == "row" for child in rest):
            raise SpecError(
                self.at(keyword),
                f"select table on '{selector}' has no rows: add indented lines 'NAME VALUE...'",
            )

    def case_text(self, token: Token) -> str:
        """A case key as written (the YAML front end also keys cases by their text)."""
        return self.scalar(token) if token.type == "STRING" else str(token)

    def defaults(self, children: list[Any]) -> None:
        keyword, *args = children
        self.once("defaults", keyword)
        known = list(schema()["properties"]["defaults"]["properties"])
        path: Path = ("defaults",)
        start = self.at(args[0].children[0]) if args else self.at(keyword)
        self.put(path, self.at(keyword), start)
        self.data["defaults"] = self.knobs(args, path, known, "defaults")

    # Sections and blocks.

    def section(self, children: list[Any]) -> None:
        keyword, *chains = children
        name = str(keyword)
        self.once(name, keyword)
        blocks = [block for chain in chains for block in chain.children if isinstance(block, Tree)]
        start = self.at(blocks[0].children[0]) if blocks else self.at(keyword)
        self.put((name,), self.at(keyword), start)
        self.data[name] = [self.block(block, (name, i)) for i, block in enumerate(blocks)]

    def block(self, tree: Tree, path: Path) -> Any:
        kind, *args = tree.children
        type_name = str(kind)
        self.put(path, None, self.at(kind))
        inner: Path = (*path, type_name)
        known = block_knobs(type_name) if type_name in block_types() else None
        short_form = self.short_form(type_name, args, known)
        if short_form is not None:
            token = short_form.children[0]
            self.put(inner, self.at(kind), self.at(token))
            return {type_name: self.scalar(token)}
        first = args[0].children[0] if args else kind
        self.put(inner, self.at(kind), self.at(first if isinstance(first, Token) else kind))
        return {type_name: self.knobs(args, inner, known, type_name)}

    def short_form(self, type_name: str, args: list[Tree], known: list[str] | None) -> Any:
        """The single value of a block written `dense $classes`, else None."""
        if known is not None and not has_short_form(type_name):
            return None
        values = [
            arg
            for arg in args
            if arg.data == "positional"
            or arg.data == "word"
            and known is not None
            and flag_value(str(arg.children[0]), known) is None
            and not SHORT_WORD_RE.match(arg.children[0])
        ]
        if not values:
            return None
        if len(args) > 1:
            token = values[0].children[0]
            if values[0].data == "word":
                raise self.unknown_knob(token, type_name, known or [])
            raise SpecError(
                self.at(token),
                f"'{type_name} {token}' is the short form of the block and takes nothing else;"
                " write each knob as key=value instead",
                source_excerpt(self.text, token.line, token.column),
            )
        return values[0]

    def unknown_knob(self, token: Token, owner: str, known: list[str]) -> SpecError:
        from difflib import get_close_matches

        close = get_close_matches(str(token), known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (knobs: {', '.join(known)})"
        return SpecError(
            self.at(token),
            f"'{token}' is not a knob of {owner}: a bare word turns a knob on ('bias')"
            f" or off ('nobias'){hint}",
            source_excerpt(self.text, token.line, token.column),
        )

    def knobs(self, args: list[Tree], path: Path, known: list[str] | None, owner: str) -> dict:
        result: dict[str, Any] = {}
        for arg in args:
            token = arg.children[0]
            if arg.data == "short":
                key, shift, value = self.short(token)
                key_at, value_at = self.at(token), self.at(token, shift)
            elif arg.data == "keyvalue":
                key = KEY_ALIASES.get(str(token), str(token))
                key_at, value_at = self.at(token), None
            elif arg.data == "word" and SHORT_WORD_RE.match(token):
                key, shift, value = self.short(token)
                key_at, value_at = self.at(token), self.at(token, shift)
            elif arg.data == "word":
                if known is None:
                    key, value = str(token), True
                else:
                    flag = flag_value(str(token), known)
                    if flag is None:
                        raise self.unknown_knob(token, owner, known)
                    key, value = flag
                key_at = value_at = self.at(token)
            else:
                raise SpecError(
                    self.at(token),
                    f"'{token}' needs a key: {owner} has no one-value form (write key={token})",
                    source_excerpt(self.text, token.line, token.column),
                )
            child = (*path, key)
            if key in result:
                first = self.keys[child]
                raise SpecError(
                    key_at,
                    f"'{key}' given twice (first at line {first.line}, column {first.col})",
                    source_excerpt(self.text, key_at.line, key_at.col),
                )
            if arg.data == "keyvalue":
                result[key] = self.value(arg.children[2], child, key_at, len(path))
            else:
                result[key] = value
                self.put(child, key_at, value_at)
        return result

    def short(self, token: Token) -> tuple[str, int, Any]:
        text = str(token)
        prefix = "se" if text.startswith("se") else text[0]
        raw = text[len(prefix) :]
        value: Any = raw
        if not raw.startswith("$") and "/" not in raw:
            value = self.number(raw, token)
        return SHORT_KNOBS[prefix], len(prefix), value

    # Values.

    def value(self, tree: Tree, path: Path, key_at: Location, depth: int) -> Any:
        if depth > self.limits.nesting:
            raise SpecError(key_at, f"spec nested more than {self.limits.nesting} levels deep")
        node = tree.children[0]
        if isinstance(node, Token):
            self.put(path, key_at, self.at(node))
            return self.scalar(node)
        brace = node.children[0]
        self.put(path, key_at, self.at(brace))
        result: dict[str, Any] = {}
        for pair in node.children[1:-1]:
            name, _eq, inner = pair.children
            child = (*path, str(name))
            if str(name) in result:
                raise SpecError(self.at(name), f"'{name}' given twice in this {{...}}")
            result[str(name)] = self.value(inner, child, self.at(name), depth + 1)
        return result

    def scalar(self, token: Token) -> Any:
        kind, text = token.type, str(token)
        if kind == "INT" or kind == "FLOAT":
            return self.number(text, token)
        if kind == "STRING":
            try:
                return json.loads(text)
            except ValueError:
                raise SpecError(
                    self.at(token),
                    'bad escape in string (use \\" \\\\ \\n \\t or \\uXXXX)',
                    source_excerpt(self.text, token.line, token.column),
                ) from None
        if kind == "NAME":
            return {"true": True, "false": False, "null": None}.get(text, text)
        return text  # REF, FRACTION

    def number(self, text: str, token: Token) -> int | float:
        if "." in text or "e" in text.lower():
            value = float(text)
            if not math.isfinite(value):
                raise SpecError(self.at(token), f"{text!r} is not a finite number")
            return value
        return int(text)
