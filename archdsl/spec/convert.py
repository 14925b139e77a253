"""Converting a spec document between its two spellings, comments included."""

from __future__ import annotations

from archdsl.spec.comments import Comments, attach, dsl_comments, yaml_comments
from archdsl.spec.document import Document
from archdsl.spec.limits import DEFAULT_LIMITS, Limits
from archdsl.spec.modeline import moved, without_modelines

FORMATS = ("arch", "yaml")


def format_of(path: str) -> str:
    """'arch' for a .arch path, else 'yaml'."""
    return "arch" if path.endswith(".arch") else "yaml"


def comments_of(doc: Document) -> Comments:
    """The comments of ``doc``'s source text, attached to its anchors."""
    find = dsl_comments if format_of(doc.file) == "arch" else yaml_comments
    return attach(doc, find(doc.text))


def write(doc: Document, to: str, destination: str | None = None) -> str:
    """Canonical text of ``doc`` in format ``to`` ('arch' or 'yaml'), with its comments.

    A `yaml-language-server` modeline is left out of `.arch` text; written to
    ``destination``, its relative schema path is re-based on that file's folder.
    """
    comments = comments_of(doc)
    if to == "arch":
        from archdsl.spec.dsl_writer import write_dsl

        return write_dsl(doc.data, without_modelines(comments))
    from archdsl.spec.yaml_writer import write_yaml

    if destination is not None:
        comments = moved(comments, doc.file, destination)
    return write_yaml(doc.data, comments)


def parse(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse ``text`` with the front end ``file``'s suffix selects."""
    if format_of(file) == "arch":
        from archdsl.spec.dsl_front import parse_dsl

        return parse_dsl(text, file, limits)
    from archdsl.spec.yaml_front import parse_yaml

    return parse_yaml(text, file, limits)
