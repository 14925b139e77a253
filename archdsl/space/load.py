"""Reading a space file and checking every option against the spec schema."""

from __future__ import annotations

import os
from importlib import resources

from archdsl.compile import check_document, compile_document
from archdsl.errors import SpecError
from archdsl.space.choices import Choice
from archdsl.space.space import Space, read_space
from archdsl.spec.limits import DEFAULT_LIMITS, Limits
from archdsl.spec.schema import block_knobs
from archdsl.spec.source import SPEC_SUFFIXES, load_document


def builtin_spaces() -> list[str]:
    folder = resources.files("archdsl.specs") / "spaces"
    return sorted(
        e.name.removesuffix(".yaml") for e in folder.iterdir() if e.name.endswith(".yaml")
    )


def resolve_space(space: str) -> str:
    """The file a SPACE argument names: a path, else a built-in space (``mnasnet``)."""
    if os.path.exists(space) or os.sep in space or space.endswith(SPEC_SUFFIXES):
        return space
    candidate = resources.files("archdsl.specs") / "spaces" / f"{space}.yaml"
    if candidate.is_file():
        return str(candidate)
    names = ", ".join(builtin_spaces())
    raise SpecError(
        None, f"no space file or built-in space named '{space}' (built-in spaces: {names})"
    )


def load_space(space: str, limits: Limits = DEFAULT_LIMITS) -> Space:
    """Read SPACE, find its choices, and check that each of its options makes a valid spec."""
    result = read_space(load_document(resolve_space(space), limits))
    check_space(result, limits)
    return result


def check_space(space: Space, limits: Limits = DEFAULT_LIMITS) -> None:
    """The first candidate compiles, and every option of every choice passes the schema.

    Options are tried in rounds, round k taking each choice's k-th option, so a space is
    checked in as many schema passes as its longest choice has options, not one per option;
    knob rounds give each searched block the op that takes the most knobs. An option the
    schema rejects is reported where it is written.
    """
    base = {choice.name: 0 for choice in space.choices}
    compile_document(space.resolve(base), limits=limits)
    ops = [c for c in space.choices if c.knob == "op" and c.block in space.blocks]
    widest = {c.name: _widest(space, c) for c in ops}
    longest = max(choice.size for choice in space.choices)
    for k in range(longest):
        knobs = {c.name: min(k, c.size - 1) for c in space.choices}
        check_document(space.resolve({**knobs, **widest}))
    for k in range(1, max((c.size for c in ops), default=1)):
        check_document(space.resolve({**base, **{c.name: min(k, c.size - 1) for c in ops}}))


def _widest(space: Space, op: Choice) -> int:
    """The option of an op choice whose block type takes the most knobs."""
    sizes = [len(block_knobs(space.op_type(str(name)))) for name in op.options]
    return sizes.index(max(sizes))
