"""archdsl fmt: canonical text, lossless conversion, kept comments, safe writes."""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from archdsl.cli import main
from archdsl.compile import compile_document
from archdsl.errors import SpecError
from archdsl.spec import convert
from archdsl.spec.source import load_document
from tests.helpers import ROOT, run_cli

MODELINE = "# yaml-language-server: $schema="
SPECS = sorted(Path(p).stem for p in glob.glob(str(ROOT / "specs" / "*.yaml")))


def fmt(text: str, file: str, to: str) -> str:
    """One `fmt` step on text: parse as ``file``'s format, write as ``to``."""
    return convert.write(convert.parse(text, file), to)


@pytest.mark.parametrize("name", SPECS)
def test_yaml_to_dsl_to_yaml_is_a_fixed_point_after_one_fmt(name: str) -> None:
    source = (ROOT / "specs" / f"{name}.yaml").read_text()
    canonical = fmt(source, "a.yaml", "yaml")
    assert canonical == source  # the built-in specs are written in canonical form
    assert fmt(canonical, "b.yaml", "yaml") == canonical
    arch = fmt(canonical, "c.yaml", "arch")
    assert fmt(arch, "d.arch", "yaml") == without_modeline(canonical)  # YAML's own comment
    assert fmt(arch, "e.arch", "arch") == arch


def without_modeline(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith(MODELINE))


@pytest.mark.parametrize("name", SPECS)
def test_dsl_to_yaml_to_dsl_is_a_fixed_point_after_one_fmt(name: str) -> None:
    source = (ROOT / "specs" / f"{name}.arch").read_text()
    canonical = fmt(source, "a.arch", "arch")
    assert canonical == source  # the twins are written in canonical form
    yaml_text = fmt(canonical, "b.arch", "yaml")
    assert fmt(yaml_text, "c.yaml", "arch") == canonical
    assert fmt(yaml_text, "d.yaml", "yaml") == yaml_text


@pytest.mark.parametrize("name", SPECS)
def test_conversion_compiles_to_the_same_graph(name: str) -> None:
    doc = load_document(str(ROOT / "specs" / f"{name}.yaml"))
    graph = compile_document(doc)
    for to in convert.FORMATS:
        again = convert.parse(convert.write(doc, to), f"x.{to}")
        assert compile_document(again) == graph
        assert again.data == doc.data


YAML_WITH_COMMENTS = """# top of file
archdsl: 1   # the format
name: net
title: "Net # one"
input: [32, 32, 3]
params: {classes: 10, width: 1.0}   # params line
defaults:
  # activation for every block
  activation: relu6
  bn: {epsilon: 1.0e-3}   # "# not a comment start" is not here
stages:
  - conv: {filters: 8, stride: 2}     # first
  # before the second
  - mbconv: {filters: 16, expansion: 6, kernel: 3, stride: 2, repeats: 2}
head:
  - global_pool: avg
  - dense: {units: $classes, name: logits}   # logits
# the end
"""


def comment_lines(text: str) -> list[str]:
    return [line[line.index("#") :] for line in text.splitlines() if line.lstrip().startswith("#")]


def test_yaml_comments_survive_yaml_fmt() -> None:
    once = fmt(YAML_WITH_COMMENTS, "n.yaml", "yaml")
    for note in ["# top of file", "# the format", "# params line", "# activation for every block",
                 "# first", "# before the second", "# logits", "# the end"]:  # fmt: skip
        assert note in once, note
    assert "# not a comment start" in once and 'title: "Net # one"' in once
    assert once.index("# before the second") < once.index("- mbconv")
    assert once.rstrip().endswith("# the end")
    assert fmt(once, "n.yaml", "yaml") == once
    assert convert.parse(once, "n.yaml").data == convert.parse(YAML_WITH_COMMENTS, "n.yaml").data


def test_comments_follow_their_block_across_formats() -> None:
    arch = fmt(YAML_WITH_COMMENTS, "n.yaml", "arch")
    lines = arch.splitlines()
    assert any(line.startswith("stages conv") and line.endswith("# first") for line in lines)
    second = next(i for i, line in enumerate(lines) if "mbconv" in line)
    assert lines[second - 1].strip() == "# before the second"
    assert 'model net "Net # one"' in arch and "# logits" in arch
    assert fmt(arch, "n.arch", "arch") == arch


DSL_WITH_COMMENTS = """# a small net
model net "Net"   # trailing on model
input 32x32x3
params classes=10 width=1.0
defaults act=relu6
         divisor=8   # rounding

stem   conv   c8 k3 s2   # stem conv
stages mbconv c16 k3 s2 e6 x2
       # a comment line inside the table
       mbconv c24 k5 s2 e6 x3 se0.25   # with SE
head   global_pool avg | dense $classes   # classifier
# end
"""


def test_dsl_comments_survive_dsl_fmt() -> None:
    once = fmt(DSL_WITH_COMMENTS, "n.arch", "arch")
    assert comment_lines(once) == comment_lines(DSL_WITH_COMMENTS) or set(
        note for line in once.splitlines() if "#" in line for note in [line[line.index("#") :]]
    ) >= {"# a small net", "# rounding", "# with SE", "# classifier", "# end"}
    for note in ["# a small net", "# trailing on model", "# rounding", "# stem conv",
                 "# a comment line inside the table", "# with SE", "# classifier", "# end"]:  # fmt: skip
        assert note in once, note
    assert fmt(once, "n.arch", "arch") == once
    assert convert.parse(once, "n.arch").data == convert.parse(DSL_WITH_COMMENTS, "n.arch").data


def test_dsl_layout_aligns_columns() -> None:
    lines = (ROOT / "specs" / "mnasnet_a1.arch").read_text().splitlines()
    stages = [line for line in lines if " mbconv " in line]
    assert len(stages) == 7
    for short in ("k", "s", "e"):
        columns = {line.index(f" {short}", line.index(" c")) for line in stages}
        assert len(columns) == 1, short
    assert any(" | global_pool avg | " in line for line in lines if line.startswith("head"))


# The command.


def test_fmt_prints_the_canonical_form(capsys: pytest.CaptureFixture) -> None:
    assert main(["fmt", "mnasnet_a1", "--to", "arch"]) == 0
    out = capsys.readouterr().out
    twin = (ROOT / "specs" / "mnasnet_a1.arch").read_text()
    code = [line for line in out.splitlines() if not line.startswith("#")]
    assert code == [line for line in twin.splitlines() if not line.startswith("#")]


def test_select_tables_keep_their_comments() -> None:
    text = """model m
input 32x32x3
params classes=10 width=1.0
# channels per width
select width 0.5 1.0
       c2    8   16   # stage 2
       # stage 3 below
       c3    16  32
stages conv c$c2 | conv c$c3
"""
    once = fmt(text, "m.arch", "arch")
    for note in ("# channels per width", "# stage 2", "# stage 3 below"):
        assert note in once
    assert fmt(once, "m.arch", "arch") == once
    assert fmt(fmt(once, "m.arch", "yaml"), "m.yaml", "arch") == once


def test_fmt_write_rewrites_in_place(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = tmp_path / "net.arch"
    spec.write_text(DSL_WITH_COMMENTS)
    assert main(["fmt", str(spec), "--write"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {spec}"
    text = spec.read_text()
    assert text == fmt(DSL_WITH_COMMENTS, "n.arch", "arch")
    before = spec.stat().st_mtime_ns
    assert main(["fmt", str(spec), "--write"]) == 0  # already canonical: not rewritten
    assert capsys.readouterr().out == ""
    assert spec.stat().st_mtime_ns == before
    assert sorted(os.listdir(tmp_path)) == ["net.arch"]


def test_fmt_converts_beside_the_source(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text(YAML_WITH_COMMENTS)
    assert main(["fmt", str(spec), "--to", "arch", "--write"]) == 0
    assert (tmp_path / "net.arch").read_text() == fmt(YAML_WITH_COMMENTS, "n.yaml", "arch")
    assert spec.read_text() == YAML_WITH_COMMENTS
    assert main(["fmt", str(tmp_path / "net.arch"), "-o", str(tmp_path / "back.yaml")]) == 0
    assert (tmp_path / "back.yaml").read_text() == fmt(YAML_WITH_COMMENTS, "n.yaml", "yaml")


def test_fmt_refuses_invalid_specs_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    spec = tmp_path / "bad.arch"
    spec.write_text("model m\ninput 32x32x3\nstages conv c8 k0\n")
    assert main(["fmt", str(spec), "--to", "yaml", "--write"]) == 1
    assert capsys.readouterr().err.startswith(f"{spec}:3:17: error: conv kernel must be at least 1")
    assert sorted(os.listdir(tmp_path)) == ["bad.arch"]


def test_fmt_writes_only_what_compiles_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "net.arch"
    spec.write_text(DSL_WITH_COMMENTS)
    real = convert.write
    monkeypatch.setattr(
        convert, "write", lambda doc, to, out=None: real(doc, to, out).replace("c24", "c32")
    )
    with pytest.raises(SpecError, match="does not compile to the same graph"):
        from archdsl.commands import fmt as fmt_command

        fmt_command.run(fmt_command_args(str(spec), write=True))
    assert spec.read_text() == DSL_WITH_COMMENTS
    assert sorted(os.listdir(tmp_path)) == ["net.arch"]


def fmt_command_args(spec: str, write: bool = False) -> object:
    from archdsl.cli import make_parser

    return make_parser().parse_args(["fmt", spec, *(["--write"] if write else [])])


def test_fmt_write_needs_a_file(capsys: pytest.CaptureFixture) -> None:
    assert main(["fmt", "mnasnet_a1", "--write"]) == 1
    assert "--write needs a spec file" in capsys.readouterr().err


def test_fmt_as_a_process_never_imports_tensorflow() -> None:
    code = (
        "import sys; from archdsl.cli import main; main(['fmt', 'mobilenet_v3_small', '--to', 'arch']);"
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules];"
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"mbconv c16 +k3 +s2 +e1", result.stdout)


def test_fmt_cli_exit_status_on_syntax_error(tmp_path: Path) -> None:
    spec = tmp_path / "broken.arch"
    spec.write_text("model m\ninput 32x\n")
    result = run_cli("fmt", str(spec))
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"{spec}:2:10: error: unexpected end of line; expected a $param"
    )
    assert result.stdout == ""


def test_fmt_refuses_a_suffix_that_contradicts_to(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["fmt", "mobilenet_v2", "--to", "yaml", "-o", str(tmp_path / "a.arch")]) == 1
    assert capsys.readouterr().err == (
        f"archdsl: error: --to yaml does not match -o {tmp_path / 'a.arch'}: archdsl reads a"
        " .arch file as the DSL and any other as YAML (drop --to, or change the suffix)\n"
    )
    assert main(["fmt", "mobilenet_v2", "--to", "arch", "-o", str(tmp_path / "a.txt")]) == 1
    assert "--to arch does not match" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []
    assert main(["fmt", "mobilenet_v2", "-o", str(tmp_path / "a.arch")]) == 0  # suffix decides
    assert load_document(str(tmp_path / "a.arch")).data == load_document("mobilenet_v2").data


def test_fmt_to_arch_leaves_the_schema_modeline_out(capsys: pytest.CaptureFixture) -> None:
    assert (ROOT / "specs" / "mobilenet_v2.yaml").read_text().startswith(MODELINE)
    assert main(["fmt", "mobilenet_v2", "--to", "arch"]) == 0
    out, err = capsys.readouterr()
    assert "yaml-language-server" not in out
    assert out.startswith("# MobileNetV2 as keras.applications.MobileNetV2 builds it.\n")
    assert "the yaml-language-server $schema line is left out" in err


def test_fmt_elsewhere_rebases_the_schema_modeline(tmp_path: Path) -> None:
    schema = (ROOT / "archdsl" / "spec" / "schema.json").resolve()
    for out in (tmp_path / "a.yaml", tmp_path / "deeper" / "b.yaml", ROOT / "specs" / "c.yaml"):
        out.parent.mkdir(exist_ok=True)
        try:
            assert main(["fmt", str(ROOT / "specs" / "mobilenet_v2.yaml"), "-o", str(out)]) == 0
            first = out.read_text().splitlines()[0]
        finally:
            if out.parent == ROOT / "specs":
                out.unlink()
        assert first.startswith(MODELINE)
        assert (out.parent / first.removeprefix(MODELINE)).resolve() == schema
    kept = "# yaml-language-server: $schema=https://example.org/schema.json\n"
    spec = tmp_path / "url.yaml"
    spec.write_text(kept + "archdsl: 1\nname: t\ninput: 32\nstages:\n  - conv: {filters: 8}\n")
    assert main(["fmt", str(spec), "-o", str(tmp_path / "deeper" / "url.yaml")]) == 0
    assert (tmp_path / "deeper" / "url.yaml").read_text().startswith(kept)


def test_the_readme_spec_is_in_canonical_form() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("```yaml\n", readme.index("## A spec")) + len("```yaml\n")
    example = readme[start : readme.index("```", start)]
    assert fmt(example, "readme.yaml", "yaml") == example
    graph = compile_document(convert.parse(example, "readme.yaml"))
    assert graph.nodes == compile_document(load_document("mnasnet_a1")).nodes
