"""Names from the papers, Keras and the other front end: accepted where they are synonyms."""

from __future__ import annotations

from archdsl.compile import compile_document
from archdsl.spec import convert

SPEC = """archdsl: 1
name: t
input: [32, 32, 3]
stages:
  - mbconv: {{filters: 16, expansion: 6, se: 0.25, activation: {act}, se_activation: {act}}}
head:
  - activation: {act}
"""


def test_silu_is_swish() -> None:
    silu = compile_document(convert.parse(SPEC.format(act="silu"), "a.yaml"))
    swish = compile_document(convert.parse(SPEC.format(act="swish"), "a.yaml"))
    assert silu.nodes == swish.nodes
    functions = [node.attrs["fn"] for node in silu.nodes if node.op == "activation"]
    assert functions.count("swish") == 4 and "silu" not in functions
