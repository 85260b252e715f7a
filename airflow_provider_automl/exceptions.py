"""Typed errors of the AutoML provider.

Every error is an ``AirflowException`` (through :class:`AutoMLError`), so Airflow treats them as
it treats its own: the task fails and retries as configured. Each carries what a caller needs to
decide what to do (field and value, job name, the job view).
"""

from __future__ import annotations

from collections.abc import Mapping, Sized
from typing import TYPE_CHECKING, Any

from airflow_provider_automl.compat import AirflowException

if TYPE_CHECKING:
    from airflow_provider_automl.jobs import AutoMLJob

SHOWN_VALUE_LIMIT = 120  # characters of a bad value's repr quoted in a message


def show_value(value: object, limit: int = SHOWN_VALUE_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` characters, saying how long the whole value was."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = ""
    if isinstance(value, (str, bytes)):
        size = f" ({len(value)} characters)"
    elif isinstance(value, Mapping):
        size = f" ({len(value)} entries)"
    elif isinstance(value, Sized):
        size = f" ({len(value)} items)"
    return f"{text[:limit]}...{size}"


class AutoMLError(AirflowException):
    """Base class of every error raised by this provider."""

    def serialize(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        # Subclasses take other constructor arguments: rebuild as the base class with the message.
        return f"{AutoMLError.__module__}.{AutoMLError.__name__}", (str(self),), {}


class AutoMLValidationError(AutoMLError, ValueError):
    """Bad input, raised before any AWS call: names the field, the value (cut) and what is allowed."""

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"Invalid {field}: {show_value(value)}. {allowed}")


class AutoMLJobExistsError(AutoMLError):
    """The job name is taken (names are never reusable); ``mismatches`` lists how it differs, if known."""

    def __init__(
        self, job_name: str, message: str | None = None, *, mismatches: list[str] | None = None
    ) -> None:
        self.job_name = job_name
        self.mismatches = list(mismatches or [])
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


class AutoMLWaitTimeoutError(AutoMLError):
    """Waiting ran past ``max_wait`` (or the trigger's deadline); the job itself keeps running.

    ``.job`` is the last view seen, or None when no describe succeeded.
    """

    def __init__(self, job_name: str, message: str, *, job: AutoMLJob | None = None) -> None:
        self.job_name = job_name
        self.job = job
        super().__init__(message)
