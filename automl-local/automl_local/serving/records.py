"""Serving state: transform jobs and endpoints as JSON records, one file each under the data dir.

Like :class:`~automl_local.store.JobStore` for AutoML jobs: an in-memory table (names unique
case-insensitively), every change persisted at once, so a restart finds what clients created. File
names come from names the request validation has already matched against SageMaker's patterns, and
still go through :func:`~automl_local.paths.inside`.
"""

from __future__ import annotations

import copy
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from automl_local.paths import inside
from automl_local.store import now

Record = dict[str, Any]


class ResourceTable:
    """Records keyed by the ``name_key`` member, e.g. ``TransformJobName``."""

    def __init__(self, directory: Path, name_key: str) -> None:
        self.directory = Path(directory)
        self.name_key = name_key
        self._records: dict[str, Record] = {}
        self._lock = threading.RLock()

    def load(self) -> list[Record]:
        """Read every persisted record (torn writes from a crash are skipped); returns copies."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            for path in sorted(self.directory.glob("*.json")):
                try:
                    record = json.loads(path.read_text())
                    name = str(record[self.name_key])
                except (OSError, ValueError, KeyError, TypeError):
                    continue
                self._records[name.lower()] = record
            return [copy.deepcopy(r) for r in self._records.values()]

    def create(self, record: Record) -> bool:
        """Add ``record``; False (and nothing written) when the name is taken."""
        key = str(record[self.name_key]).lower()
        with self._lock:
            if key in self._records:
                return False
            self._persist(record)  # first: a record that cannot be written is not created
            self._records[key] = record
            return True

    def get(self, name: str) -> Record | None:
        with self._lock:
            record = self._records.get(name.lower())
            return copy.deepcopy(record) if record is not None else None

    def exists(self, name: str) -> bool:
        with self._lock:
            return name.lower() in self._records

    def all(self) -> list[Record]:
        with self._lock:
            return [copy.deepcopy(r) for r in self._records.values()]

    def update(self, name: str, change: Callable[[Record], None]) -> Record | None:
        """Apply ``change`` to the live record, bump LastModifiedTime, persist; None when it is gone."""
        with self._lock:
            record = self._records.get(name.lower())
            if record is None:
                return None
            change(record)
            record["LastModifiedTime"] = max(now(), round(record.get("LastModifiedTime", 0) + 0.001, 3))
            self._persist(record)
            return copy.deepcopy(record)

    def delete(self, name: str) -> bool:
        with self._lock:
            record = self._records.pop(name.lower(), None)
            if record is None:
                return False
            self._path(record).unlink(missing_ok=True)
            return True

    def _path(self, record: Record) -> Path:
        return inside(self.directory, f"{str(record[self.name_key]).lower()}.json")

    def _persist(self, record: Record) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(record)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(record, indent=1, sort_keys=True))
        os.replace(tmp, path)


__all__ = ["Record", "ResourceTable"]
