"""A clone stands on its own: nothing in the project reads files from beside it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import ROOT, reference_models

# A path out of the checkout: "../x", or pathlib's ROOT.parent / "x" (the reference figures
# used to be read from ../shared, which a user's clone does not have).
OUTSIDE = re.compile(r"\.\./\w|\.parent\.parent\s*/|ROOT\.parent\s*/")
CHECKED = ("archdsl", "tests", "bench", ".ci")


def sources() -> list[Path]:
    """The project's code and build files (this test excepted: it names what it looks for)."""
    found = [ROOT / "Makefile", ROOT / "pyproject.toml"]
    for top in CHECKED:
        found += [
            path
            for path in sorted((ROOT / top).rglob("*"))
            if path.is_file()
            and path.suffix in ("", ".py", ".sh")
            and "__pycache__" not in path.parts
            and path != Path(__file__).resolve()
        ]
    return found


def test_no_source_reads_outside_the_checkout():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line) and not line.lstrip().startswith("#")
    ]
    assert not offenders, "\n".join(offenders)


def test_every_reference_figure_says_where_it_came_from():
    entries = reference_models()
    assert len(entries) >= 14
    for entry in entries:
        assert entry["reference"].strip(), entry["id"]
        assert entry["params_total"] >= entry["params_trainable"] > 0, entry["id"]
