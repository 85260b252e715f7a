"""The List* helpers in automl_local.paging: time bounds, sort, NextToken pages tied to their query."""

from __future__ import annotations

import pytest

from automl_local import paging


def test_epoch_seconds_reads_numbers_and_iso_text() -> None:
    assert paging.epoch_seconds(12) == 12.0
    assert paging.epoch_seconds("1970-01-01T00:01:00Z") == 60.0
    with pytest.raises(ValueError):
        paging.epoch_seconds("yesterday")


def test_bounds_are_strict_and_rounded_to_milliseconds() -> None:
    bounds = paging.time_bounds(
        {
            "CreationTimeAfter": 10.00049,
            "LastModifiedTimeBefore": "1970-01-01T00:00:20Z",
            "NameContains": "x",
        },
        lambda field, value: AssertionError(field),
    )
    assert bounds == {"CreationTimeAfter": 10.0, "LastModifiedTimeBefore": 20.0}
    assert paging.within(bounds, 11, 19)
    assert not paging.within(bounds, 10, 19)
    assert not paging.within(bounds, 11, 20)
    with pytest.raises(KeyError, match="CreationTimeBefore"):
        paging.time_bounds({"CreationTimeBefore": "soon"}, lambda field, value: KeyError(field))


def test_sort_is_descending_unless_ascending_and_status_ties_by_name() -> None:
    items = [("b", "Failed", 1.0), ("A", "Failed", 3.0), ("c", "Completed", 2.0)]

    def sort(sort_by: str, body: dict[str, str]) -> list[str]:
        found = list(items)
        paging.sort_items(
            found, body, sort_by, name=lambda i: i[0], status=lambda i: i[1], created=lambda i: i[2]
        )
        return [i[0] for i in found]

    assert sort("CreationTime", {}) == ["A", "c", "b"]
    assert sort("Name", {"SortOrder": "Ascending"}) == ["A", "b", "c"]
    assert sort("Status", {"SortOrder": "Ascending"}) == ["c", "A", "b"]


def test_pages_follow_their_token_and_refuse_another_querys() -> None:
    items = list(range(25))
    query = {"SortBy": "Name"}
    first, token = paging.page(items, {"MaxResults": 10}, query, KeyError)
    assert first == list(range(10)) and token
    second, token = paging.page(items, {"MaxResults": 10, "NextToken": token}, query, KeyError)
    assert second == list(range(10, 20)) and token
    last, none = paging.page(items, {"MaxResults": 10, "NextToken": token}, query, KeyError)
    assert last == list(range(20, 25)) and none is None
    with pytest.raises(KeyError, match=token):
        paging.page(items, {"NextToken": token}, {"SortBy": "Status"}, KeyError)
    with pytest.raises(KeyError, match="not-a-token"):
        paging.page(items, {"NextToken": "not-a-token"}, query, KeyError)
