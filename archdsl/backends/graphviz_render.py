"""DOT text to SVG, PNG or PDF with graphviz's ``dot`` program."""

from __future__ import annotations

import shutil
import subprocess

from archdsl.errors import SpecError

RENDERED = ("svg", "png", "pdf")
PNG_DPI = 144  # dot's default 96 makes small, blurry text in a README

MISSING_DOT = (
    "rendering .{fmt} needs graphviz's 'dot' program, which is not on PATH: install graphviz"
    " (apt-get install graphviz, brew install graphviz), or write DOT with -o NAME.dot,"
    " which needs no graphviz program"
)


def dot_program(fmt: str) -> str:
    """The path of ``dot``; a one-line error saying how to get it when it is missing."""
    path = shutil.which("dot")
    if path is None:
        raise SpecError(None, MISSING_DOT.format(fmt=fmt))
    return path


def render(source: str, fmt: str) -> bytes:
    """``source`` (DOT) rendered as ``fmt`` (one of RENDERED)."""
    command = [dot_program(fmt), f"-T{fmt}"]
    if fmt == "png":
        command.append(f"-Gdpi={PNG_DPI}")
    done = subprocess.run(command, input=source.encode(), capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise SpecError(None, f"dot failed: {message[0] if message else f'exit {done.returncode}'}")
    return done.stdout
