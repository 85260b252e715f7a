"""Corrections to moto's SageMaker answers where they break real clients."""

from __future__ import annotations

from typing import Any


def fix_moto_output(action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Return moto's successful JSON answer to ``action``, corrected where real clients reject it."""
    return payload


__all__ = ["fix_moto_output"]
