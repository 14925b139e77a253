"""archdsl list: every block type with its knobs, in aligned columns."""

from __future__ import annotations

import pytest

from archdsl.cli import main
from archdsl.spec.schema import block_knobs, block_types


def test_every_block_type_says_its_knobs(capsys: pytest.CaptureFixture) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out.split("Block types:\n")[1].splitlines()
    names, knob_lines = out[0::2], out[1::2]
    assert [line.split()[0] for line in names] == block_types()
    column = {line.index(line.split()[1]) for line in names}
    assert len(column) == 1, "descriptions start in one column"
    for block, line in zip(block_types(), knob_lines, strict=True):
        knobs = [k for k in block_knobs(block) if k != "name"]
        expected = ", ".join(knobs) if knobs else f"none (written {block}: {{}})"
        assert line.strip() == f"knobs: {expected}"
    normalization = block_types().index("normalization")
    assert knob_lines[normalization].strip() == "knobs: none (written normalization: {})"
