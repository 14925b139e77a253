"""DSL front end: `.arch` text -> the same located Document the YAML front end builds.

The grammar (grammar.lark) only fixes the shape of each line; dsl_parser.py, Lark's
standalone LALR parser generated from it (generate_parser.py), parses it without importing
Lark. This module turns the parse tree into plain data, reading block knob names from the
JSON Schema so the DSL never keeps its own list of them. Every value and key gets a Location.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from typing import Any

from archdsl.errors import Location, SpecError, source_excerpt
from archdsl.spec.document import Document, Path
from archdsl.spec.dsl_parser import (
    Lark,
    Lark_StandAlone,
    Token,
    Tree,
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
)
from archdsl.spec.dsl_syntax import (
    KEY_ALIASES,
    SHORT_KNOBS,
    SHORT_WORD_RE,
    STATEMENTS,
    clip,
    describe_expected,
    flag_value,
    has_short_form,
)
from archdsl.spec.input_shape import DEFAULT_CHANNELS
from archdsl.spec.limits import DEFAULT_LIMITS, Limits
from archdsl.spec.schema import block_knobs, block_types, schema
from archdsl.spec.spellings import OTHER_NAMES, key_hint, knob_for


@cache
def parser() -> Lark:
    """The LALR parser, built once per process from the generated module's tables."""
    return Lark_StandAlone()


# A line that holds more than blanks and a comment, and its indentation.
_CONTENT_LINE = re.compile(r"^([ \t\r]*)[^ \t\r\n#]", re.MULTILINE)
# The DSL's tokens, roughly (blanks are skipped): enough to count values, not to parse.
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\n|[|={}]|[^\s|={}"#]+')
# The fewest values a statement's own keyword adds: an empty 'params' line after a
# select adds none (the select made the params mapping), nor does a 'select' line.
_KEYWORD_VALUES = {"model": 2, "input": 4, "defaults": 1, "stem": 1, "stages": 1, "head": 1}
_SECTIONS = ("stem", "stages", "head")
_KEYWORD, _BLOCK = "\0keyword", "\0block"  # what came before a token, beside tokens


def _indentation(match: re.Match[str]) -> bool:
    """Whether a _CONTENT_LINE match is indented as the grammar's _CONT sees it."""
    return bool(match.group(1)) and "\r" not in match.group(1)


def parse_dsl(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse `.arch` text into a located ``Document``."""
    first = _CONTENT_LINE.search(text)
    if first is None:
        raise SpecError(Location(file, 1, 1), "empty spec: expected a model line, input and stages")
    if _indentation(first):
        raise _indented(text, file, first.end(1), "there is no statement above it to continue")
    # If the first lines must hold more values than the limit allows, parse only them:
    # the builder stops at the first value too many without Lark parsing the rest of a
    # file of up to 4 MB (seconds and hundreds of MB).
    source = text[: _value_bound(text, limits)]
    try:
        if len(source) < len(text):
            _Builder(file, text, limits).build(parser().parse(source))
            source = text  # not reached unless the lines hold fewer values than expected
        tree = parser().parse(source)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, file, len(source)) from None
    return _Builder(file, text, limits).build(tree)


def _value_bound(text: str, limits: Limits) -> int:
    """The end of a first part of ``text`` that must hold more than the values limit.

    Counts the fewest values the tokens add, without parsing, in half values: each
    word of params and defaults adds at least half a value (``key=value`` is one), each
    block two (the item and its type; its first argument may be its short form, the
    others add half a value each), each word of a select row one (a row of n cells adds
    n + 3). The part ends where the parser may stop and the builder sees every value and
    error in it as in the whole file: at a line end, before a '|' of a chain, or before
    an argument of params or defaults. Returns ``len(text)`` if the whole file may hold
    no more values than the limit.
    """
    limit = 2 * limits.document_nodes
    halves = depth = 0
    statement = previous = ""
    line_start = 0
    for match in _TOKEN.finditer(text):
        token, at = match.group(), match.start()
        if token == "\n":
            if halves > limit:
                return at + 1
            line_start, previous, depth = at + 1, "\n", 0
            continue
        if token[0] == "#":
            continue
        if halves > limit and depth == 0:
            if statement in _SECTIONS and token == "|":
                return at
            if statement in ("params", "defaults") and token not in ("=", "}") and previous != "=":
                return at
        if previous == "\n" or line_start == 0 and previous == "":
            indent = text[line_start:at]
            if not indent or "\r" in indent:  # a new statement (see _indentation)
                statement, previous = token, _KEYWORD
                halves += 2 * _KEYWORD_VALUES.get(token, 0)
                continue
            previous = "|"  # an indented line of a section starts a block
        if token in ("{", "}"):
            depth += 1 if token == "{" else -1
        elif token not in ("|", "="):
            if statement in _SECTIONS:
                starts_block = previous in (_KEYWORD, "|")
                halves += 4 if starts_block else 0 if previous == _BLOCK else 1
                token = _BLOCK if starts_block else token
            elif statement in ("params", "defaults"):
                halves += 1
            elif statement == "select" and text[line_start] in " \t":
                halves += 2  # a word of a row (the select line adds none)
        previous = token
    return len(text)


def _position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of ``offset`` (only \\n ends a line)."""
    start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - start + 1


def _indented(text: str, file: str, offset: int, why: str) -> SpecError:
    """An indented line where no statement can continue: it would start a statement."""
    line, col = _position(text, offset)
    try:
        token = next(iter(parser().lex(text[offset : offset + 100])), None)
        found = _describe_token(token) if token is not None else "end of file"
    except UnexpectedInput:
        found = f"character {text[offset]!r}"
    return SpecError(
        Location(file, line, col),
        f"unexpected {found}; expected a statement at column 1 ({why})",
        source_excerpt(text, line, col),
    )


def _short_alternative(knob: str, value: str) -> str:
    short = {name: short for short, name in SHORT_KNOBS.items()}.get(knob)
    return f" (or {short}{value})" if short else ""


def _knob_with_value(word: str, known: list[str]) -> str:
    """A hint for a knob name run into its value: `expansion6`, `kernel3`, `t6`."""
    match = re.fullmatch(r"([A-Za-z_]+?)_?([0-9]+(?:\.[0-9]+)?)", word)
    if not match:
        return ""
    knob = knob_for(match.group(1), known)
    if knob is None or match.group(1) not in (knob, *_names_for(knob)):
        return ""
    value = match.group(2)
    return f"; did you mean {knob}={value}{_short_alternative(knob, value)}?"


def _names_for(knob: str) -> list[str]:
    return [name for name, target in OTHER_NAMES.items() if target == knob]


def _indented_statement(text: str, file: str, line: int, col: int, owner: str) -> SpecError:
    """A statement keyword on an indented line, which continues the ``owner`` statement."""
    word = text.split("\n")[line - 1][col - 1 :].split()[0]
    return SpecError(
        Location(file, line, col),
        f"'{word}' is indented, so it continues the '{owner}' statement above;"
        f" start '{word}' at column 1",
        source_excerpt(text, line, col),
    )


def _statement_above(text: str, line: int) -> str | None:
    """The keyword of the statement that an indented ``line`` continues."""
    for above in reversed(text.split("\n")[: line - 1]):
        words = above.split()
        if above[:1] not in ("", " ", "\t", "#") and words and words[0] in STATEMENTS:
            return words[0]
    return None


def _syntax_error(exc: UnexpectedInput, text: str, file: str, parsed: int) -> SpecError:
    """Lark's error parsing ``text[:parsed]`` (all of it, or the part up to the values
    limit), as a SpecError with the source line and a caret."""
    line, col = max(exc.line, 1), max(exc.column, 1)
    source = text.split("\n")[line - 1] if line <= text.count("\n") + 1 else ""
    indented = re.match(r"[ \t]+([a-z]+)\b", source)
    owner = _statement_above(text, line)
    if indented and indented.group(1) in STATEMENTS and owner not in (None, "model", "input"):
        return _indented_statement(text, file, line, indented.start(1) + 1, owner)
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
            line, col = _end_position(text[:parsed])
        elif exc.token.type == "_CONT" and "_SEP" in expected:
            # The statement is complete and cannot continue (model, input).
            why = "only params, select, defaults, stem, stages and head continue on indented lines"
            return _indented(text, file, exc.token.end_pos, why)
    else:  # UnexpectedEOF
        found, expected = "end of file", exc.expected
        line, col = _end_position(text[:parsed])
    if isinstance(exc, UnexpectedToken) and exc.token.type == "RBRACE" and expected == {"BAR"}:
        return _one_in_braces(text, file, exc.token.start_pos)
    wanted = describe_expected(expected)
    if expected == {"NAME"} and text[: _offset(text, line, col)].rstrip().endswith("|"):
        wanted = "a block type after '|'"
    message = f"unexpected {found}; expected {wanted}"
    return SpecError(Location(file, line, col), message, source_excerpt(text, line, col))


def _one_in_braces(text: str, file: str, end: int) -> SpecError:
    """`{0.001}`: one value in braces is neither a mapping nor a choice."""
    start = text.rfind("{", 0, end) + 1
    start += len(text[start:end]) - len(text[start:end].lstrip())
    line, col = _position(text, start)
    value = clip(text[start:end].strip())
    return SpecError(
        Location(file, line, col),
        f"unexpected {value!r} alone in braces: a mapping is {{key=value ...}},"
        " a choice {a|b} lists two options at least",
        source_excerpt(text, line, col),
    )


def _offset(text: str, line: int, col: int) -> int:
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
    return starts[line - 1] + col - 1 if line <= len(starts) else len(text)


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type in ("_SEP", "_CONT"):
        return "end of line"
    return repr(clip(str(token)))


def _known_knobs(type_name: str) -> list[str] | None:
    """The knobs a block type takes; a space's searched ``block`` takes its op and the
    knobs of every block type (the space checks which ones its ops take)."""
    if type_name in block_types():
        return block_knobs(type_name)
    if type_name == "block":
        knobs = dict.fromkeys(knob for kind in block_types() for knob in block_knobs(kind))
        return ["op", "per", *knobs]
    return None


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
                value,
                f"spec too large: more than {self.limits.document_nodes:,} values"
                " (raise it with --max-values)",
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
        values = [self.scalar(dim) for dim in dims]
        if len(values) < 3:  # 224 or 224x224: a square side, 3 channels
            values = [values[0], values[-1], DEFAULT_CHANNELS]
            dims = [dims[0], dims[-1], dims[-1]]
        self.data["input"] = values
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
                self.at(name), f"param '{clip(name)}' given twice (first at line {first.line})"
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
                    f"select row '{clip(name)}' has {len(cells)} value{'s' * (len(cells) != 1)}"
                    f" for {len(cases)} case{'s' * (len(cases) != 1)}"
                    f" ({clip(', '.join(self.case_text(c) for c in cases))})",
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
                    raise SpecError(self.at(case), f"case {clip(key)!r} given twice in this select")
                table[key] = self.scalar(cell)
                self.put((*path, "cases", key), self.at(case), self.at(cell))
            params[str(name)] = {"select": str(selector), "cases": table}
        if not any(child.data == "row" for child in rest):
            raise SpecError(
                self.at(keyword),
                f"select table on '{clip(selector)}' has no rows:"
                " add indented lines 'NAME VALUE...'",
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

    def ops(self, children: list[Any]) -> None:
        """A space's op table: each row names an op and the block it stands for."""
        keyword, *rows = children
        self.once("ops", keyword)
        first = rows[0].children[0]
        self.put(("ops",), self.at(keyword), self.at(first))
        table: dict[str, Any] = {}
        for row in rows:
            name, tree = row.children
            path: Path = ("ops", str(name))
            if str(name) in table:
                first_at = self.keys[path]
                raise SpecError(
                    self.at(name), f"op '{clip(name)}' given twice (first at line {first_at.line})"
                )
            table[str(name)] = self.block(tree, path)
            self.keys[path] = self.at(name)
        self.data["ops"] = table

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
        if type_name in STATEMENTS:
            raise self.statement_as_block(kind, path[0])
        self.check_spaced_short(args, _known_knobs(type_name))
        self.put(path, None, self.at(kind))
        inner: Path = (*path, type_name)
        known = _known_knobs(type_name)
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
                f"'{clip(type_name)} {clip(token)}' is the short form of the block"
                " and takes nothing else;"
                " write each knob as key=value instead",
                source_excerpt(self.text, token.line, token.column),
            )
        return values[0]

    def statement_as_block(self, kind: Token, owner: Any) -> SpecError:
        """A statement keyword where a block type or knob belongs: mostly an indented one."""
        line_start = self.text.rfind("\n", 0, kind.start_pos) + 1
        if self.text[line_start : kind.start_pos].strip(" \t") == "":
            return _indented_statement(self.text, self.file, kind.line, kind.column, str(owner))
        return SpecError(
            self.at(kind),
            f"'{kind}' starts a statement, not a block; start it on a line of its own",
            source_excerpt(self.text, kind.line, kind.column),
        )

    def check_spaced_short(self, args: list[Tree], known: list[str] | None) -> None:
        """`c 24` or `filters 24`: a knob and its value written apart, as a word and a value."""
        for arg, following in zip(args, args[1:], strict=False):
            token = arg.children[0]
            if arg.data != "word" or following.data != "positional":
                continue
            word, value = str(token), clip(following.children[0])
            if word in SHORT_KNOBS:
                advice = (
                    "write a short knob and its value without a space,"
                    f" {word}{value} (or {SHORT_KNOBS[word]}={value})"
                )
            elif known is not None and knob_for(word, known) == word:
                advice = f"write {word}={value}{_short_alternative(word, value)}"
            else:
                continue
            raise SpecError(
                self.at(token),
                f"'{clip(word)} {value}': {advice}",
                source_excerpt(self.text, token.line, token.column),
            )

    def unknown_knob(self, token: Token, owner: str, known: list[str]) -> SpecError:
        hint = _knob_with_value(str(token), known) or key_hint(str(token), known)
        hint = hint or f" (knobs: {', '.join(known)})"
        return SpecError(
            self.at(token),
            f"'{clip(token)}' is not a knob of {owner}: a bare word turns a knob on ('bias')"
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
            elif arg.data == "shortchoice":
                prefix = "se" if token.startswith("se") else token[0]
                key, key_at = SHORT_KNOBS[prefix], self.at(token)
            elif arg.data == "keyvalue":
                key = KEY_ALIASES.get(str(token), str(token))
                key_at, value_at = self.at(token), None
            elif arg.data == "word" and SHORT_WORD_RE.match(token):
                key, shift, value = self.short(token)
                key_at, value_at = self.at(token), self.at(token, shift)
            elif arg.data == "word" and str(token) in STATEMENTS and owner == "defaults":
                raise self.statement_as_block(token, owner)
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
                    f"'{clip(token)}' needs a key: {clip(owner)} has no one-value form"
                    f" (write key={clip(token)})",
                    source_excerpt(self.text, token.line, token.column),
                )
            child = (*path, key)
            if key in result:
                first = self.keys[child]
                raise SpecError(
                    key_at,
                    f"'{clip(key)}' given twice (first at line {first.line}, column {first.col})",
                    source_excerpt(self.text, key_at.line, key_at.col),
                )
            if arg.data == "keyvalue":
                result[key] = self.value(arg.children[2], child, key_at, len(path))
            elif arg.data == "shortchoice":
                result[key] = self.choice(arg.children, child, key_at, len(prefix))
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
            value = self.number(raw, token, len(prefix))
        return SHORT_KNOBS[prefix], len(prefix), value

    # Values.

    def value(self, tree: Tree, path: Path, key_at: Location, depth: int) -> Any:
        if depth > self.limits.nesting:
            raise SpecError(
                key_at,
                f"spec nested more than {self.limits.nesting} levels deep"
                " (raise it with --max-nesting)",
            )
        node = tree.children[0]
        if isinstance(node, Token):
            self.put(path, key_at, self.at(node))
            return self.scalar(node)
        if node.data == "choice":
            return self.choice(node.children, path, key_at, 0)
        brace = node.children[0]
        self.put(path, key_at, self.at(brace))
        result: dict[str, Any] = {}
        for pair in node.children[1:-1]:
            name, _eq, inner = pair.children
            child = (*path, str(name))
            if str(name) in result:
                raise SpecError(self.at(name), f"'{clip(name)}' given twice in this {{...}}")
            result[str(name)] = self.value(inner, child, self.at(name), depth + 1)
        return result

    def choice(self, children: list[Token], path: Path, key_at: Location, shift: int) -> Any:
        """A choice as the YAML spells it: ``{choice: [...]}``, or relative to a base,
        ``{of: N, times: [...]}`` (24x{...}) and ``{of: N, plus: [...]}`` (2+{...}).
        ``shift`` is where the base starts in the opening token (after a short knob)."""
        opener, *rest = children
        per = rest.pop() if rest[-1].type == "PER" else None
        options = [token for token in rest if token.type not in ("BAR", "RBRACE")]
        text = str(opener)[shift:-1]
        self.put(path, key_at, self.at(opener))
        result: dict[str, Any] = {}
        listed = "choice"
        if text:
            listed = "times" if text.endswith("x") else "plus"
            result["of"] = int(text[:-1])
            self.put((*path, "of"), self.at(opener, shift), self.at(opener, shift))
        self.put((*path, listed), self.at(opener), self.at(opener, len(str(opener)) - 1))
        values = []
        for index, token in enumerate(options):
            self.put((*path, listed, index), None, self.at(token))
            values.append(int(token) if token.type == "SIGNED" else self.scalar(token))
        result[listed] = values
        if per is not None:
            result["per"] = str(per)[1:]
            self.put((*path, "per"), self.at(per), self.at(per, 1))
        return result

    def scalar(self, token: Token) -> Any:
        kind, text = token.type, str(token)
        if kind == "INT" or kind == "FLOAT":
            return self.number(text, token)
        if kind == "STRING":
            try:
                value = json.loads(text)
                value.encode("utf-8")
            except UnicodeEncodeError as exc:  # JSON reads "\\ud800" as half a character
                raise SpecError(
                    self.at(token),
                    f"bad escape in string: \\u{ord(exc.object[exc.start]):04x} is half of a"
                    " surrogate pair (write the character itself)",
                    source_excerpt(self.text, token.line, token.column),
                ) from None
            except ValueError:
                raise SpecError(
                    self.at(token),
                    'bad escape in string (use \\" \\\\ \\n \\t or \\uXXXX)',
                    source_excerpt(self.text, token.line, token.column),
                ) from None
            return value
        if kind == "NAME":
            return {"true": True, "false": False, "null": None}.get(text, text)
        return text  # REF, FRACTION

    def number(self, text: str, token: Token, shift: int = 0) -> int | float:
        """The number ``text`` (the value of ``token`` from column ``shift`` on)."""
        if len(text) > 100:  # as in YAML; int() refuses 4,300 digits with a ValueError
            raise SpecError(self.at(token, shift), f"number {clip(text)!r} is too long")
        if "." in text or "e" in text.lower():
            value = float(text)
            if not math.isfinite(value):
                raise SpecError(self.at(token), f"{clip(text)!r} is not a finite number")
            return value
        return int(text)
