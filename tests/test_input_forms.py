"""The input size is written the same ways everywhere: [H, W, C], SIZE, HxW, HxWxC."""

from __future__ import annotations

import pytest

from archdsl.compile import compile_document
from archdsl.spec import convert
from archdsl.spec.params import parse_override

YAML = "archdsl: 1\nname: t\ninput: {input}\n{params}stages:\n  - conv: {{filters: 8}}\n"
ARCH = "model t\ninput {input}\n{params}stages conv c8\n"


def yaml_spec(value: str) -> str:
    return YAML.format(input=value, params="params: {side: 96}\n" if "$" in value else "")


def arch_spec(value: str) -> str:
    return ARCH.format(input=value, params="params side=96\n" if "$" in value else "")


FORMS = [
    # (YAML value, DSL text, input shape)
    ("[128, 128, 3]", "128x128x3", (128, 128, 3)),
    ("128", "128", (128, 128, 3)),
    ("128x96", "128x96", (128, 96, 3)),
    ("128x96x1", "128x96x1", (128, 96, 1)),
    ("$side", "$side", (96, 96, 3)),
]


def input_shape(text: str, file: str, overrides: tuple[str, ...] = ()) -> tuple[int, ...]:
    graph = compile_document(convert.parse(text, file), [parse_override(o) for o in overrides])
    return graph.nodes[0].attrs["shape"]


@pytest.mark.parametrize("yaml_value,dsl_text,shape", FORMS)
def test_yaml_and_dsl_accept_every_form(yaml_value: str, dsl_text: str, shape: tuple) -> None:
    assert input_shape(yaml_spec(yaml_value), "a.yaml") == shape
    assert input_shape(arch_spec(dsl_text), "a.arch") == shape


@pytest.mark.parametrize("yaml_value,dsl_text,shape", FORMS[1:4])
def test_set_input_takes_the_same_forms(yaml_value: str, dsl_text: str, shape: tuple) -> None:
    given = input_shape(yaml_spec("[32, 32, 3]"), "a.yaml", (f"input={dsl_text}",))
    assert given == shape


@pytest.mark.parametrize("to", convert.FORMATS)
def test_fmt_writes_a_short_input_out_in_full(to: str) -> None:
    text = convert.write(convert.parse(yaml_spec("160x128"), "a.yaml"), to)
    assert ("input: [160, 128, 3]" if to == "yaml" else "input 160x128x3") in text.splitlines()
