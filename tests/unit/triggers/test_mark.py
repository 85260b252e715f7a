"""The event trigger's high-water mark: its stored form and how it moves."""

from __future__ import annotations

from airflow_provider_automl.triggers.mark import Mark, MarkTracker, state_key
from tests.unit.conftest import LogCapture

T = 1_800_000_000.0


def test_round_trip_through_the_stored_value() -> None:
    mark = Mark(since=T, reported={"churn-1": T + 5, "churn-2": T + 7.25})
    value = mark.to_value()
    assert value["version"] == 1
    assert value["since"] == "2027-01-15T08:00:00+00:00"
    assert Mark.from_value(value) == mark


def test_unreadable_values_start_afresh(logs: LogCapture) -> None:
    assert Mark.from_value(None) is None
    assert Mark.from_value({"version": 99}) is None
    assert Mark.from_value({"version": 1, "since": "not a time"}) is None
    assert Mark.from_value("garbage") is None
    assert logs.text.count("Ignoring an unreadable AutoML event mark") == 3


def test_marks_of_several_assets_merge_without_loss_or_repeat() -> None:
    one = Mark(since=T, reported={"a": T + 1})
    other = Mark(since=T + 10, reported={"b": T + 11})
    merged = Mark.merge([one, other])
    assert merged == Mark(since=T, reported={"a": T + 1, "b": T + 11})
    assert Mark.merge([]) is None


def test_since_never_passes_a_job_handed_out_but_not_confirmed() -> None:
    tracker = MarkTracker(Mark(since=T))
    tracker.handed_out("a", T + 10)
    assert tracker.current(floor=T + 100).since == T + 10
    tracker.confirmed("a")
    mark = tracker.current(floor=T + 100)
    assert mark.since == T + 100
    assert mark.reported == {}  # ended before since: nothing to remember
    tracker.handed_out("b", T + 150)
    tracker.confirmed("b")
    assert tracker.current(floor=T + 120) == Mark(since=T + 120, reported={"b": T + 150})
    assert tracker.current(floor=T + 90).since == T + 120  # never goes back


def test_state_key_depends_on_what_is_watched() -> None:
    key = state_key({"filter": {"name_prefix": "a"}, "conn": "aws_default", "region": None})
    assert key.startswith("sagemaker-automl-ended/") and len(key) < 512
    assert key == state_key({"region": None, "conn": "aws_default", "filter": {"name_prefix": "a"}})
    assert key != state_key({"filter": {"name_prefix": "b"}, "conn": "aws_default", "region": None})
