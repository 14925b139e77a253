"""Regenerate ``dsl_parser.py``, the DSL's parser, from ``grammar.lark`` with Lark's standalone tool.

``python -m archdsl.spec.generate_parser`` (or ``make parser``) after editing the grammar; it
needs the ``grammar`` extra (Lark, pinned: the file holds Lark's own runtime code). The
generated module parses with the options dsl_front.py used to give Lark (LALR, contextual
lexer, no placeholders) and imports nothing of Lark, which takes about 45 ms to import.

Lark numbers the LALR states and tokens in the order of sets of objects hashed by id, so two
runs give two numberings of the same table. This module renumbers them canonically (tokens by
name; states in breadth-first order from the start state, shifts taken by token name), so the
file is a function of the grammar and Lark's version alone, and a test can check that
regenerating it gives exactly the checked-in file.

Lark's code is kept as the tool writes it except for the ``EDITS`` below, each marked
``archdsl:`` in the file; none changes what the parser does. They are for a first run,
which imports this module and parses once:

- its logger, set to report nothing below CRITICAL, and nothing it logs is CRITICAL,
  becomes an object that drops every record: no ``logging`` (about 5 ms);
- ``TextSlice``, a frozen dataclass, is written out as the class the decorator would
  make (same fields, ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, read-only
  attributes): no ``dataclasses``, which imports ``inspect`` (about 6 ms together);
- ``inspect`` is imported where the Transformer's ``v_args`` uses it, which parsing never
  does, and ``pickle`` where Lark's cache, ``save`` and ``load`` use it (about 2 ms);
  ``zlib`` and ``base64``, imported for a compressed table this file does not have, go;
- the contextual lexer's scanner tries each terminal's pattern in Lark's order instead of
  one regex uniting them (``(?P<NAME>pattern)|...``, which matches with its first
  alternative that matches: the same token): Python compiles each pattern once per
  process rather than once per parser state inside a union, and matching is quicker
  (parsing the 8 built-in ``.arch`` specs first in a process: 119M instructions instead
  of 156M, under valgrind; the import edits above take importing the file from 75M to 35M).
"""

from __future__ import annotations

import os
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
GRAMMAR = os.path.join(HERE, "grammar.lark")
TARGET = os.path.join(HERE, "dsl_parser.py")
HEADER = (
    "# Generated from grammar.lark by archdsl/spec/generate_parser.py (make parser): do not edit.\n"
    "# Lark's standalone parser; its code is under the Mozilla Public License 2.0 (see below),\n"
    "# with changes marked 'archdsl:' for a quicker first run (modules imported only where\n"
    "# used, one regex per terminal); what it parses and reports is unchanged.\n"
    "# ruff: noqa\n"
)
# Lark's code as the standalone tool writes it -> ours (see the module's docstring).
_PICKLE = "import pickle  # archdsl: imported where used, not by every run\n"
EDITS = (
    ("import logging\n", ""),
    (
        'logger: logging.Logger = logging.getLogger("lark")\n'
        "logger.addHandler(logging.StreamHandler())\n",
        "class _QuietLogger:  # archdsl: Lark's logger at CRITICAL, without importing logging\n"
        "    def _drop(self, *args, **kwargs):\n"
        "        pass\n"
        "    debug = info = warning = error = exception = _drop\n"
        "logger = _QuietLogger()\n",
    ),
    ("logger.setLevel(logging.CRITICAL)\n", ""),
    ("from dataclasses import dataclass\n", ""),
    (
        "@dataclass(frozen=True)\n"
        "class TextSlice(Generic[AnyStr]):\n"
        "    #--\n"
        "    text: AnyStr\n"
        "    start: int\n"
        "    end: int\n",
        "class TextSlice(Generic[AnyStr]):\n"
        "    #--\n"
        "    # archdsl: Lark's @dataclass(frozen=True), written out without importing dataclasses\n"
        "    text: AnyStr\n"
        "    start: int\n"
        "    end: int\n"
        "    __match_args__ = ('text', 'start', 'end')\n"
        "\n"
        "    def __init__(self, text: AnyStr, start: int, end: int):\n"
        "        object.__setattr__(self, 'text', text)\n"
        "        object.__setattr__(self, 'start', start)\n"
        "        object.__setattr__(self, 'end', end)\n"
        "        self.__post_init__()\n"
        "\n"
        "    def __repr__(self):\n"
        "        return f'{type(self).__qualname__}(text={self.text!r}, start={self.start!r}, end={self.end!r})'\n"
        "\n"
        "    def __eq__(self, other):\n"
        "        if other.__class__ is self.__class__:\n"
        "            return (self.text, self.start, self.end) == (other.text, other.start, other.end)\n"
        "        return NotImplemented\n"
        "\n"
        "    def __hash__(self):\n"
        "        return hash((self.text, self.start, self.end))\n"
        "\n"
        "    def __setattr__(self, name, value):\n"
        "        raise AttributeError(f'cannot assign to field {name!r}')\n"
        "\n"
        "    def __delattr__(self, name):\n"
        "        raise AttributeError(f'cannot delete field {name!r}')\n",
    ),
    ("from inspect import getmembers, getmro\n", ""),
    (
        "        mro = getmro(cls)\n",
        "        from inspect import getmembers, getmro  # archdsl: imported where used\n"
        "        mro = getmro(cls)\n",
    ),
    (
        "    def _build_mres(self, terminals, max_size):\n"
        "        ##\n"
        "\n"
        "        ##\n"
        "\n"
        "        ##\n"
        "\n"
        "        mres = []\n"
        "        while terminals:\n"
        "            pattern = u'|'.join(u'(?P<%s>%s)' % (t.name, t.pattern.to_regexp()) for t in terminals[:max_size])\n"
        "            if self.use_bytes:\n"
        "                pattern = pattern.encode('latin-1')\n"
        "            try:\n"
        "                mre = self.re_.compile(pattern, self.g_regex_flags)\n"
        "            except AssertionError:  ##\n"
        "\n"
        "                return self._build_mres(terminals, max_size // 2)\n"
        "\n"
        "            mres.append(mre)\n"
        "            terminals = terminals[max_size:]\n"
        "        return mres\n"
        "\n"
        "    def match(self, text: TextSlice, pos):\n"
        "        for mre in self._mres:\n"
        "            m = mre.match(text.text, pos, text.end)\n"
        "            if m:\n"
        "                return m.group(0), m.lastgroup\n"
        "\n"
        "\n"
        "    def fullmatch(self, text: str) -> Optional[str]:\n"
        "        for mre in self._mres:\n"
        "            m = mre.fullmatch(text)\n"
        "            if m:\n"
        "                return m.lastgroup\n"
        "        return None\n",
        "    def _build_mres(self, terminals, max_size):\n"
        "        # archdsl: each terminal's own pattern, tried in Lark's order, in place of one union\n"
        "        # of them all, '(?P<NAME>pattern)|...': a union matches with its first alternative\n"
        "        # that matches, so the token is the same; each pattern is compiled once per process\n"
        "        # (re's cache) rather than once per parser state, inside a union.\n"
        "        mres = []\n"
        "        for t in terminals:\n"
        "            pattern = t.pattern.to_regexp()\n"
        "            if self.use_bytes:\n"
        "                pattern = pattern.encode('latin-1')\n"
        "            mres.append((self.re_.compile(pattern, self.g_regex_flags), t.name))\n"
        "        return mres\n"
        "\n"
        "    def match(self, text: TextSlice, pos):\n"
        "        for mre, name in self._mres:\n"
        "            m = mre.match(text.text, pos, text.end)\n"
        "            if m:\n"
        "                return m.group(0), name\n"
        "\n"
        "\n"
        "    def fullmatch(self, text: str) -> Optional[str]:\n"
        "        for mre, name in self._mres:\n"
        "            if mre.fullmatch(text):\n"
        "                return name\n"
        "        return None\n",
    ),
    ("import pickle, zlib, base64\n", ""),
    (
        "                        cached_used_files = pickle.load(f)\n",
        "                        "
        + _PICKLE
        + "                        cached_used_files = pickle.load(f)\n",
    ),
    (
        "                    pickle.dump(used_files, f)\n",
        "                    " + _PICKLE + "                    pickle.dump(used_files, f)\n",
    ),
    (
        "        pickle.dump({'data': data, 'memo': m}, f, protocol=pickle.HIGHEST_PROTOCOL)\n",
        "        "
        + _PICKLE
        + "        pickle.dump({'data': data, 'memo': m}, f, protocol=pickle.HIGHEST_PROTOCOL)\n",
    ),
    (
        "            d = pickle.load(f)\n",
        "            " + _PICKLE + "            d = pickle.load(f)\n",
    ),
)
SHIFT = 0  # an action's kind in Lark's serialized table (1 is Reduce)


def canonical_table(table: dict[str, Any]) -> dict[str, Any]:
    """A serialized LALR table with tokens numbered by name and states breadth-first."""
    names = table["tokens"]
    states = table["states"]
    by_name = {name: index for index, name in enumerate(sorted(names.values()))}
    order: list[int] = []
    seen: set[int] = set()
    queue = [table["start_states"][start] for start in sorted(table["start_states"])]
    while queue:
        state = queue.pop(0)
        if state in seen:
            continue
        seen.add(state)
        order.append(state)
        for token in sorted(states[state], key=lambda t: names[t]):
            action, target = states[state][token]
            if action == SHIFT:
                queue.append(target)
    if len(order) != len(states):
        raise ValueError(f"{len(states) - len(order)} LALR states cannot be reached from the start")
    number = {old: new for new, old in enumerate(order)}

    def action(kind: int, arg: Any) -> tuple[int, Any]:
        return (kind, number[arg]) if kind == SHIFT else (kind, arg)

    return {
        "tokens": {index: name for name, index in by_name.items()},
        "states": {
            number[old]: dict(
                sorted(
                    ((by_name[names[token]], action(*move)) for token, move in states[old].items())
                )
            )
            for old in order
        },
        "start_states": {k: number[v] for k, v in sorted(table["start_states"].items())},
        "end_states": {k: number[v] for k, v in sorted(table["end_states"].items())},
    }


def generate() -> str:
    """The text of dsl_parser.py for the current grammar."""
    from lark import Lark
    from lark.tools.standalone import gen_standalone

    with open(GRAMMAR, encoding="utf-8") as file:
        grammar = Lark(file.read(), parser="lalr", lexer="contextual", maybe_placeholders=False)
    parts = [HEADER]

    def output(obj: Any = "") -> None:  # gen_standalone prints each part
        if isinstance(obj, dict) and "parser" in obj:
            parser = obj["parser"]["parser"]
            obj = {**obj, "parser": {**obj["parser"], "parser": canonical_table(parser)}}
        parts.append(f"{obj}\n")

    gen_standalone(grammar, output=output)
    text = "".join(parts)
    for lark_code, ours in EDITS:
        if text.count(lark_code) != 1:
            raise ValueError(f"Lark's standalone code changed: {lark_code!r} is not there once")
        text = text.replace(lark_code, ours)
    return text


def main() -> int:
    from archdsl.commands.common import write_atomically

    text = generate()

    def write(path: str) -> None:
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)

    write_atomically(TARGET, write)
    print(f"wrote {os.path.relpath(TARGET)} ({len(text):,} characters)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
