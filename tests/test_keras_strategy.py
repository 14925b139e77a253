"""The random-spec strategy reaches every block type and knob (fast: no TensorFlow)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, find, given, settings

from archdsl.compile import compile_document
from archdsl.spec.document import Document
from archdsl.spec.schema import block_knobs, block_types
from tests.strategies import spec_documents


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(data=spec_documents())
def test_random_specs_are_valid(data):
    graph = compile_document(Document(data, "<hypothesis>"))
    assert graph.nodes[0].op == "input"


def test_random_specs_use_every_block_type_and_knob():
    """The strategy above reaches every block type and every knob of the schema."""
    for block_type in block_types():
        for knob in block_knobs(block_type):
            if knob == "name" and block_type != "dense":
                continue  # names are exercised through the head's 'logits' layer
            find(
                spec_documents(types=[block_type]),
                lambda data, t=block_type, k=knob: _uses(data, t, k),
                settings=settings(max_examples=2000, database=None, phases=[Phase.generate]),
            )


def _uses(data: dict, block_type: str, knob: str) -> bool:
    blocks = [entry for section in ("stem", "stages", "head") for entry in data.get(section, [])]
    return any(
        block_type in entry and isinstance(entry[block_type], dict) and knob in entry[block_type]
        for entry in blocks
    ) or (knob in data["defaults"] and any(block_type in entry for entry in blocks))
