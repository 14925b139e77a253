"""check_document tells a search space from a spec with a quick walk for a choice's marker
keys (or ``ops``) before it asks archdsl.space where the space shows: the quick walk must
see every space that archdsl.space sees, or a space would be checked as a spec."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archdsl.compile import SPACE_KEYS, _has_key
from archdsl.space.choices import MARKERS, space_marker
from archdsl.spec.source import builtin_names, load_document
from tests.helpers import ROOT

KEYS = MARKERS | {"ops"}


def test_check_document_walks_for_the_keys_archdsl_space_marks_a_space_with() -> None:
    """compile.py writes the keys out so that a spec is checked without importing
    archdsl.space; they must be the ones archdsl.space looks for."""
    assert SPACE_KEYS == KEYS


@pytest.mark.parametrize(
    "path", sorted((ROOT / "specs" / "spaces").iterdir()), ids=lambda p: p.name
)
def test_every_space_file_is_seen(path: Any) -> None:
    data = load_document(str(path)).data
    assert space_marker(data) is not None
    assert _has_key(data, SPACE_KEYS)


@pytest.mark.parametrize("name", builtin_names())
def test_specs_are_not_spaces(name: str) -> None:
    data = load_document(name).data
    assert space_marker(data) is None
    assert not _has_key(data, SPACE_KEYS)


keys = st.sampled_from(["choice", "times", "plus", "ops", "kernel", "filters", "stages", "of"])
values = st.recursive(
    st.none() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300)
@given(values)
def test_the_quick_walk_sees_whatever_space_marker_sees(data: Any) -> None:
    if space_marker(data) is not None:
        assert _has_key(data, SPACE_KEYS)
