"""Deterministic validation splits carved from the training files, by document rather than by line."""

from __future__ import annotations

import hashlib


def in_validation(key: str, fraction: float, salt: str = "sqzdesk") -> bool:
    """Stable membership: the same document key always lands on the same side, run after run."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction
