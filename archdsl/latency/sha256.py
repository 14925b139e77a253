"""SHA-256 without hashlib, for the latency table's file name: hashlib loads OpenSSL first
(3 to 5 ms), a sixth of what ``summary --latency`` adds to a plain summary."""

from __future__ import annotations

import sys


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex, from CPython's own module when it has one."""
    try:
        if sys.version_info >= (3, 12):
            from _sha2 import sha256
        else:
            from _sha256 import sha256
    except ImportError:  # a Python built without its own hashes
        from hashlib import sha256
    return sha256(data).hexdigest()
