"""Graph, Document and the builder's records are plain classes (a first run of summary
imports no dataclasses); they keep what the dataclasses gave: equality, frozenness, copies."""

from __future__ import annotations

import copy
import os
import pickle

import pytest

import archdsl
from archdsl.ir.graph import Graph
from archdsl.spec.document import Document
from tests.helpers import ROOT, modules_after_cli


@pytest.fixture(scope="module")
def graph() -> Graph:
    return archdsl.load("mnasnet_a1")


def test_pickled_and_copied_graphs_are_equal_and_complete(graph):
    for other in (pickle.loads(pickle.dumps(graph)), copy.deepcopy(graph), copy.copy(graph)):
        assert other == graph
        assert other.costs == graph.costs and other.warnings == graph.warnings
        assert other.node(graph.output) == graph.nodes[-1]
        assert archdsl.analyze(other).total == archdsl.analyze(graph).total


def test_a_graph_is_frozen(graph):
    with pytest.raises(AttributeError, match="frozen"):
        graph.name = "other"
    with pytest.raises(AttributeError, match="frozen"):
        del graph.nodes
    assert graph.name == "mnasnet_a1"


def test_graph_equality_compares_what_the_network_is(graph):
    same = Graph(*(getattr(graph, f) for f in Graph._COMPARED))  # no warnings, no costs
    assert same == graph and same.costs == () and same.block_costs() == graph.block_costs()
    renamed = Graph("other", *(getattr(graph, f) for f in Graph._COMPARED[1:]))
    assert renamed != graph
    assert "name='mnasnet_a1'" in repr(graph)
    with pytest.raises(TypeError):
        hash(graph)


def test_document_equality_and_defaults():
    doc = Document({"a": 1}, "x.yaml")
    assert doc.text == "" and doc.values == {} and doc.keys == {}
    assert doc == Document({"a": 1}, "x.yaml", "", {}, {})
    assert doc != Document({"a": 2}, "x.yaml")
    assert Document({}, "a").values is not Document({}, "b").values


def test_a_first_run_summary_imports_no_dataclasses():
    result, imported = modules_after_cli(
        ["summary", str(ROOT / "specs" / "mnasnet_a1.yaml")],
        ("dataclasses",),
        env={**os.environ, "ARCHDSL_NO_CACHE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert imported == []
