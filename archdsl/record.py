"""``Record``: typing.NamedTuple's class syntax, made without checking each field's type.

``class Cost(Record): trainable: int = 0 ...`` gives the class ``class Cost(NamedTuple)``
gives (fields, defaults, methods, docstring, annotations), made the same way: by
collections.namedtuple, then the class body's own attributes. typing.NamedTuple also turns
each annotation into a ForwardRef (compiling its text: with ``from __future__ import
annotations`` every annotation is text), which is most of the ~0.25 ms a NamedTuple class
costs; a first ``summary`` makes thirteen. Type checkers see typing.NamedTuple.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

# What a class body may not redefine, and what it gives that is not an attribute to copy
# (typing._prohibited and typing._special).
_PROHIBITED = frozenset(
    {"_fields", "_replace", "__slots__", "_make", "__new__", "__getnewargs__"}
    | {"_field_defaults", "_asdict", "__init__", "_source"}
)
_SPECIAL = frozenset({"__module__", "__annotations__", "__name__"})


class _RecordMeta(type):
    def __new__(cls, typename: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
        if namespace.get("__module__") == __name__:
            return super().__new__(cls, typename, bases, namespace)  # Record itself
        if bases != (Record,):
            raise TypeError("a Record class inherits from Record alone")
        annotations = namespace.get("__annotations__", {})
        defaults: list[str] = []
        for field in annotations:
            if field in namespace:
                defaults.append(field)
            elif defaults:
                raise TypeError(f"Non-default field {field} cannot follow default fields")
        made = collections.namedtuple(
            typename,
            list(annotations),
            defaults=[namespace[name] for name in defaults],
            module=namespace["__module__"],
        )
        made.__annotations__ = made.__new__.__annotations__ = dict(annotations)
        for key, value in namespace.items():
            if key in _PROHIBITED:
                raise AttributeError(f"Cannot overwrite NamedTuple attribute {key}")
            if key not in _SPECIAL and key not in made._fields:
                setattr(made, key, value)
        return made


if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:

    class Record(metaclass=_RecordMeta):
        """Base of a record class: see the module's docstring."""
