"""A space: its document, its choices and ops; resolving an assignment to a plain document.

An assignment maps each choice's name to the index of the option taken. A stage written
``block: {op: ..., knob: ...}`` is the paper's searched block: it takes one op from the
space's ``ops`` table and hands it the knobs its block type has; the knobs that type lacks
(a regular conv has no SE and no skip) are not asked when that op is taken.

A choice written ``per: layer`` (or every choice of a searched block written ``per:
layer``) is made for each layer of its stage: it becomes one choice per layer the stage
can have (``s3.b1.kernel``, ``s3.b2.kernel``, ...), made only for the layers the candidate
has. Such a stage resolves to one entry per layer: the first carries the stage's stride,
the others ``continue`` it, so its layers keep the names a fixed spec gives them.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from archdsl.errors import Location, SpecError
from archdsl.space.choices import PER, Choice, is_choice, read_choice
from archdsl.spec.canonical import knob_order
from archdsl.spec.document import Document, Path
from archdsl.spec.schema import BLOCK_SECTIONS, block_knobs, block_types

Assignment = dict[str, int]
SPACE_KEYS = ("ops",)


@dataclass(frozen=True)
class SearchedBlock:
    """A stage written ``block: {...}``: which op names it may take and its knobs."""

    index: int
    op: str | Choice  # an op name, or the choice among op names
    knobs: dict[str, Any]  # knob -> value or Choice


@dataclass
class Space:
    doc: Document
    choices: tuple[Choice, ...]
    ops: dict[str, tuple[str, dict[str, Any]]]  # op name -> (block type, fixed knobs)
    blocks: dict[int, SearchedBlock] = field(default_factory=dict)

    @cached_property
    def by_name(self) -> dict[str, Choice]:
        return {choice.name: choice for choice in self.choices}

    @cached_property
    def paths(self) -> dict[Path, dict[int, Choice]]:
        """Where each choice is written -> its choice by layer (0: the block's own)."""
        found: dict[Path, dict[int, Choice]] = {}
        for choice in self.choices:
            found.setdefault(choice.path, {})[choice.layer] = choice
        return found

    @cached_property
    def per_layer(self) -> frozenset[int]:
        """The stages with a choice made per layer."""
        return frozenset(c.block for c in self.choices if c.layer and c.block is not None)

    def layers(self, stage: int, assignment: Assignment) -> int:
        """How many layers ``stage`` has in this candidate (its repeats, as written)."""
        repeats = self.by_name.get(f"s{stage + 1}.repeats")
        if repeats is not None and repeats.block == stage:
            return int(repeats.options[assignment[repeats.name]])
        return fixed_repeats(self.doc.data["stages"][stage])

    @cached_property
    def fingerprint(self) -> str:
        """A hash of what the space says (not how it is spelled): a study records it."""
        text = json.dumps(self.doc.data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @cached_property
    def touched(self) -> frozenset[Path]:
        """Paths with a choice or a searched block at or below them."""
        paths = [c.path for c in self.choices] + [("stages", i) for i in self.blocks]
        return frozenset(path[:n] for path in paths for n in range(len(path) + 1))

    def op_type(self, op: str) -> str:
        return self.ops[op][0]

    def active(self, assignment: Assignment) -> list[Choice]:
        """The choices a candidate makes: those of knobs its ops take."""
        return [c for c in self.choices if self.is_active(c, assignment)]

    def is_active(self, choice: Choice, assignment: Assignment) -> bool:
        if choice.layer and choice.layer > self.layers(choice.block or 0, assignment):
            return False  # a layer this candidate does not have
        block = self.blocks.get(choice.block) if choice.block is not None else None
        if block is None or choice.knob == "op" or choice.knob not in block.knobs:
            return True
        if isinstance(block.op, Choice) and block.op.per == "layer" and not choice.layer:
            if choice.knob == "repeats":
                return True  # how many layers: asked before their ops
            # made once for layers that may take different ops: made if one of them does
            layers = range(1, self.layers(block.index, assignment) + 1)
            return any(
                choice.knob in block_knobs(self.op_type(self._op_of(block, assignment, layer)))
                for layer in layers
            )
        return choice.knob in block_knobs(
            self.op_type(self._op_of(block, assignment, choice.layer))
        )

    def _op_of(self, block: SearchedBlock, assignment: Assignment, layer: int = 0) -> str:
        if isinstance(block.op, str):
            return block.op
        op = block.op
        if op.per == "layer":
            op = self.by_name[layer_name(op, max(layer, 1))]
        return str(op.options[assignment[op.name]])

    def sample(self, rng: random.Random) -> Assignment:
        """A uniformly random assignment (every choice drawn, so streams stay aligned)."""
        return {choice.name: rng.randrange(choice.size) for choice in self.choices}

    def values(self, assignment: Assignment) -> dict[str, Any]:
        """The active choices' values, by name: what a candidate is, in JSON."""
        return {c.name: c.options[assignment[c.name]] for c in self.active(assignment)}

    def resolve(self, assignment: Assignment, name: str | None = None) -> Document:
        """The plain document this assignment picks; its locations point into the space."""
        values = dict(self.doc.values)
        data = _Resolver(self, assignment, values).node(self.doc.data, ())
        for key in SPACE_KEYS:
            data.pop(key, None)
        if name is not None:
            data["name"] = name
        keys = self.doc.keys
        if self.per_layer:
            groups = [g if isinstance(g, _Layers) else [g] for g in data["stages"]]
            data["stages"] = [entry for group in groups for entry in _merged(group)]
            sizes = [len(_merged(group)) for group in groups]
            values, keys = _renumbered(values, sizes), _renumbered(keys, sizes)
        return Document(data, self.doc.file, self.doc.text, values, keys)

    def stage_entries(self, assignment: Assignment) -> list[list[Any]]:
        """Each stage's entries under ``assignment``: one, or one per layer for a stage
        with per-layer choices (the first carries the stride, the others continue it)."""
        return [self.stage_group(assignment, i) for i in range(len(self.doc.data["stages"]))]

    def stage_group(self, assignment: Assignment, stage: int) -> list[Any]:
        """The entries of one stage under ``assignment`` (as ``stage_entries``)."""
        path = ("stages", stage)
        group = _Resolver(self, assignment, None).node(self.doc.data["stages"][stage], path)
        return list(group) if isinstance(group, _Layers) else [group]


class _Layers(list):
    """A stage resolved layer by layer: its entries, one per layer."""


def _merged(layers: list[Any]) -> list[Any]:
    """Consecutive equal continuing layers written as one entry with repeats."""
    merged: list[Any] = []
    for entry in layers:
        ((kind, knobs),) = entry.items()
        if merged and knobs.get("continues"):
            ((last_kind, last),) = merged[-1].items()
            count = last.get("repeats", 1)
            if (
                last_kind == kind
                and last.get("continues")
                and {**last, "repeats": 1}
                == {
                    **knobs,
                    "repeats": 1,
                }
            ):
                merged[-1] = {kind: {**last, "repeats": count + 1}}
                continue
        merged.append(entry)
    return merged


def _renumbered(located: dict[Path, Location], sizes: list[int]) -> dict[Path, Location]:
    """Locations of a document whose stage i became ``sizes[i]`` entries: each entry of a
    stage points where the stage is written."""
    if all(size == 1 for size in sizes):
        return located
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    result: dict[Path, Location] = {}
    for path, where in located.items():
        stage = path[1] if len(path) > 1 and path[0] == "stages" else None
        if isinstance(stage, int) and stage < len(sizes):
            for offset in range(sizes[stage]):
                result[("stages", starts[stage] + offset, *path[2:])] = where
            continue
        result[path] = where
    return result


def layer_name(choice: Choice, layer: int) -> str:
    """The name of a per-layer choice's choice for ``layer``: s3.kernel -> s3.b2.kernel."""
    stage, _, rest = choice.name.partition(".")
    return f"{stage}.b{layer}.{rest}"


def fixed_repeats(entry: Any) -> int:
    """The repeats a stage entry writes (1 when it writes none or a $param)."""
    body = entry.get("block") if "block" in entry else next(iter(entry.values()))
    repeats = body.get("repeats", 1) if isinstance(body, dict) else 1
    return repeats if isinstance(repeats, int) and not isinstance(repeats, bool) else 1


class _Resolver:
    def __init__(
        self, space: Space, assignment: Assignment, values: dict[Path, Location] | None
    ) -> None:
        self.space = space
        self.assignment = assignment
        self.values = values  # where each value chosen is written; None: not wanted
        self.paths = space.paths
        self.touched = space.touched
        self.layer = 0  # the layer of a per-layer stage being resolved

    def node(self, node: Any, path: Path) -> Any:
        if path not in self.touched:
            return node  # no choice below: shared with the space, never copied
        found = self.paths.get(path)
        if found is not None:
            choice = found.get(self.layer) or found[min(found)]
            index = self.assignment[choice.name]
            if self.values is not None:
                listed = "choice" if "choice" in node else "times" if "times" in node else "plus"
                self.values[path] = self.space.doc.locate((*path, listed, index))
            return choice.options[index]
        if isinstance(node, dict):
            if path[:1] == ("stages",) and len(path) == 2:
                if path[1] in self.space.per_layer:
                    return self.layered(node, path)
                if path[1] in self.space.blocks:
                    return self.block(self.space.blocks[path[1]], path)
            return {key: self.node(value, (*path, key)) for key, value in node.items()}
        if isinstance(node, list):
            return [self.node(value, (*path, index)) for index, value in enumerate(node)]
        return node

    def layered(self, node: dict[str, Any], path: Path) -> _Layers:
        """A stage with per-layer choices: one entry per layer it has."""
        stage = path[1]
        entries = _Layers()
        for layer in range(1, self.space.layers(stage, self.assignment) + 1):
            self.layer = layer
            if stage in self.space.blocks:
                entry = self.block(self.space.blocks[stage], path)
            else:
                entry = {key: self.node(value, (*path, key)) for key, value in node.items()}
            ((kind, knobs),) = entry.items()
            knobs = {k: v for k, v in knobs.items() if k != "repeats"}
            if layer > 1:
                knobs = {k: v for k, v in knobs.items() if k != "stride"}
                knobs["continues"] = True
            entries.append({kind: knobs})
        self.layer = 0
        return entries

    def block(self, block: SearchedBlock, path: Path) -> dict[str, Any]:
        op = self.space._op_of(block, self.assignment, self.layer)
        kind, fixed = self.space.ops[op]
        takes = block_knobs(kind)
        knobs = dict(fixed)
        for knob in block.knobs:
            if knob in takes:
                knob_path = (*path, "block", knob)
                knobs[knob] = self.node(
                    self.space.doc.data["stages"][path[1]]["block"][knob], knob_path
                )
                if self.values is not None:
                    self.values[(*path, kind, knob)] = self.values.get(
                        knob_path, self.space.doc.locate(knob_path)
                    )
        if self.values is not None:
            self.values[(*path, kind)] = self.space.doc.locate((*path, "block"))
        return {kind: knobs}


def read_space(doc: Document) -> Space:
    """Find and read every choice in ``doc``; the ``ops`` table and searched blocks too."""
    data = doc.data
    if not isinstance(data, dict):
        raise SpecError(doc.locate(()), "a space is a mapping like a spec")
    divisor = _divisor(data)
    ops = _read_ops(doc, data.get("ops"))
    choices: list[Choice] = []
    blocks: dict[int, SearchedBlock] = {}
    for key, value in data.items():
        if key == "ops":
            continue
        if key == "stages" and isinstance(value, list):
            for index, entry in enumerate(value):
                path = ("stages", index)
                if isinstance(entry, dict) and "block" in entry:
                    blocks[index] = _read_block(doc, entry, path, ops, divisor, choices)
                else:
                    _collect(doc, entry, path, f"s{index + 1}", index, divisor, choices)
            continue
        if key in BLOCK_SECTIONS and isinstance(value, list):
            for index, entry in enumerate(value):
                _collect(doc, entry, (key, index), f"{key}{index + 1}", None, divisor, choices)
            continue
        _collect(doc, value, (key,), str(key), None, divisor, choices)
    if blocks and not ops:
        first = doc.locate(("stages", min(blocks), "block"), key=True)
        raise SpecError(first, "a searched block needs the space's 'ops' table (op name -> block)")
    if not choices:
        raise SpecError(
            doc.locate(()), "an empty space: no choices (write a value as {choice: [a, b]})"
        )
    return Space(doc, _in_knob_order(_per_layer(doc, choices)), ops, blocks)


# Knobs a stage chooses once, never per layer: its number of layers, and its stride (its
# first layer's; the others have stride 1).
ONCE = {"repeats": "the number of layers", "stride": "the stride (its first layer's)"}


def _per_layer(doc: Document, choices: list[Choice]) -> list[Choice]:
    """Each per-layer choice as one choice per layer its stage can have."""
    result: list[Choice] = []
    for choice in choices:
        if choice.per != "layer":
            result.append(choice)
            continue
        where = doc.locate((*choice.path, "per"))
        stage = choice.block
        if stage is None or len(choice.path) != 4 or choice.path[0] != "stages":
            raise SpecError(where, f"{choice.name}: per: layer is for a knob of a stage's block")
        if choice.knob in ONCE:
            raise SpecError(
                where, f"{choice.name}: {ONCE[choice.knob]} is chosen once for the block's layers"
            )
        depth = (doc.data.get("params") or {}).get("depth", 1.0)
        if depth != 1:
            raise SpecError(
                doc.locate(("params", "depth")),
                f"{choice.name}: a space with per-layer choices needs depth 1.0 (its choices"
                f" name each layer), not {depth}",
            )
        repeats = next((c for c in choices if c.block == stage and c.knob == "repeats"), None)
        if repeats is not None:
            count = max(int(option) for option in repeats.options)
        else:
            entry = doc.data["stages"][stage]
            body = entry.get("block") if "block" in entry else next(iter(entry.values()))
            written = body.get("repeats", 1)
            if not isinstance(written, int) or isinstance(written, bool):
                raise SpecError(
                    doc.locate((*choice.path[:3], "repeats")),
                    f"{choice.name}: per-layer choices need the stage's repeats as a number or"
                    " a choice",
                )
            count = written
        result += [
            choice._replace(name=layer_name(choice, k), layer=k) for k in range(1, count + 1)
        ]
    return result


def _in_knob_order(choices: list[Choice]) -> tuple[Choice, ...]:
    """The choices of each stage in the papers' column order (op, filters, kernel, ...), so
    that a space draws the same candidates from a seed however its file orders the knobs."""
    order = [*knob_order("block"), *(k for kind in block_types() for k in block_knobs(kind))]
    rank = {knob: order.index(knob) for knob in order}
    first: dict[int | None, int] = {}
    for index, choice in enumerate(choices):
        first.setdefault(choice.block, index)

    # a block's shared knob is made when one of its layers' ops takes it: asked after them
    after = {c.block for c in choices if c.knob == "op" and c.layer}

    def key(item: tuple[int, Choice]) -> tuple[int, int, int, int]:
        index, choice = item
        if choice.block is None:
            return (index, 0, 0, 0)
        layer = choice.layer
        if not layer and choice.block in after and choice.knob not in ("op", "repeats"):
            layer = len(choices) + 1
        return (first[choice.block], layer, rank.get(choice.knob, len(order)), index)

    return tuple(choice for _, choice in sorted(enumerate(choices), key=key))


def _divisor(data: dict[str, Any]) -> int:
    defaults = data.get("defaults")
    divisor = defaults.get("divisor", 8) if isinstance(defaults, dict) else 8
    return (
        divisor if isinstance(divisor, int) and not isinstance(divisor, bool) and divisor > 0 else 8
    )


def _read_ops(doc: Document, ops: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    if ops is None:
        return {}
    if not isinstance(ops, dict) or not ops:
        raise SpecError(
            doc.locate(("ops",)),
            "ops maps op names to blocks, e.g. mbconv6: {mbconv: {expansion: 6}}",
        )
    table = {}
    for name, block in ops.items():
        path = ("ops", name)
        if not isinstance(block, dict) or len(block) != 1:
            raise SpecError(
                doc.locate(path), f"op '{name}' is one block, e.g. {{mbconv: {{expansion: 6}}}}"
            )
        kind, knobs = next(iter(block.items()))
        if kind not in block_types():
            raise SpecError(
                doc.locate((*path, kind), key=True), f"op '{name}': unknown block type '{kind}'"
            )
        knobs = {} if knobs is None else knobs
        if not isinstance(knobs, dict) or any(is_choice(v) for v in knobs.values()):
            raise SpecError(
                doc.locate((*path, kind)), f"op '{name}': fixed knobs only, as a mapping"
            )
        table[str(name)] = (kind, knobs)
    return table


def _read_block(
    doc: Document,
    entry: dict[str, Any],
    path: Path,
    ops: dict[str, tuple[str, dict[str, Any]]],
    divisor: int,
    choices: list[Choice],
) -> SearchedBlock:
    index = path[1]
    stage = f"s{index + 1}"
    body = entry["block"]
    body_path = (*path, "block")
    if len(entry) != 1:
        other = next(key for key in entry if key != "block")
        raise SpecError(
            doc.locate((*path, other), key=True), "a searched block is written as its only key"
        )
    if not isinstance(body, dict) or "op" not in body:
        raise SpecError(
            doc.locate(body_path),
            f"{stage}: a searched block needs 'op' (one of the ops, or a choice of them)",
        )
    per = body.get("per", "block")
    if per not in PER:
        raise SpecError(
            doc.locate((*body_path, "per")),
            f"{stage}: per is 'layer' (each layer of the block chooses) or 'block' (its"
            f" layers share one design, the default), not {per!r}",
        )
    op_node = body["op"]
    if is_choice(op_node):
        op: str | Choice = _choice(
            doc, op_node, (*body_path, "op"), f"{stage}.op", index, "op", divisor, per
        )
        names = [str(option) for option in op.options]
    else:
        op = str(op_node)
        names = [op]
    for offset, name in enumerate(names):
        if name not in ops:
            where = (
                (*body_path, "op", "choice", offset)
                if isinstance(op, Choice)
                else (*body_path, "op")
            )
            known = ", ".join(ops) or "none"
            raise SpecError(
                doc.locate(where), f"{stage}: no op named '{name}' in ops (ops: {known})"
            )
    if isinstance(op, Choice):
        choices.append(op)
    takes = {knob for name in names for knob in block_knobs(ops[name][0])}
    knobs: dict[str, Any] = {}
    for knob, value in body.items():
        if knob in ("op", "per"):
            continue
        if knob not in takes:
            raise SpecError(
                doc.locate((*body_path, knob), key=True),
                f"{stage}: no op of this block takes '{knob}'",
            )
        knob_path = (*body_path, knob)
        if is_choice(value):
            default = "block" if knob in ONCE else per
            choice = _choice(
                doc, value, knob_path, f"{stage}.{knob}", index, knob, divisor, default
            )
            choices.append(choice)
            knobs[knob] = choice
        else:
            _collect(doc, value, knob_path, f"{stage}.{knob}", index, divisor, choices)
            knobs[knob] = value
    return SearchedBlock(index, op, knobs)


def _collect(
    doc: Document,
    node: Any,
    path: Path,
    name: str,
    block: int | None,
    divisor: int,
    choices: list[Choice],
) -> None:
    if is_choice(node):
        knob = next((p for p in reversed(path) if isinstance(p, str)), "")
        choices.append(_choice(doc, node, path, name, block, knob, divisor))
    elif isinstance(node, dict):
        in_block_list = len(path) == 2 and path[0] in BLOCK_SECTIONS
        for key, value in node.items():
            # under a block's type, the name skips it: s3.kernel, not s3.mbconv.kernel
            child = name if in_block_list else f"{name}.{key}"
            _collect(doc, value, (*path, key), child, block, divisor, choices)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _collect(doc, value, (*path, index), f"{name}.{index + 1}", block, divisor, choices)


def _choice(
    doc: Document,
    node: dict[str, Any],
    path: Path,
    name: str,
    block: int | None,
    knob: str,
    divisor: int,
    per: str = "block",
) -> Choice:
    """The choice at ``path``; ``per`` is its block's way when it says none itself."""
    choice = read_choice(doc, node, path, name, knob, divisor)
    per = choice.per if "per" in node else per
    return Choice(choice.name, choice.path, choice.options, choice.labels, block, knob, per)
