"""archdsl.record.Record makes the class typing.NamedTuple makes, without typing's check
of each field's annotation (most of what a NamedTuple class costs a first run)."""

from __future__ import annotations

import copy
import pickle
import typing
from typing import Any, NamedTuple

import pytest

from archdsl import record
from archdsl.record import Record


class TheirPoint(NamedTuple):
    """A point."""

    x: int
    y: int = 0
    label: tuple[str, ...] = ()

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)

    def moved(self, dx: int) -> TheirPoint:
        return self._replace(x=self.x + dx)


class OurPoint(Record):
    """A point."""

    x: int
    y: int = 0
    label: tuple[str, ...] = ()

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)

    def moved(self, dx: int) -> OurPoint:
        return self._replace(x=self.x + dx)


def _same(ours: Any, theirs: Any) -> None:
    assert tuple(ours) == tuple(theirs)
    assert repr(ours) == repr(theirs).replace("TheirPoint", "OurPoint")
    assert hash(ours) == hash(theirs) and ours == theirs  # tuples, as NamedTuples are


@pytest.mark.parametrize("args", [(1,), (3, -4), (0, 2, ("a", "b"))])
def test_a_record_behaves_as_the_named_tuple(args: tuple[Any, ...]) -> None:
    ours, theirs = OurPoint(*args), TheirPoint(*args)
    _same(ours, theirs)
    _same(OurPoint(**theirs._asdict()), theirs)
    _same(OurPoint._make(args + (0, ())[len(args) - 1 :]), theirs)
    _same(ours.moved(2), theirs.moved(2))
    assert ours.norm == theirs.norm and ours._asdict() == theirs._asdict()
    for other in (pickle.loads(pickle.dumps(ours)), copy.deepcopy(ours), copy.copy(ours)):
        assert type(other) is OurPoint and other == ours
    with pytest.raises(AttributeError):
        ours.x = 5  # type: ignore[misc]


def test_a_record_class_has_what_the_named_tuple_class_has() -> None:
    assert OurPoint.__mro__[1:] == TheirPoint.__mro__[1:] == (tuple, object)
    for name in ("_fields", "_field_defaults", "__match_args__", "__doc__", "__module__"):
        assert getattr(OurPoint, name) == getattr(TheirPoint, name), name
    assert OurPoint.__qualname__ == "OurPoint" and OurPoint.__name__ == "OurPoint"
    # The annotations stay as written (text, with postponed evaluation) and still resolve.
    assert OurPoint.__annotations__ == {"x": "int", "y": "int", "label": "tuple[str, ...]"}
    assert typing.get_type_hints(OurPoint) == typing.get_type_hints(TheirPoint)


def test_a_record_refuses_what_a_named_tuple_refuses() -> None:
    with pytest.raises(TypeError, match="Non-default"):

        class Bad(Record):
            a: int = 0
            b: int

    with pytest.raises(AttributeError, match="Cannot overwrite NamedTuple attribute _make"):

        class Worse(Record):
            a: int

            def _make(self) -> None: ...

    with pytest.raises(TypeError, match="inherits from Record alone"):

        class Mixed(Record, dict):  # type: ignore[misc]
            a: int

    assert typing._prohibited == record._PROHIBITED  # type: ignore[attr-defined]
    assert typing._special == record._SPECIAL  # type: ignore[attr-defined]


def _record_classes() -> list[type]:
    from archdsl.analysis.analyze import Analysis, GroupStats
    from archdsl.errors import Location
    from archdsl.ir.graph import Block, BlockCost, Cost, Node
    from archdsl.ir.memo import Entry, Template
    from archdsl.ir.ops import OpDef
    from archdsl.spec.limits import Limits
    from archdsl.spec.params import Override
    from archdsl.spec.yaml_front import _Mark

    return [Analysis, GroupStats, Location, Block, BlockCost, Cost, Node, Entry, Template] + [
        OpDef,
        Limits,
        Override,
        _Mark,
    ]


@pytest.mark.parametrize("cls", _record_classes(), ids=lambda cls: cls.__name__)
def test_the_records_a_first_summary_makes_skip_typings_checks(cls: type) -> None:
    """typing.NamedTuple would hold ForwardRefs, made by compiling each annotation."""
    assert issubclass(cls, tuple) and cls._fields  # type: ignore[attr-defined]
    assert all(isinstance(kind, str) for kind in cls.__annotations__.values())
