"""Expansion: a checked, parameter-resolved document becomes a Graph.

Repeats unroll here (the first repeat takes the stage's stride, the rest stride 1, and
the depth multiplier rounds repeats up), and every block lowers to primitive nodes.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from archdsl.errors import Location, SpecError, SpecWarning
from archdsl.ir.blocks import LOWERINGS, SHORTHAND_KNOB
from archdsl.ir.builder import BlockContext, GraphBuilder, Settings, knob_value, knob_values
from archdsl.ir.graph import Block, Graph, block_cost
from archdsl.ir.lint import CONVOLUTIONS, block_warnings
from archdsl.ir.memo import MEMO, SEEN, STAGED, entry_of, placed, template
from archdsl.spec.document import Document
from archdsl.spec.limits import DEFAULT_LIMITS, Limits
from archdsl.spec.schema import BLOCK_SECTIONS

REPEATABLE = {"conv", "dwconv", "sepconv", "mbconv", "shuffle"}


def expand(doc: Document, limits: Limits = DEFAULT_LIMITS) -> Graph:
    """Lower a resolved document (params substituted, schema-checked) to a Graph."""
    data = doc.data
    params = data["params"]
    defaults = data.get("defaults") or {}
    depth = float(params["depth"])
    # how many times each entry unrolls, by section (read once: the stages' total is a setting)
    unrolled = {
        section: [_repeats(entry, section, depth) for entry in data.get(section) or []]
        for section in BLOCK_SECTIONS
    }
    settings = Settings(
        width=float(params["width"]),
        depth=depth,
        divisor=int(defaults.get("divisor", 8)),
        min_channels=defaults.get("min_channels"),
        defaults=defaults,
        stage_blocks=sum(unrolled["stages"]),
    )
    graph = GraphBuilder(limits)
    input_shape = tuple(int(d) for d in data["input"])
    if input_shape[0] * input_shape[1] > limits.input_pixels:
        raise SpecError(
            doc.locate(("input",)),
            f"input of {input_shape[0]}x{input_shape[1]} pixels is more than the limit of"
            f" {limits.input_pixels:,} (raise it with --max-input-pixels)",
        )
    x = graph.add(
        "input",
        "input",
        {"shape": input_shape},
        (),
        "input",
        "input",
        lambda: doc.locate(("input",)),
    )[0]
    graph.blocks.append(Block("input", "input", "input", {"shape": input_shape}, (), x, ("input",)))
    graph.costs.append(block_cost(graph.nodes, None, 0, x))
    graph.claim_block("input", "input", lambda: doc.locate(("input",)))
    stage_ends: list[tuple[str, str]] = []
    for section in BLOCK_SECTIONS:
        entries = data.get(section) or []
        stages = _stage_numbers(doc, section, entries)
        names = _default_names(section, entries, stages)
        made: Counter[int] = Counter()  # blocks made so far in each stage
        for index, entry in enumerate(entries[: _kept(section, entries, params)]):
            stage = stages[index]
            before = graph.stage_blocks
            x = _expand_entry(
                doc,
                graph,
                settings,
                section,
                index,
                entry,
                unrolled[section][index],
                names[index],
                x,
                stage,
                made[stage],
            )
            if section == "stages":
                made[stage] += graph.stage_blocks - before
                if stage_ends and stage_ends[-1][0] == f"s{stage}":
                    stage_ends.pop()  # the stage goes on: its end is its last entry's
                stage_ends.append((f"s{stage}", x))
    if len(graph.nodes) == 1:
        raise SpecError(doc.locate(("stages",), key=True), "the network makes no layers")
    if params["pooling"] != "none" and not params["features_only"]:
        pool = {"global_pool": {"kind": params["pooling"], "name": f"{params['pooling']}_pool"}}
        head = len(data.get("head") or [])
        x = _expand_entry(doc, graph, settings, "head", head, pool, 1, "", x)
    return Graph(
        name=data["name"],
        title=data.get("title", data["name"]),
        input_shape=input_shape,
        nodes=tuple(graph.nodes),
        blocks=tuple(graph.blocks),
        params=dict(params),
        named_outputs=tuple(stage_ends) if params["features_only"] else (),
        warnings=tuple(graph.warnings),
        costs=tuple(graph.costs),
    )


def _kept(section: str, entries: list[dict[str, Any]], params: dict[str, Any]) -> int:
    """How many of a section's entries the network keeps.

    ``features_only`` drops the head; ``include_top: false`` keeps the head's leading
    convolutions (MobileNetV2's 1x1 to 1280, EfficientNet's top conv), as
    keras.applications does, and drops the rest: pooling, dropout, classifier.
    """
    if section != "head" or params["include_top"] and not params["features_only"]:
        return len(entries)
    if params["features_only"]:
        return 0
    convolutions = [next(iter(entry)) in REPEATABLE for entry in entries]
    return convolutions.index(False) if False in convolutions else len(entries)


def _stage_numbers(doc: Document, section: str, entries: list[dict[str, Any]]) -> list[int]:
    """Each entry's stage number (1-based): the next one, or the one above for an entry
    that ``continues`` it (a stage whose layers differ)."""
    numbers: list[int] = []
    for index, entry in enumerate(entries):
        block_type, args = next(iter(entry.items()))
        continues = isinstance(args, dict) and args.get("continues") is True
        if continues and (section != "stages" or index == 0):
            where = doc.locate((section, index, block_type, "continues"))
            why = (
                f"only an entry of stages continues a stage, not one of {section}"
                if section != "stages"
                else "the first stage has no stage above it to continue"
            )
            raise SpecError(where, f"continues: {why}")
        numbers.append(numbers[-1] if continues else (numbers[-1] + 1 if numbers else 1))
    return numbers


def _default_names(section: str, entries: list[dict[str, Any]], stages: list[int]) -> list[str]:
    """stem / stem1.., s1.., head_conv, head_conv2.. where the block gives no name."""
    if section == "stages":
        return [f"s{number}" for number in stages]
    if section == "stem":
        return ["stem"] if len(entries) == 1 else [f"stem{i + 1}" for i in range(len(entries))]
    seen: Counter[str] = Counter()
    names = []
    for entry in entries:
        kind = next(iter(entry))
        seen[kind] += 1
        names.append(f"head_{kind}" + (str(seen[kind]) if seen[kind] > 1 else ""))
    return names


def _expand_entry(
    doc: Document,
    graph: GraphBuilder,
    settings: Settings,
    section: str,
    index: int,
    entry: dict[str, Any],
    repeats: int,
    default_name: str,
    x: str,
    stage_number: int = 0,
    earlier: int = 0,
) -> str:
    """Lower one entry, unrolled ``repeats`` times; in the stages, ``earlier`` blocks of its
    stage came before it."""
    block_type, args = next(iter(entry.items()))
    if not isinstance(args, dict):
        args = {} if args is None else {SHORTHAND_KNOB[block_type]: args}
    path = (section, index, block_type)
    stage = f"s{stage_number}" if section == "stages" else section
    base = args.get("name") or default_name
    lowered = _entry_key(block_type, args, settings)
    what = block_type if "name" in args else f"{block_type} (default name)"

    def where() -> Location:
        return doc.locate(path, key=True)

    def lower_with(name: str, stride: int, stage_index: int | None) -> BlockContext:
        """The context a lowering reads (made only for a block the memo lacks, or a warning)."""
        values = knob_values(block_type, settings, args)
        return BlockContext(
            graph, settings, doc, block_type, name, stage, args, path, stride, values, stage_index
        )

    def warn(name: str, stride: int, stage_index: int | None) -> None:
        """Note the likely mistakes of the entry's first block (its later repeats share them)."""
        kernel = (
            knob_value(block_type, settings, args, "kernel") if block_type in CONVOLUTIONS else None
        )
        window = (
            int(args.get("stride") or knob_value(block_type, settings, args, "size"))
            if block_type == "pool"
            else stride
        )
        for knob, message in block_warnings(block_type, window, kernel, graph.shapes[x]):
            context = lower_with(name, stride, stage_index)
            warning = SpecWarning(context.where(knob), f"{name}: {message}")
            if warning not in graph.warnings:
                graph.warnings.append(warning)

    # The whole entry as placed before, when it comes again at the same place on the same
    # input: everything its blocks read is in the key, but a stage index (drop_path).
    entry_key = (
        ("entry", lowered, repeats, base, what, earlier, stage, path, x, graph.shapes[x])
        if ":" not in x
        else None
    )
    placed_before = None if entry_key is None else MEMO.get(entry_key)
    if placed_before not in (None, SEEN) and graph.place(placed_before, what, where):
        stride = int(args.get("stride", 1)) if block_type in REPEATABLE else 1
        stage_index = graph.stage_blocks if section == "stages" else None
        warn(placed_before.blocks[0].name, stride, stage_index)
        if section == "stages":
            graph.stage_blocks += len(placed_before.blocks)
        return placed_before.output
    # made into an Entry the second time it comes, if every block was lowered or replayed
    # from a template that reads no stage index
    record = placed_before is SEEN
    if entry_key is not None and placed_before is None:
        MEMO.put(entry_key, SEEN)
    first_node, first_block = len(graph.nodes), len(graph.blocks)

    for repeat in range(repeats):
        numbered = section == "stages" or repeats > 1
        name = f"{base}_b{earlier + repeat + 1}" if numbered else base
        stride = int(args.get("stride", 1)) if repeat == 0 and block_type in REPEATABLE else 1
        stage_index = graph.stage_blocks if section == "stages" else None
        context = None
        graph.claim_block(name, what, where)
        if repeat == 0:
            warn(name, stride, stage_index)
        # a template keys on its input's shape, which says its memory only when x is a
        # whole layer's output (not output i of a split)
        key = (lowered, stride, graph.shapes[x]) if ":" not in x else None
        found = None if key is None else MEMO.get(key)
        if found is STAGED:  # its lowering read the stage index: drop_path's rate
            record = False
            found = MEMO.get((*key, stage_index, settings.stage_blocks))
        output = None if found is None else graph.replay(found, name, x, stage)
        if output is not None:
            block = found.blocks.get((name, x, stage, path))
            if block is None:
                block = Block(name, block_type, stage, found.knobs, (x,), output, path)
                placed(found.blocks, (name, x, stage, path), block)
            graph.costs.append(found.cost)
        else:
            context = context or lower_with(name, stride, stage_index)
            lowered_from = len(graph.nodes)
            output = LOWERINGS[block_type](context, x)
            if len(graph.nodes) == lowered_from:
                if block_type == "activation":  # fn: none, the identity: no layer, no box
                    record = False
                    continue
                raise context.error("block makes no layers")
            knobs = dict(context.knobs)
            nodes = graph.nodes[lowered_from:]
            source = x.partition(":")[0]
            producer = next(node for node in reversed(graph.nodes) if node.name == source)
            cost = block_cost(nodes, x, producer.cost.activation_bytes, output)
            graph.costs.append(cost)
            made = None if key is None else template(nodes, name, x, output, knobs, cost)
            record = record and made is not None and not context.read_index
            if made is not None:
                if context.read_index:
                    MEMO.put(key, STAGED)
                    key = (*key, stage_index, settings.stage_blocks)
                MEMO.put(key, made)
            block = Block(name, block_type, stage, knobs, (x,), output, path)
        graph.blocks.append(block)
        if section == "stages":
            graph.stage_blocks += 1
        x = output
    if record:
        nodes, blocks = graph.nodes[first_node:], graph.blocks[first_block:]
        MEMO.put(entry_key, entry_of(nodes, blocks, graph.costs[first_block:], x))
    return x


def _entry_key(block_type: str, args: dict[str, Any], settings: Settings) -> str:
    """What a block's lowering reads of its entry and the spec, as a memo key.

    Its knobs are the schema's defaults for its type, under the spec's defaults, under
    its own values: the type, the spec's settings and its values are the key. ``repr``
    tells 1, 1.0 and True apart, which equality does not (a knob's value is also shown
    as written); the name, the repeat count and ``continues`` are read around the lowering.
    """
    written = (
        args
        if args.keys().isdisjoint(_UNREAD)
        else {knob: value for knob, value in args.items() if knob not in _UNREAD}
    )
    return f"{block_type} {written!r} {settings.key}"


_UNREAD = ("name", "repeats", "continues")  # read around the lowering, never in it


def _repeats(entry: dict[str, Any], section: str, depth: float) -> int:
    """How many times a block entry unrolls: depth scales the stages only (EfficientNet)."""
    block_type, args = next(iter(entry.items()))
    if block_type not in REPEATABLE or not isinstance(args, dict):
        return 1
    repeats = int(args.get("repeats", 1))
    return math.ceil(repeats * depth) if section == "stages" else repeats
