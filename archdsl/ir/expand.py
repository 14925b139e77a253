"""Expansion: a checked, parameter-resolved document becomes a Graph.

Repeats unroll here (the first repeat takes the stage's stride, the rest stride 1, and
the depth multiplier rounds repeats up), and every block lowers to primitive nodes.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from archdsl.errors import SpecError, SpecWarning
from archdsl.ir.blocks import LOWERINGS, SHORTHAND_KNOB
from archdsl.ir.builder import BlockContext, GraphBuilder, Settings, knob_values
from archdsl.ir.graph import Block, Graph
from archdsl.ir.lint import CONVOLUTIONS, block_warnings
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
    settings = Settings(
        width=float(params["width"]),
        depth=depth,
        divisor=int(defaults.get("divisor", 8)),
        min_channels=defaults.get("min_channels"),
        defaults=defaults,
        stage_blocks=sum(_repeats(entry, "stages", depth) for entry in data.get("stages") or []),
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
                doc, graph, settings, section, index, entry, names[index], x, stage, made[stage]
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
        x = _expand_entry(doc, graph, settings, "head", head, pool, "", x)
    return Graph(
        name=data["name"],
        title=data.get("title", data["name"]),
        input_shape=input_shape,
        nodes=tuple(graph.nodes),
        blocks=tuple(graph.blocks),
        params=dict(params),
        named_outputs=tuple(stage_ends) if params["features_only"] else (),
        warnings=tuple(graph.warnings),
    )


def _stride(context: BlockContext) -> int:
    """The block's stride: a pool's defaults to its size, as lower_pool makes it."""
    if context.type == "pool":
        return int(context.args.get("stride") or context.knob("size"))
    return context.stride


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
    default_name: str,
    x: str,
    stage_number: int = 0,
    earlier: int = 0,
) -> str:
    """Lower one entry; in the stages, ``earlier`` blocks of its stage came before it."""
    block_type, args = next(iter(entry.items()))
    if not isinstance(args, dict):
        args = {} if args is None else {SHORTHAND_KNOB[block_type]: args}
    path = (section, index, block_type)
    stage = f"s{stage_number}" if section == "stages" else section
    base = args.get("name") or default_name
    values = knob_values(block_type, settings, args)
    repeats = _repeats(entry, section, settings.depth)
    for repeat in range(repeats):
        numbered = section == "stages" or repeats > 1
        name = f"{base}_b{earlier + repeat + 1}" if numbered else base
        stride = int(args.get("stride", 1)) if repeat == 0 and block_type in REPEATABLE else 1
        stage_index = graph.stage_blocks if section == "stages" else None
        context = BlockContext(
            graph, settings, doc, block_type, name, stage, args, path, stride, values, stage_index
        )
        what = block_type if "name" in args else f"{block_type} (default name)"
        graph.claim_block(name, what, context.where)
        if repeat == 0:
            kernel = context.knob("kernel") if block_type in CONVOLUTIONS else None
            for knob, message in block_warnings(
                block_type, _stride(context), kernel, graph.shapes[x]
            ):
                warning = SpecWarning(context.where(knob), f"{name}: {message}")
                if warning not in graph.warnings:
                    graph.warnings.append(warning)
        first_node = len(graph.nodes)
        output = LOWERINGS[block_type](context, x)
        if len(graph.nodes) == first_node:
            if block_type == "activation":  # fn: none, the identity: no layer, no box
                continue
            raise context.error("block makes no layers")
        graph.blocks.append(Block(name, block_type, stage, dict(context.knobs), (x,), output, path))
        if section == "stages":
            graph.stage_blocks += 1
        x = output
    return x


def _repeats(entry: dict[str, Any], section: str, depth: float) -> int:
    """How many times a block entry unrolls: depth scales the stages only (EfficientNet)."""
    block_type, args = next(iter(entry.items()))
    if block_type not in REPEATABLE or not isinstance(args, dict):
        return 1
    repeats = int(args.get("repeats", 1))
    return math.ceil(repeats * depth) if section == "stages" else repeats
