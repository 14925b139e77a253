"""The networks a latency correction is fitted on (``archdsl.latency.correction``).

They are measured whole at calibration time on the user's machine. They span what people
predict latency for: every built-in at width 0.5 on 160-pixel inputs and at width 1.0 on
192-pixel inputs, and random candidates of the MnasNet search space at either input. The
benchmark evaluates the predictor on other networks (inputs 128 and 224, other
candidates), so its figures are not those of the fit.
"""

from __future__ import annotations

import random

from archdsl.compile import compile_document
from archdsl.ir.graph import Graph
from archdsl.spec.params import Override
from archdsl.spec.source import builtin_names

VARIANTS = ((0.5, 160), (1.0, 192))  # (width, input)
INPUTS = tuple(size for _, size in VARIANTS)
SPACE = "mnasnet"
CANDIDATES = 8
SEED = 20260412  # the space's candidates; the benchmark draws its own with other seeds


def reference_networks() -> list[tuple[str, Graph]]:
    """(label, graph): two variants of each built-in, and ``CANDIDATES`` space candidates."""
    import archdsl

    found = [
        (f"{name} width {width} input {size}", archdsl.load(name, width=width, input=size))
        for name in builtin_names()
        for width, size in VARIANTS
    ]
    return found + space_candidates(CANDIDATES, SEED, INPUTS)


def space_candidates(count: int, seed: int, inputs: tuple[int, ...]) -> list[tuple[str, Graph]]:
    """``count`` random candidates of the MnasNet space, each at a random one of ``inputs``."""
    from archdsl.space.load import load_space

    space = load_space(SPACE)
    rng = random.Random(seed)
    found = []
    for index in range(count):
        assignment = space.sample(rng)
        size = rng.choice(inputs)
        doc = space.resolve(assignment, f"{SPACE}_candidate_{seed}_{index}")
        override = Override("input", f"{size}x{size}x3", f"input={size}x{size}x3", via="load")
        graph = compile_document(doc, [override])
        found.append((f"{SPACE} candidate {seed}/{index} input {size}", graph))
    return found
