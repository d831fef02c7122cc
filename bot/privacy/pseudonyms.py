"""Stable pseudonyms for identifiers that must not appear in logs in clear (PSIDs, session ids)."""
from __future__ import annotations

import hashlib


def pseudonym(identifier: str) -> str:
    """A short, stable, non-reversible reference to `identifier`, fit for a log line."""
    return "u_" + hashlib.sha256(identifier.encode("utf-8")).hexdigest()[:12]
