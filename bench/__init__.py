"""archdsl benchmarks: each figure measured against its reference in the same run.

Run ``python bench/run.py`` (``--quick`` for a short smoke run); it writes docs/benchmarks.md.
"""
