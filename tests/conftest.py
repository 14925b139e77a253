"""Shared pytest configuration: hypothesis profiles.

Tests that set ``max_examples`` themselves keep it; the rest (the fuzz tests) take it
from the profile: ``ci`` (default, at least 10,000 fuzz examples per run) or ``dev``
(quick), chosen with HYPOTHESIS_PROFILE=dev.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=2_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("dev", parent=settings.get_profile("ci"), max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# archdsl keeps checked documents (and latency tables) in the user's cache folder: tests
# use a folder of their own, removed at the end, never the user's. Set at import, so the
# commands the tests run in fresh processes inherit it.
_CACHE = tempfile.mkdtemp(prefix="archdsl-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)
