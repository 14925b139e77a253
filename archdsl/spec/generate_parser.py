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

One edit to Lark's code (``QUIET_LOGGER``): its logger, set to report nothing below
CRITICAL, and nothing it logs is CRITICAL, becomes an object that drops every record, so a
first run does not import ``logging`` (about 5 ms) to report nothing.
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
    "# with one change, marked 'archdsl:' (a logger that drops what Lark would not print).\n"
    "# ruff: noqa\n"
)
# Lark's logger, as the standalone tool writes it, and what replaces it.
LARK_LOGGER = (
    "import logging\n",
    'logger: logging.Logger = logging.getLogger("lark")\n'
    "logger.addHandler(logging.StreamHandler())\n",
    "logger.setLevel(logging.CRITICAL)\n",
)
QUIET_LOGGER = (
    "",
    "class _QuietLogger:  # archdsl: Lark's logger at CRITICAL, without importing logging\n"
    "    def _drop(self, *args, **kwargs):\n"
    "        pass\n"
    "    debug = info = warning = error = exception = _drop\n"
    "logger = _QuietLogger()\n",
    "",
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
    for lark_code, ours in zip(LARK_LOGGER, QUIET_LOGGER, strict=True):
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
