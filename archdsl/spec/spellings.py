"""Other names people know a knob or value by, and the suggestions they get.

A reader of the papers or of Keras writes ``t: 6`` (MobileNetV2's table), ``kernel_size``
or ``strides`` (Keras) or ``c: 80`` (the DSL's short form) in YAML, and ``filters 24`` or
``expansion6`` in the DSL. Each gets the name archdsl uses instead of a guess by spelling,
which suggested ``se`` for ``e`` and ``relu`` for ``gelu``.
"""

from __future__ import annotations

from collections.abc import Sequence

from archdsl.spec.dsl_syntax import KEY_ALIASES, SHORT_KNOBS

# Names from the papers' tables and from Keras, beside the DSL's own short forms.
OTHER_NAMES = {
    **SHORT_KNOBS,
    **KEY_ALIASES,
    "t": "expansion",  # MobileNetV2's table: t, c, n, s
    "n": "repeats",
    "channels": "filters",
    "out_channels": "filters",
    "kernel_size": "kernel",
    "strides": "stride",
    "expand_ratio": "expansion",
    "se_ratio": "se",
    "activation_fn": "activation",
}
# Activation values under another name; silu is what Keras and PyTorch call swish.
ACTIVATION_ALIASES = {"silu": "swish"}
# Activations archdsl does not have: a close spelling of one of ours is no suggestion.
OTHER_ACTIVATIONS = frozenset(
    {"gelu", "elu", "selu", "celu", "leaky_relu", "prelu", "mish", "softplus", "softsign", "glu"}
)
# Values spelled as other libraries spell them.
VALUE_NAMES = {
    "linear": "none",
    "identity": "none",
    "hswish": "hard_swish",
    "h_swish": "hard_swish",
}


def get_close_matches(
    word: str, possibilities: Sequence[str], n: int = 3, cutoff: float = 0.6
) -> list[str]:
    """difflib's, imported only when a name is misspelled (difflib is 1 ms of every run)."""
    from difflib import get_close_matches as close

    return close(word, possibilities, n, cutoff)


def knob_for(name: str, known: list[str]) -> str | None:
    """The knob of ``known`` that ``name`` means: another name for it, or a close spelling."""
    target = OTHER_NAMES.get(name)
    if target in known:
        return target
    close = get_close_matches(name, known, n=1, cutoff=0.6)
    return close[0] if close else None


def key_hint(name: str, known: list[str]) -> str:
    """'; did you mean ...?' for an unknown key, or ''."""
    target = knob_for(name, known)
    if target is None:
        return ""
    if name in SHORT_KNOBS or name in KEY_ALIASES:
        return f"; did you mean '{target}'? ('{name}' is the .arch short form)"
    return f"; did you mean '{target}'?"


def value_hint(value: str, options: list[str]) -> str:
    """'; did you mean ...?' for a value outside an enum, or ''."""
    target = VALUE_NAMES.get(value)
    if target in options:
        return f"; did you mean '{target}'?"
    if value in OTHER_ACTIVATIONS:
        return f" ({value} is not one of archdsl's activations)"
    close = get_close_matches(value, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
