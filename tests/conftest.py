"""Shared pytest configuration: hypothesis profiles.

Tests that set ``max_examples`` themselves keep it; the rest (the fuzz tests) take it
from the profile: ``ci`` (default, at least 10,000 fuzz examples per run) or ``dev``
(quick), chosen with HYPOTHESIS_PROFILE=dev.
"""

from __future__ import annotations

import os

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
