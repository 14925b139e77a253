"""Finding and reading a spec: a path, or the name of a built-in network."""

from __future__ import annotations

import os
import re
import sys

from archdsl.errors import Location, SpecError
from archdsl.spec.document import Document
from archdsl.spec.limits import DEFAULT_LIMITS, Limits

SPEC_SUFFIXES = (".yaml", ".yml", ".arch")
STDIN = "<stdin>"
# The first line of .arch text that is not blank or a comment: 'model NAME ...'.
_DSL_START = re.compile(r"\A(?:\ufeff)?(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*model[ \t]")


def builtin_folder() -> str:
    """The folder of the built-in specs, the package ``archdsl.specs``.

    Found from the package's ``__file__`` rather than with importlib.resources, whose
    import costs about 20 ms of a ~150 ms ``archdsl summary``.
    """
    import archdsl.specs

    return os.path.dirname(archdsl.specs.__file__)


def builtin_names() -> list[str]:
    """Names of the built-in specs (one YAML file each under ``archdsl.specs``)."""
    return sorted(
        name.removesuffix(".yaml")
        for name in os.listdir(builtin_folder())
        if name.endswith(".yaml")
    )


def resolve(spec: str) -> str:
    """The file a SPEC argument names: an existing path, else a built-in spec's file."""
    if os.path.exists(spec) or os.sep in spec or spec.endswith(SPEC_SUFFIXES):
        return spec
    candidate = os.path.join(builtin_folder(), f"{spec}.yaml")
    if os.path.isfile(candidate):
        return candidate
    from difflib import get_close_matches

    names = builtin_names()
    close = get_close_matches(spec, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f" (built-in specs: {', '.join(names)})"
    raise SpecError(None, f"no spec file or built-in spec named '{spec}'{hint}")


def read_text(path: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """The file's text, checked for size and UTF-8 (a leading BOM is dropped)."""
    return decode(read_bytes(path, limits), path, limits)


def read_bytes(path: str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The file's bytes, at most one more than the size limit (``decode`` checks them)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(limits.file_bytes + 1)
    except IsADirectoryError:
        raise SpecError(Location(path, 1, 1), "is a folder, not a spec file") from None
    except OSError as exc:
        raise SpecError(None, f"cannot read '{path}': {exc.strerror}") from None


def decode(raw: bytes, path: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """``raw`` as text, checked for size, UTF-8 and NUL bytes (a leading BOM is dropped)."""
    start = Location(path, 1, 1)
    if len(raw) > limits.file_bytes:
        raise SpecError(
            start,
            f"spec file larger than {limits.file_bytes:,} bytes (raise it with --max-spec-bytes)",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = raw[: exc.start]
        line = head.count(b"\n") + 1
        col = len(head[head.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise SpecError(
            Location(path, line, col), "not UTF-8 text (is this a binary file?)"
        ) from None
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise SpecError(Location(path, line, col), "NUL byte in spec (is this a binary file?)")
    return text


def load_document(spec: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read SPEC (path, built-in name, or '-' for stdin) with the front end it needs.

    A file's suffix selects the front end; text from stdin is DSL when its first line
    that is not a comment starts with ``model``, else YAML.
    """
    if spec == "-":
        path = STDIN
        text = decode(sys.stdin.buffer.read(limits.file_bytes + 1), path, limits)
        dsl = bool(_DSL_START.match(text))
    else:
        path = resolve(spec)
        text = read_text(path, limits)
        dsl = path.endswith(".arch")
    return parse(text, path, dsl, limits)


def parse(text: str, path: str, dsl: bool, limits: Limits = DEFAULT_LIMITS) -> Document:
    """``text`` read from ``path`` with the DSL's front end or the YAML one."""
    if dsl:
        from archdsl.spec.dsl_front import parse_dsl

        return parse_dsl(text, path, limits)
    from archdsl.spec.yaml_front import parse_yaml

    return parse_yaml(text, path, limits)
