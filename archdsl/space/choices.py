"""The three ways a space writes a choice, read into one form with located errors.

- ``{choice: [3, 5]}``: one of the values listed;
- ``{of: 96, times: [0.75, 1.0, 1.25]}``: filters relative to a base, rounded to a multiple
  of the space's divisor as the width multiplier rounds (make_divisible);
- ``{of: 3, plus: [-1, 0, 1]}``: an integer (the number of layers) relative to a base.

Any of them may add ``per: layer``: a knob of a stage chosen for each of its layers instead
of once for all of them (``per: block``, the default, is MnasNet's factorization).
"""

from __future__ import annotations

from typing import Any

from archdsl.errors import SpecError
from archdsl.ir.rounding import make_divisible
from archdsl.record import Record
from archdsl.spec.document import Document, Path

FORMS = ({"choice"}, {"of", "times"}, {"of", "plus"})
MARKERS = {"choice", "times", "plus"}
PER = ("block", "layer")
Scalar = int | float | str | bool


class Choice(Record):  # not a dataclass: see errors.Location
    """One decision: its name, where it is written, its values and how each is written."""

    name: str
    path: Path
    options: tuple[Scalar, ...]
    labels: tuple[str, ...]
    block: int | None = None  # the stage it belongs to (index in stages), if any
    knob: str = ""
    per: str = "block"  # as written: once for the block's layers, or per layer
    layer: int = 0  # made per layer: this choice is its stage's layer `layer` (from 1)

    @property
    def size(self) -> int:
        return len(self.options)


def is_choice(node: Any) -> bool:
    """A mapping written as a choice (or meant as one: it has a choice's marker key)."""
    return isinstance(node, dict) and bool(MARKERS & node.keys())


def is_space_data(data: Any) -> bool:
    """Whether a document is a search space: it has an ``ops`` table or a choice."""
    return space_marker(data) is not None


def space_marker(data: Any) -> Path | None:
    """Where a document first shows it is a search space: its ``ops`` key or a choice."""
    if isinstance(data, dict) and "ops" in data:
        return ("ops",)
    return _first_choice(data, ())


def _first_choice(node: Any, path: Path) -> Path | None:
    if is_choice(node):
        return path
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        found = _first_choice(value, (*path, key))
        if found is not None:
            return found
    return None


def read_choice(
    doc: Document, node: dict[str, Any], path: Path, name: str, knob: str, divisor: int
) -> Choice:
    """The Choice written at ``path``; a SpecError pointing into the space if it is malformed."""
    keys = set(node) - {"per"}
    if keys not in FORMS:
        extra = sorted(keys - {"choice", "of", "times", "plus"}, key=str)
        where = doc.locate((*path, extra[0]), key=True) if extra else doc.locate(path)
        raise SpecError(
            where,
            f"{name}: a choice is written {{choice: [a, b]}}, {{of: N, times: [x, y]}}"
            f" or {{of: N, plus: [i, j]}}; got keys {', '.join(sorted(map(str, keys)))}",
        )
    per = node.get("per", "block")
    if per not in PER:
        raise SpecError(
            doc.locate((*path, "per")),
            f"{name}: per is 'layer' (a choice for each layer of the block) or 'block' (one"
            f" for all of them, the default), not {_show(per)!r}",
        )
    listed_key = next(key for key in ("choice", "times", "plus") if key in node)
    listed = node[listed_key]
    list_path = (*path, listed_key)
    if not isinstance(listed, list):
        raise SpecError(doc.locate(list_path), f"{name}: {listed_key} must be a list of options")
    if not listed:
        raise SpecError(doc.locate(list_path), f"{name}: a choice with no options")
    for index, option in enumerate(listed):
        if not isinstance(option, int | float | str | bool) or _is_number_like_bad(option):
            raise SpecError(
                doc.locate((*list_path, index)),
                f"{name}: an option must be a number, a string or a boolean",
            )
    if listed_key == "choice":
        options = tuple(listed)
        labels = tuple(_show(option) for option in listed)
    else:
        options, labels = _relative(doc, node, path, name, knob, listed_key, divisor)
    _no_repeats(doc, list_path, name, listed)
    return Choice(name, path, options, labels, knob=knob, per=per)


def _relative(
    doc: Document, node: dict[str, Any], path: Path, name: str, knob: str, kind: str, divisor: int
) -> tuple[tuple[Scalar, ...], tuple[str, ...]]:
    base = node["of"]
    if not isinstance(base, int) or isinstance(base, bool) or base < 1:
        raise SpecError(doc.locate((*path, "of")), f"{name}: 'of' must be a positive integer")
    options: list[int] = []
    labels: list[str] = []
    for index, step in enumerate(node[kind]):
        where = doc.locate((*path, kind, index))
        if kind == "times":
            if knob != "filters":
                raise SpecError(where, f"{name}: 'times' choices are for filters only")
            if isinstance(step, bool) or not isinstance(step, int | float) or step <= 0:
                raise SpecError(where, f"{name}: a 'times' option must be a positive number")
            value = make_divisible(base * step, divisor)
            labels.append(f"{_show(step)}x={value}")
        else:
            if isinstance(step, bool) or not isinstance(step, int):
                raise SpecError(where, f"{name}: a 'plus' option must be an integer")
            value = base + step
            if value < 1:
                raise SpecError(where, f"{name}: {base} {step:+d} leaves {value} layers")
            labels.append(f"{step:+d}={value}")
        options.append(value)
    return tuple(options), tuple(labels)


def _is_number_like_bad(option: Any) -> bool:
    return isinstance(option, float) and option != option


def _no_repeats(doc: Document, list_path: Path, name: str, listed: list[Any]) -> None:
    seen: list[Any] = []
    for index, option in enumerate(listed):
        key = (type(option) is bool, option)
        if key in seen:
            raise SpecError(
                doc.locate((*list_path, index)), f"{name}: option {_show(option)} is listed twice"
            )
        seen.append(key)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
