"""Job state: an in-memory table of job records, persisted as one JSON file per job under the data dir.

A record is the JSON-safe truth about one job (its create request, status, candidates, times as epoch
seconds); api.py renders responses from it. Every change goes through :meth:`JobStore.update`, which
bumps ``LastModifiedTime`` so ListAutoMLJobs(LastModifiedTimeAfter=...) sees each transition.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from automl_local.errors import ResourceInUseError
from automl_local.paths import inside
from automl_local.signing import SigningKey, load_or_create_key

Record = dict[str, Any]

JOBS_DIR = "jobs"  # <data-dir>/jobs/<name>.json
ARTIFACTS_DIR = "artifacts"  # <data-dir>/artifacts/<bucket>/<key>: the copy of what the backend wrote to S3

ACTIVE_STATUSES = frozenset({"InProgress", "Stopping"})
INTERRUPTED_REASON = (
    "The local AutoML backend restarted while this job was running; "
    "the job was interrupted and cannot resume."
)


def now() -> float:
    """Epoch seconds at millisecond precision, the resolution clients round-trip."""
    return round(time.time(), 3)


class JobStore:
    """Thread-safe job table; names are unique case-insensitively, as in SageMaker."""

    def __init__(self, *, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.jobs_dir = self.data_dir / JOBS_DIR
        self.artifacts_dir = self.data_dir / ARTIFACTS_DIR
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self.artifacts_dir.mkdir(parents=True, exist_ok=True)
        # Signs every artifact the backend writes; raises SigningKeyError when the file is unsafe.
        self.signing_key: SigningKey = load_or_create_key(self.data_dir)
        self._jobs: dict[str, Record] = {}
        self._lock = threading.RLock()

    # -- loading -----------------------------------------------------------------------------------
    def load(self) -> list[str]:
        """Read every persisted job; jobs that were running end Failed. Returns their names."""
        interrupted = []
        for path in sorted(self.jobs_dir.glob("*.json")):
            try:
                record = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # a torn write from a crash: the job is lost, the server still starts
            self._jobs[record["AutoMLJobName"].lower()] = record
            if record["AutoMLJobStatus"] in ACTIVE_STATUSES:
                interrupted.append(record["AutoMLJobName"])
        for name in interrupted:

            def fail(record: Record) -> None:
                record["AutoMLJobStatus"] = "Failed"
                record["AutoMLJobSecondaryStatus"] = "Failed"
                record["FailureReason"] = INTERRUPTED_REASON
                record["EndTime"] = now()
                for candidate in record.get("Candidates", []):
                    if candidate["CandidateStatus"] in ACTIVE_STATUSES:
                        candidate["CandidateStatus"] = "Failed"
                        candidate["FailureReason"] = INTERRUPTED_REASON
                        candidate["EndTime"] = candidate["LastModifiedTime"] = record["EndTime"]

            self.update(name, fail)
        return interrupted

    # -- access ------------------------------------------------------------------------------------
    def create(self, record: Record) -> None:
        key = record["AutoMLJobName"].lower()
        with self._lock:
            existing = self._jobs.get(key)
            if existing is not None:
                raise ResourceInUseError(
                    f"Job with name {record['AutoMLJobName']!r} already exists as "
                    f"{existing['AutoMLJobName']!r} (AutoML job names are unique case-insensitively and "
                    "cannot be reused)."
                )
            self._persist(record)  # first: a record that cannot be written is not created at all
            self._jobs[key] = record

    def get(self, name: str) -> Record | None:
        with self._lock:
            record = self._jobs.get(name.lower())
            return copy.deepcopy(record) if record is not None else None

    def all(self) -> list[Record]:
        with self._lock:
            return [copy.deepcopy(record) for record in self._jobs.values()]

    def count_active(self) -> int:
        with self._lock:
            return sum(1 for r in self._jobs.values() if r["AutoMLJobStatus"] in ACTIVE_STATUSES)

    def update(self, name: str, change: Callable[[Record], None]) -> Record:
        """Apply ``change`` to the live record, bump LastModifiedTime, persist; returns a copy."""
        with self._lock:
            record = self._jobs[name.lower()]
            change(record)
            # Strictly increasing, so a poller using LastModifiedTimeAfter never misses a change.
            record["LastModifiedTime"] = max(now(), round(record["LastModifiedTime"] + 0.001, 3))
            self._persist(record)
            return copy.deepcopy(record)

    def iter_names(self) -> Iterator[str]:
        with self._lock:
            names = [r["AutoMLJobName"] for r in self._jobs.values()]
        yield from names

    # -- files -------------------------------------------------------------------------------------
    def _persist(self, record: Record) -> None:
        path = job_file(self.jobs_dir, record["AutoMLJobName"])
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(record, indent=1, sort_keys=True))
        os.replace(tmp, path)


def job_file(jobs_dir: Path, name: str) -> Path:
    """``jobs_dir/<name>.json``; a name that would lead elsewhere is refused (UnsafePathError)."""
    return inside(jobs_dir, f"{name}.json")
