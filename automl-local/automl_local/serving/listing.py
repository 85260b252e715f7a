"""ListTransformJobs / ListEndpoints: ours and moto's summaries in one list, filtered, sorted and paged.

The filters and sort keys of both actions are the same (NameContains, StatusEquals, creation and
last-modified bounds; SortBy Name | CreationTime | Status, newest first by default). NextToken is
an offset tied to the query it was made for.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from automl_local.errors import ApiError, ValidationError, show

DEFAULT_MAX_RESULTS = 10
QUERY_KEYS = (
    "CreationTimeAfter",
    "CreationTimeBefore",
    "LastModifiedTimeAfter",
    "LastModifiedTimeBefore",
    "NameContains",
    "StatusEquals",
    "SortBy",
    "SortOrder",
)
MAX_MOTO_PAGES = 1000


def _seconds(field: str, value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ValidationError(
            f"Invalid {field}: {show(value)}. Expected epoch seconds or ISO-8601."
        ) from None


def moto_items(call: Callable[[dict[str, Any]], dict[str, Any]], member: str) -> list[dict[str, Any]]:
    """Every item moto lists for an action (its pages followed); an error lists nothing."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(MAX_MOTO_PAGES):
        try:
            answer = call({"NextToken": token} if token else {})
        except ApiError:
            return items
        items.extend(answer.get(member) or [])
        token = answer.get("NextToken")
        if not token:
            break
    return items


def page(
    items: list[dict[str, Any]], body: dict[str, Any], *, name_key: str, status_key: str
) -> tuple[list[dict[str, Any]], str | None]:
    """``items`` filtered, sorted and cut to the page ``body`` asks for; (page, NextToken)."""
    bounds = {
        key: round(_seconds(key, body[key]), 3)
        for key in (
            "CreationTimeAfter",
            "CreationTimeBefore",
            "LastModifiedTimeAfter",
            "LastModifiedTimeBefore",
        )
        if body.get(key) is not None
    }

    def keep(item: dict[str, Any]) -> bool:
        created = float(item.get("CreationTime") or 0)
        modified = float(item.get("LastModifiedTime") or created)
        if "CreationTimeAfter" in bounds and not created > bounds["CreationTimeAfter"]:
            return False
        if "CreationTimeBefore" in bounds and not created < bounds["CreationTimeBefore"]:
            return False
        if "LastModifiedTimeAfter" in bounds and not modified > bounds["LastModifiedTimeAfter"]:
            return False
        if "LastModifiedTimeBefore" in bounds and not modified < bounds["LastModifiedTimeBefore"]:
            return False
        if body.get("NameContains") and body["NameContains"].lower() not in item[name_key].lower():
            return False
        return not body.get("StatusEquals") or item[status_key] == body["StatusEquals"]

    found = [item for item in items if keep(item)]
    sort_by = body.get("SortBy") or "CreationTime"
    keys: dict[str, Callable[[dict[str, Any]], Any]] = {
        "Name": lambda i: i[name_key].lower(),
        "CreationTime": lambda i: float(i.get("CreationTime") or 0),
        "Status": lambda i: (i[status_key], i[name_key].lower()),
    }
    found.sort(
        key=keys.get(sort_by, keys["CreationTime"]),
        reverse=body.get("SortOrder", "Descending") == "Descending",
    )

    query = json.dumps({k: body.get(k) for k in QUERY_KEYS}, sort_keys=True, default=str)
    fingerprint = hashlib.sha1(query.encode()).hexdigest()[:12]
    offset = 0
    if body.get("NextToken"):
        try:
            decoded = json.loads(base64.urlsafe_b64decode(str(body["NextToken"]).encode()))
            offset = int(decoded["o"])
            valid = decoded["q"] == fingerprint and offset >= 0
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            raise ValidationError(
                f"Invalid NextToken: {show(body['NextToken'])}. Pass the NextToken of the previous answer, "
                "with the same filters and sort options."
            )
    limit = body.get("MaxResults") or DEFAULT_MAX_RESULTS
    token = None
    if offset + limit < len(found):
        token = base64.urlsafe_b64encode(
            json.dumps({"o": offset + limit, "q": fingerprint}).encode()
        ).decode()
    return found[offset : offset + limit], token


__all__ = ["moto_items", "page"]
