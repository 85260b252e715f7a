"""What the List* actions share: time bounds, the Name / CreationTime / Status sort, NextToken paging.

ListAutoMLJobs and ListCandidatesForAutoMLJob (``api.py``), ListTransformJobs and ListEndpoints
(``serving/listing.py``) filter, sort and page alike. A NextToken is the offset of the next page
tied to a fingerprint of the query it was made for, so a token replayed with other filters or sort
options is refused instead of skipping or repeating items. Each action words its own errors: the
helpers that refuse a value take a function making the action's exception.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_MAX_RESULTS = 10
TIME_BOUND_KEYS = (
    "CreationTimeAfter",
    "CreationTimeBefore",
    "LastModifiedTimeAfter",
    "LastModifiedTimeBefore",
)
QUERY_KEYS = (*TIME_BOUND_KEYS, "NameContains", "StatusEquals", "SortBy", "SortOrder")
SORT_KEYS = ("Name", "CreationTime", "Status")


def epoch_seconds(value: Any) -> float:
    """A time given as epoch seconds or ISO-8601 text, in epoch seconds; ``ValueError`` otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def time_bounds(body: Mapping[str, Any], invalid: Callable[[str, Any], Exception]) -> dict[str, float]:
    """The creation / last-modified bounds ``body`` sets, in epoch seconds rounded to milliseconds.

    Milliseconds are the precision the backend keeps its times at. A value that is no time raises
    ``invalid(field, value)``: the action's own error.
    """
    bounds = {}
    for key in TIME_BOUND_KEYS:
        if body.get(key) is not None:
            try:
                bounds[key] = round(epoch_seconds(body[key]), 3)
            except ValueError:
                raise invalid(key, body[key]) from None
    return bounds


def within(bounds: Mapping[str, float], created: float, modified: float) -> bool:
    """Whether an item created and last modified at these times lies strictly inside ``bounds``."""
    if "CreationTimeAfter" in bounds and not created > bounds["CreationTimeAfter"]:
        return False
    if "CreationTimeBefore" in bounds and not created < bounds["CreationTimeBefore"]:
        return False
    if "LastModifiedTimeAfter" in bounds and not modified > bounds["LastModifiedTimeAfter"]:
        return False
    return not ("LastModifiedTimeBefore" in bounds and not modified < bounds["LastModifiedTimeBefore"])


def sort_items(
    items: list[T],
    body: Mapping[str, Any],
    sort_by: str,
    *,
    name: Callable[[T], str],
    status: Callable[[T], str],
    created: Callable[[T], float],
) -> None:
    """Sort ``items`` in place by ``sort_by``, one of ``SORT_KEYS``; descending unless SortOrder says not.

    Names compare case-insensitively; a Status sort breaks ties by name.
    """
    keys: dict[str, Callable[[T], Any]] = {
        "Name": lambda i: name(i).lower(),
        "CreationTime": created,
        "Status": lambda i: (status(i), name(i).lower()),
    }
    items.sort(key=keys[sort_by], reverse=body.get("SortOrder", "Descending") == "Descending")


def page(
    items: list[T], body: Mapping[str, Any], query: Mapping[str, Any], invalid: Callable[[Any], Exception]
) -> tuple[list[T], str | None]:
    """The page of ``items`` that ``body``'s NextToken and MaxResults ask for, and the next NextToken.

    ``query`` is what the token is tied to: the filters and sort options of the request.
    A token not made for this query raises ``invalid(token)``.
    """
    fingerprint = hashlib.sha1(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:12]
    offset = 0
    if body.get("NextToken"):
        try:
            decoded = json.loads(base64.urlsafe_b64decode(str(body["NextToken"]).encode()))
            offset = int(decoded["o"])
            valid = decoded["q"] == fingerprint and offset >= 0
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            raise invalid(body["NextToken"])
    limit = body.get("MaxResults") or DEFAULT_MAX_RESULTS
    token = None
    if offset + limit < len(items):
        raw = json.dumps({"o": offset + limit, "q": fingerprint}).encode()
        token = base64.urlsafe_b64encode(raw).decode()
    return items[offset : offset + limit], token


__all__ = [
    "DEFAULT_MAX_RESULTS",
    "QUERY_KEYS",
    "SORT_KEYS",
    "epoch_seconds",
    "page",
    "sort_items",
    "time_bounds",
    "within",
]
