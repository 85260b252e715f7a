"""ListTransformJobs / ListEndpoints: ours and moto's summaries in one list, filtered, sorted and paged.

The filters and sort keys of both actions are the same (NameContains, StatusEquals, creation and
last-modified bounds; SortBy Name | CreationTime | Status, newest first by default). NextToken is
an offset tied to the query it was made for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from automl_local import paging
from automl_local.errors import ApiError, ValidationError, show

MAX_MOTO_PAGES = 1000


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
    bounds = paging.time_bounds(
        body,
        lambda field, value: ValidationError(
            f"Invalid {field}: {show(value)}. Expected epoch seconds or ISO-8601."
        ),
    )

    def keep(item: dict[str, Any]) -> bool:
        created = float(item.get("CreationTime") or 0)
        modified = float(item.get("LastModifiedTime") or created)
        if not paging.within(bounds, created, modified):
            return False
        if body.get("NameContains") and body["NameContains"].lower() not in item[name_key].lower():
            return False
        return not body.get("StatusEquals") or item[status_key] == body["StatusEquals"]

    found = [item for item in items if keep(item)]
    paging.sort_items(
        found,
        body,
        body["SortBy"] if body.get("SortBy") in paging.SORT_KEYS else "CreationTime",
        name=lambda i: i[name_key],
        status=lambda i: i[status_key],
        created=lambda i: float(i.get("CreationTime") or 0),
    )
    return paging.page(
        found,
        body,
        {k: body.get(k) for k in paging.QUERY_KEYS},
        lambda token: ValidationError(
            f"Invalid NextToken: {show(token)}. Pass the NextToken of the previous answer, "
            "with the same filters and sort options."
        ),
    )


__all__ = ["moto_items", "page"]
