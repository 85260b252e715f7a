"""Side-by-side measurements against the amazon provider's patterns: ``python -m benchmarks``."""

from __future__ import annotations
