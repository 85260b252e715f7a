"""Tags of AutoML jobs: AddTags, ListTags and DeleteTags on automl-job ARNs.

moto has no record of our jobs, so these three actions come here when ``ResourceArn`` names an AutoML job.
The tags given at create stay in the job record; once a job's tags change, its current list lives in
``<data-dir>/tags/<job>.json``. Tagging never touches the record, so it does not move the job's
``LastModifiedTime`` (pollers that wake on it must not see a tag change as a job change).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import regex

from automl_local.errors import ResourceNotFoundError, ValidationError, show
from automl_local.paths import inside
from automl_local.store import JobStore, Record

TAG_ACTIONS = ("AddTags", "ListTags", "DeleteTags")
MAX_TAGS = 50  # per resource, as in AWS
DEFAULT_MAX_RESULTS = 50  # ListTags' MaxResults is at least 50, so one page holds every tag
RESERVED_PREFIX = "aws:"
_AUTOML_JOB_ARN = regex.compile(r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:automl-job/(.+)")


def job_name_of(arn: Any) -> str | None:
    """The job name in an automl-job ARN, or None for any other value (another resource's ARN)."""
    if not isinstance(arn, str):
        return None
    match = _AUTOML_JOB_ARN.fullmatch(arn)
    return match[1] if match else None


def check_new_tags(tags: list[dict[str, str]], *, existing: list[dict[str, str]] | None = None) -> None:
    """SageMaker's rules the model cannot express: unique keys, no ``aws:`` keys, 50 per resource."""
    keys = [tag["Key"] for tag in tags]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValidationError(
            f"Duplicate tag keys: {show(duplicates)}. Tag keys must be unique per resource."
        )
    _check_not_reserved(keys)
    merged = {tag["Key"] for tag in existing or []} | set(keys)
    if len(merged) > MAX_TAGS:
        raise ValidationError(
            f"A resource can have at most {MAX_TAGS} tags; this request would leave it with {len(merged)}."
        )


def _check_not_reserved(keys: list[str]) -> None:
    reserved = [key for key in keys if key.lower().startswith(RESERVED_PREFIX)]
    if reserved:
        raise ValidationError(
            f"Tag keys starting with {RESERVED_PREFIX!r} are reserved for AWS use: {show(reserved)}."
        )


class JobTags:
    """The current tags of every AutoML job, read from the record until they first change."""

    def __init__(self, *, store: JobStore) -> None:
        self.store = store
        self.tags_dir = Path(store.data_dir) / "tags"
        self._lock = threading.Lock()

    # -- actions -----------------------------------------------------------------------------------
    def add_tags(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self._record(body["ResourceArn"])
        with self._lock:
            current = self._current(record)
            check_new_tags(body["Tags"], existing=current)
            merged = {tag["Key"]: tag["Value"] for tag in current}
            merged.update({tag["Key"]: tag["Value"] for tag in body["Tags"]})  # same key: new value
            tags = [{"Key": key, "Value": value} for key, value in merged.items()]
            self._save(record, tags)
        return {"Tags": tags}

    def delete_tags(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self._record(body["ResourceArn"])
        _check_not_reserved(body["TagKeys"])
        drop = set(body["TagKeys"])
        with self._lock:
            current = self._current(record)
            kept = [tag for tag in current if tag["Key"] not in drop]
            if len(kept) != len(current):  # deleting a key the job does not have is no error
                self._save(record, kept)
        return {}

    def list_tags(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self._record(body["ResourceArn"])
        with self._lock:
            tags = self._current(record)
        fingerprint = hashlib.sha1(record["AutoMLJobArn"].encode()).hexdigest()[:12]
        offset = _offset(body.get("NextToken"), fingerprint)
        limit = body.get("MaxResults") or DEFAULT_MAX_RESULTS
        response: dict[str, Any] = {"Tags": tags[offset : offset + limit]}
        if offset + limit < len(tags):
            raw = json.dumps({"o": offset + limit, "r": fingerprint}).encode()
            response["NextToken"] = base64.urlsafe_b64encode(raw).decode()
        return response

    # -- state -------------------------------------------------------------------------------------
    def _record(self, arn: str) -> Record:
        name = job_name_of(arn)
        record = self.store.get(name) if name else None
        # The name part is case-insensitive like job names; region and account must be ours.
        if record is None or record["AutoMLJobArn"].lower() != arn.lower():
            raise ResourceNotFoundError(f"Resource {show(arn)} does not exist: no such AutoML job.")
        return record

    def _path(self, record: Record) -> Path:
        return inside(self.tags_dir, f"{record['AutoMLJobName'].lower()}.json")

    def _current(self, record: Record) -> list[dict[str, str]]:
        path = self._path(record)
        try:
            return list(json.loads(path.read_text()))
        except FileNotFoundError:
            return list(record.get("Tags") or [])
        except (OSError, ValueError):  # a torn write from a crash: fall back to the create-time tags
            return list(record.get("Tags") or [])

    def _save(self, record: Record, tags: list[dict[str, str]]) -> None:
        self.tags_dir.mkdir(parents=True, exist_ok=True)
        path = self._path(record)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(tags))
        os.replace(tmp, path)


def _offset(token: Any, fingerprint: str) -> int:
    if not token:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        offset = int(decoded["o"])
        if decoded["r"] == fingerprint and offset >= 0:
            return offset
    except (ValueError, KeyError, TypeError):
        pass
    raise ValidationError(
        f"Invalid NextToken: {show(token)}. Pass the NextToken of the previous ListTags answer."
    )


__all__ = ["TAG_ACTIONS", "JobTags", "check_new_tags", "job_name_of"]
