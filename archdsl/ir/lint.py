"""Warnings: what a spec may legally say but almost never means.

Each check looks at one block before it is lowered and returns (knob, message) pairs; the
expander locates them at the knob and the command prints them on stderr (exit 0).
"""

from __future__ import annotations

from typing import Any

from archdsl.ir.graph import Shape

# Block types whose kernel is a convolution's (a pool's window has no such habit).
CONVOLUTIONS = {"conv", "dwconv", "sepconv", "mbconv", "shuffle"}


def block_warnings(
    block_type: str, stride: int, kernel: Any, shape: Shape
) -> list[tuple[str, str]]:
    """(knob, message) for each likely mistake in one block with input ``shape``."""
    found = []
    if stride > 1 and len(shape) == 3 and shape[0] == 1 and shape[1] == 1:
        found.append(
            ("stride", f"stride {stride} on a 1x1 map does nothing: the map cannot shrink further")
        )
    elif block_type in CONVOLUTIONS and stride > 2:
        found.append(
            ("stride", f"stride {stride}: mobile networks halve the map per stage (stride 2)")
        )
    if block_type in CONVOLUTIONS and isinstance(kernel, int) and kernel % 2 == 0:
        found.append(
            (
                "kernel",
                f"kernel {kernel} is even: it has no centre pixel, so padding shifts the map"
                " by half a pixel (the papers use odd kernels)",
            )
        )
    return found
