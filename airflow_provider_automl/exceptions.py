"""Typed errors of the AutoML provider.

Plain ``Exception`` subclasses: Airflow fails a task on any exception, and these
carry the fields a caller needs to decide what to do (job name, the job view).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_automl.jobs import AutoMLJob


class AutoMLError(Exception):
    """Base class of every error raised by this provider."""


class AutoMLValidationError(AutoMLError, ValueError):
    """Bad input, raised before any AWS call."""

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"Invalid {field}: {value!r}. {allowed}")


class AutoMLJobExistsError(AutoMLError):
    """CreateAutoMLJob(V2) answered ResourceInUse: the name is taken (names are never reusable)."""

    def __init__(self, job_name: str, message: str | None = None) -> None:
        self.job_name = job_name
        super().__init__(
            message
            or f"AutoML job {job_name!r} already exists; AutoML job names are unique per account and "
            "can never be reused."
        )


class AutoMLJobNotFoundError(AutoMLError):
    """Describe answered ResourceNotFound (or ValidationException '... does not exist')."""

    def __init__(self, job_name: str, message: str | None = None) -> None:
        self.job_name = job_name
        super().__init__(message or f"AutoML job {job_name!r} does not exist in this account and region.")


class AutoMLJobFailedError(AutoMLError):
    """The job ended Failed or Stopped; ``.job`` holds the final view."""

    def __init__(self, job: AutoMLJob, message: str | None = None) -> None:
        self.job = job
        super().__init__(message or job.failure_message())
