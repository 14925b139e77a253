"""The memo of lowered blocks changes nothing: a graph expanded with blocks replayed from
other documents (or from earlier repeats) equals the graph lowered node by node, and
every error (limits, name clashes) is the one the node-by-node lowering reports.

The reference is the memo with no room (capacity 0): every block lowered afresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from hypothesis import given, settings

import archdsl
from archdsl.compile import compile_spec
from archdsl.errors import SpecError
from archdsl.ir import memo
from archdsl.ir.graph import Graph
from archdsl.spec.limits import DEFAULT_LIMITS, Limits
from archdsl.spec.params import parse_override
from archdsl.spec.source import builtin_names
from tests.strategies import spec_documents

VARIANTS = [(), ("width=0.5",), ("depth=1.5", "input=160"), ("width=1.4", "classes=10")]


@contextmanager
def fresh() -> Iterator[None]:
    """Every block lowered node by node: the memo keeps nothing."""
    capacity = memo.MEMO.capacity
    memo.MEMO.capacity = 0
    memo.clear()
    try:
        yield
    finally:
        memo.MEMO.capacity = capacity


def same(replayed: Graph, lowered: Graph) -> None:
    assert replayed == lowered
    assert [block.knobs for block in replayed.blocks] == [block.knobs for block in lowered.blocks]
    assert replayed.warnings == lowered.warnings
    assert archdsl.analyze(replayed) == archdsl.analyze(lowered)


def compile_both(spec: str, sets: tuple[str, ...], limits: Limits = DEFAULT_LIMITS) -> Any:
    """(graph or error message) with the memo warm, and the same lowered afresh."""
    overrides = [parse_override(text) for text in sets]

    def run() -> Graph | str:
        try:
            return compile_spec(spec, overrides, limits)
        except SpecError as error:
            return str(error)

    warm = run()
    with fresh():
        lowered = run()
    return warm, lowered


def test_replays_within_a_network() -> None:
    """mnasnet_a1's repeats after a stage's first are replayed, and figures are the same."""
    memo.clear()
    graph = compile_spec("mnasnet_a1")
    templates = [found for found in memo.MEMO.entries.values() if isinstance(found, memo.Template)]
    assert 0 < len(templates) < len(graph.blocks)
    with fresh():
        same(graph, compile_spec("mnasnet_a1"))


@pytest.mark.parametrize("sets", VARIANTS, ids="+".join)
def test_builtin_specs_equal_with_a_warm_memo(sets: tuple[str, ...]) -> None:
    """Every built-in spec after all the others (their blocks remembered) equals it lowered afresh."""
    names = builtin_names()
    overrides = [parse_override(text) for text in sets]
    for name in names:
        for _ in range(2):  # every network's blocks remembered, and its places
            with suppress(SpecError):
                compile_spec(name, overrides)
    for name in names:
        warm, lowered = compile_both(name, sets)
        warm_again, _ = compile_both(name, sets)  # after the fresh lowering, blocks remembered anew
        assert warm_again == warm
        if isinstance(lowered, str):
            assert warm == lowered
        else:
            same(warm, lowered)


def test_drop_path_rates_follow_each_blocks_place() -> None:
    """efficientnet_b0's repeats differ only by drop_path's rate: none is replayed with another's."""
    memo.clear()
    compile_spec("efficientnet_b0")
    graph = compile_spec("efficientnet_b0")  # every block replayed
    rates = [node.attrs["rate"] for node in graph.nodes if node.name.endswith("_drop")]
    assert len(set(rates)) == len(rates) > 5
    with fresh():
        same(graph, compile_spec("efficientnet_b0"))


@pytest.mark.parametrize(
    "field, values",
    [
        ("params", [1_000_000, 3_000_000, 3_900_000]),
        ("macs", [50_000_000, 200_000_000, 311_000_000]),
        ("layers", [60, 150, 190]),
        ("channels", [100, 500, 1000]),
    ],
)
def test_limits_stop_at_the_same_block(field: str, values: list[int]) -> None:
    """A limit passed by a replayed block is reported as the node-by-node lowering reports it."""
    for value in values:
        limits = DEFAULT_LIMITS._replace(**{field: value})
        for _ in range(2):  # its blocks remembered, then its entries
            compile_spec("mnasnet_a1")
        warm, lowered = compile_both("mnasnet_a1", (), limits)
        assert isinstance(lowered, str) and "error" in lowered
        assert warm == lowered


def test_a_name_taken_before_a_replayed_block(tmp_path: Any) -> None:
    """A replayed block whose layer name is taken fails as the node-by-node lowering does."""
    spec = tmp_path / "clash.yaml"
    spec.write_text(
        "archdsl: 1\nname: clash\ninput: [32, 32, 3]\n"
        "stem:\n  - conv: {filters: 16, kernel: 3, stride: 2, name: s1_b3_expand}\n"
        "stages:\n  - mbconv: {expansion: 6, kernel: 3, stride: 1, filters: 16, repeats: 3}\n"
        "head:\n  - global_pool: avg\n  - dense: 10\n",
        encoding="utf-8",
    )
    memo.clear()
    warm, lowered = compile_both(str(spec), ())
    assert isinstance(lowered, str) and "s1_b3_expand_bn" in lowered, lowered
    assert warm == lowered


def test_a_name_taken_before_a_placed_entry(tmp_path: Any) -> None:
    """An entry placed before, at the same place on the same input, whose layer name an
    earlier block took, fails as the block-by-block expansion does."""
    text = (
        "archdsl: 1\nname: clash\ninput: [32, 32, 3]\n"
        "stem:\n  - conv: {filters: 16, kernel: 3, stride: 2, name: NAME}\n"
        "  - conv: {filters: 16, kernel: 1, name: b}\n"
        "stages:\n  - mbconv: {expansion: 6, kernel: 3, stride: 1, filters: 16, repeats: 3}\n"
        "head:\n  - global_pool: avg\n  - dense: 10\n"
    )
    plain, clash = tmp_path / "plain.yaml", tmp_path / "clash.yaml"
    plain.write_text(text.replace("NAME", "a"), encoding="utf-8")
    clash.write_text(text.replace("NAME", "s1_b3_expand"), encoding="utf-8")
    memo.clear()
    for _ in range(2):  # the stage's entry remembered whole
        compile_spec(str(plain))
    assert any(isinstance(found, memo.Entry) for found in memo.MEMO.entries.values())
    warm, lowered = compile_both(str(clash), ())
    assert isinstance(lowered, str) and "s1_b3_expand" in lowered, lowered
    assert warm == lowered


def test_entries_placed_whole_equal_the_blocks() -> None:
    """A network whose entries are all placed whole equals it lowered afresh."""
    memo.clear()
    for _ in range(2):
        compile_spec("mnasnet_a1")
    entries = [found for found in memo.MEMO.entries.values() if isinstance(found, memo.Entry)]
    assert len(entries) == 13  # stem 1, stages 7, head 5
    graph = compile_spec("mnasnet_a1")
    with fresh():
        same(graph, compile_spec("mnasnet_a1"))


@pytest.mark.filterwarnings("ignore::archdsl.SpecWarning")
def test_a_placed_entry_warns_as_before(tmp_path: Any) -> None:
    """An entry placed whole still warns about its first block, at the same knob."""
    spec = tmp_path / "odd.yaml"
    spec.write_text(
        "archdsl: 1\nname: odd\ninput: [64, 64, 3]\n"
        "stem:\n  - conv: {filters: 16, kernel: 4, stride: 3}\n"
        "stages:\n  - mbconv: {expansion: 6, kernel: 2, stride: 2, filters: 16, repeats: 2}\n"
        "head:\n  - global_pool: avg\n  - dense: 10\n",
        encoding="utf-8",
    )
    memo.clear()
    for _ in range(2):  # seen, then remembered whole
        compile_spec(str(spec))
    assert any(isinstance(found, memo.Entry) for found in memo.MEMO.entries.values())
    graph = compile_spec(str(spec))  # every entry placed whole
    assert len(graph.warnings) == 3, graph.warnings
    with fresh():
        same(graph, compile_spec(str(spec)))


@pytest.mark.filterwarnings("ignore::archdsl.SpecWarning")
@settings(max_examples=150)
@given(spec_documents())
def test_random_specs_equal_with_a_warm_memo(document: dict[str, Any]) -> None:
    """Random specs, each after the ones before it (the memo shared, as in a search), and
    again (its entries placed whole)."""
    try:
        warm = archdsl.load(document)
    except SpecError as error:
        with fresh(), pytest.raises(SpecError) as fresh_error:
            archdsl.load(document)
        assert str(fresh_error.value) == str(error)
        return
    again = archdsl.load(document)  # its entries placed whole
    with fresh():
        lowered = archdsl.load(document)
    same(warm, lowered)
    same(again, lowered)
