"""The user's cache folder for archdsl: ``$XDG_CACHE_HOME/archdsl`` or ``~/.cache/archdsl``."""

from __future__ import annotations

import os


def cache_folder(*parts: str) -> str:
    """A folder under archdsl's cache folder (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "archdsl", *parts)
