"""The event trigger's high-water mark: what it has reported, kept across triggerer restarts.

Where it lives, and why: in the **asset state store** of the asset the trigger watches for
(Airflow >= 3.3), under a key derived from the trigger's connection and filter. Not in the
trigger's kwargs: those are fixed when the DAG is parsed and identify the trigger, so they cannot
move. Not derived from the asset's own events: the triggerer's trigger process has no metadata-DB
access (Airflow blocks it) and no call that reads asset events; the asset state store is the one
durable, per-asset store a trigger can read and write (``BaseEventTrigger.asset_state_store``).

The mark is written only after Airflow confirms that the events it covers are stored (the shared
stream's ack mode), so a restart never skips a job whose event was lost with the old triggerer:
such a job is reported again. A restart between "event stored" and "mark written" (about one
triggerer sync, a second or two) reports that one job twice; see docs/event-driven.md.

The value: ``{"version": 1, "since": <ISO>, "reported": {<job name, lower case>: <EndTime ISO>}}``.
Every matching job that ended before ``since`` has been reported (or ended before the watch
began); ``reported`` lists the ones at or after it already reported. Pure Python.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

VERSION = 1
KEY_PREFIX = "sagemaker-automl-ended"


def state_key(identity: Mapping[str, Any]) -> str:
    """The store key for a trigger: the prefix and a digest of what it watches and where."""
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{KEY_PREFIX}/{digest}"


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc).isoformat()


def _epoch(text: Any) -> float:
    if not isinstance(text, str):
        raise ValueError(f"expected an ISO-8601 string, got {text!r}")
    return dt.datetime.fromisoformat(text).timestamp()


@dataclass
class Mark:
    """``since`` (epoch s) and the jobs (lower-case name -> end epoch s) reported at or after it."""

    since: float
    reported: dict[str, float] = field(default_factory=dict)

    def to_value(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "since": _iso(self.since),
            "reported": {key: _iso(end) for key, end in sorted(self.reported.items())},
        }

    @classmethod
    def from_value(cls, value: Any) -> Mark | None:
        """The mark in a stored value; None (logged) for anything this version cannot read."""
        if value is None:
            return None
        try:
            if not isinstance(value, Mapping) or value.get("version") != VERSION:
                raise ValueError(f"unknown format: {value!r:.200}")
            reported = value.get("reported") or {}
            if not isinstance(reported, Mapping):
                raise ValueError("'reported' is not a mapping")
            return cls(
                since=_epoch(value["since"]),
                reported={str(key).lower(): _epoch(end) for key, end in reported.items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("Ignoring an unreadable AutoML event mark (%s); starting from now.", exc)
            return None

    @classmethod
    def merge(cls, marks: list[Mark]) -> Mark | None:
        """Marks read from several assets of one trigger: the earliest ``since`` (nothing lost) and
        every job any of them reported (nothing sent twice)."""
        if not marks:
            return None
        since = min(m.since for m in marks)
        reported: dict[str, float] = {}
        for mark in marks:
            reported.update({k: v for k, v in mark.reported.items() if v >= since})
        return cls(since=since, reported=reported)


class MarkStore(Protocol):
    """Where a mark is read and written."""

    async def load(self) -> Mark | None: ...

    async def save(self, mark: Mark) -> None: ...


class MemoryMarkStore:
    """A mark kept in this process only (no asset state store: Airflow < 3.3, tests)."""

    def __init__(self, mark: Mark | None = None) -> None:
        self.mark = mark
        self.saves = 0

    async def load(self) -> Mark | None:
        return None if self.mark is None else Mark(self.mark.since, dict(self.mark.reported))

    async def save(self, mark: Mark) -> None:
        self.mark = Mark(mark.since, dict(mark.reported))
        self.saves += 1


class AssetMarkStore:
    """The mark in the asset state store of every asset the trigger feeds (usually one).

    ``accessors`` is the trigger's ``asset_state_store`` (``AssetStateStoreAccessors``, injected by
    the triggerer): one accessor per watched asset.
    """

    def __init__(self, accessors: Any, key: str) -> None:
        self.key = key
        self._accessors = _per_asset(accessors)

    async def load(self) -> Mark | None:
        marks = [Mark.from_value(await accessor.aget(self.key)) for accessor in self._accessors]
        return Mark.merge([m for m in marks if m is not None])

    async def save(self, mark: Mark) -> None:
        value = mark.to_value()
        for accessor in self._accessors:
            await accessor.aset(self.key, value)


def _per_asset(accessors: Any) -> list[Any]:
    # AssetStateStoreAccessors keeps one accessor per asset; it only offers a lookup by Asset
    # (whose name we do not know here) and single-asset shortcuts.
    found = [*getattr(accessors, "_by_name", {}).values(), *getattr(accessors, "_by_uri", {}).values()]
    return found or [accessors]


class MarkTracker:
    """The mark as it moves: jobs handed out but not yet confirmed stored hold it back.

    ``floor`` (from the watcher) is the earliest end time not settled by a round yet; a job
    handed out is *unconfirmed* until Airflow says its event is stored, then *reported*.
    """

    def __init__(self, mark: Mark) -> None:
        self.since = mark.since
        self.reported = dict(mark.reported)
        self.unconfirmed: dict[str, float] = {}

    def handed_out(self, key: str, end: float) -> None:
        self.unconfirmed[key] = end

    def confirmed(self, key: str) -> None:
        end = self.unconfirmed.pop(key, None)
        if end is not None:
            self.reported[key] = end

    def current(self, floor: float) -> Mark:
        """What may be written now: ``since`` never passes an unconfirmed job."""
        since = max(self.since, min([floor, *self.unconfirmed.values()]))
        self.since = since
        self.reported = {key: end for key, end in self.reported.items() if end >= since}
        return Mark(since=since, reported=dict(self.reported))
