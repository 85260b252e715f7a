"""AutoML job names: the rule, and names derived from a task instance (DESIGN.md, decision 1)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone

from airflow_provider_automl.exceptions import AutoMLValidationError

JOB_NAME_MAX_LENGTH = 32
JOB_NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}")
JOB_NAME_RULE = (
    f"A job name is 1-{JOB_NAME_MAX_LENGTH} characters: letters, digits and hyphens, starting and "
    "ending with a letter or digit (pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,31})."
)
_HASH_LENGTH = 12


def validate_job_name(name: object, field: str = "AutoMLJobName") -> str:
    """Return ``name`` when it is a valid AutoML job name, else raise AutoMLValidationError."""
    if not isinstance(name, str):
        raise AutoMLValidationError(field, name, "Expected a string. " + JOB_NAME_RULE)
    if not 1 <= len(name) <= JOB_NAME_MAX_LENGTH:
        raise AutoMLValidationError(field, name, f"It has {len(name)} characters. " + JOB_NAME_RULE)
    if not JOB_NAME_PATTERN.fullmatch(name):
        raise AutoMLValidationError(field, name, JOB_NAME_RULE)
    return name


def derive_job_name(
    dag_id: str, task_id: str, run_id: str, map_index: int = -1, *, prefix: str = "automl"
) -> str:
    """A valid AutoML job name for a task instance, the same for every try and every process.

    ``<readable>-<hash>``: the readable part is ``prefix-dag_id-task_id`` reduced to letters,
    digits and single hyphens and cut to fit; the hash is the first 12 hex digits of the SHA-256
    of (dag_id, task_id, run_id, map_index), so retries and other processes compute the same name
    and different runs (or mapped instances) get different ones.
    """
    payload = json.dumps([dag_id, task_id, run_id, int(map_index)], separators=(",", ":"))
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    room = JOB_NAME_MAX_LENGTH - _HASH_LENGTH - 1
    readable = re.sub(r"[^a-zA-Z0-9]+", "-", f"{prefix}-{dag_id}-{task_id}").strip("-")[:room].strip("-")
    name = f"{readable}-{digest}" if readable else digest
    return validate_job_name(name)


def timestamped_job_name(job_name: str, now: datetime | None = None) -> str:
    """``job_name`` cut to make room for ``-yymmddHHMMSS`` (UTC): the ``timestamp`` policy's new name."""
    suffix = (now or datetime.now(timezone.utc)).strftime("%y%m%d%H%M%S")
    return f"{job_name[: JOB_NAME_MAX_LENGTH - len(suffix) - 1].rstrip('-')}-{suffix}"
