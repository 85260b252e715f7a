"""Merging a raw request with what typed arguments build, never overwriting silently."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from airflow_provider_automl.exceptions import AutoMLValidationError, show_value


def compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop unset (None) members, and sub-mappings that only held unset members.

    A mapping given empty stays (``{"ImageClassificationJobConfig": {}}`` is a valid request).
    """
    result: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, Mapping) and value:
            value = compact(value)
            if not value:
                continue
        result[key] = value
    return result


def raw_extra(extra: Any) -> dict[str, Any]:
    """A copy of the raw ``extra`` request, which must be a mapping."""
    if extra is None:
        return {}
    if not isinstance(extra, Mapping):
        raise AutoMLValidationError("extra", extra, "Expected a mapping holding a raw create request.")
    return copy.deepcopy(dict(extra))


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and left == right


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any], *, path: str = "") -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``; never overwrite silently.

    Mappings merge key by key. Any other value (lists included) is a leaf: a key set on one side
    only is taken from that side, ``None`` counts as unset, equal values are fine, and different
    values raise :class:`AutoMLValidationError` naming the path and both values.
    In the builders ``base`` is the raw ``extra`` request and ``override`` the typed arguments.
    """
    result = copy.deepcopy(dict(base))
    for key, value in override.items():
        where = f"{path}.{key}" if path else str(key)
        if value is None:
            continue
        current = result.get(key)
        if current is None:
            result[key] = copy.deepcopy(value)
        elif isinstance(current, Mapping) and isinstance(value, Mapping):
            result[key] = deep_merge(current, value, path=where)
        elif not _same(current, value):
            raise AutoMLValidationError(
                where,
                current,
                f"The raw request (extra) sets {show_value(current)} but the typed argument sets "
                f"{show_value(value)}; "
                "set it in one place only, or to the same value.",
            )
    return result
