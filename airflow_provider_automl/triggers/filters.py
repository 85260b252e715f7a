"""Which ended AutoML jobs an event trigger reports: name, creation time, end status, problem type.

Checked when the trigger is built, which happens while the DAG file is parsed: so the checks
here are pure Python (the names' pattern, the status and problem-type enums of the API, as the
``requests`` package states them), and the same filter, as the ListAutoMLJobs request it stands
for, passes the one validator (:func:`airflow_provider_automl.requests.validate`) on the
triggerer before the first call, where botocore is loaded anyway (:meth:`JobFilter.validate`).
A unit test holds both to the same answers.

ListAutoMLJobs summaries carry name, creation time and status but not the problem type: a job
that ended and passes the first three is described (one call, which its event needs anyway), and
the problem type is checked on that record.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.requests.coerce import as_str_list, as_text
from airflow_provider_automl.requests.tables import PROBLEM_TYPE_CONFIG_KEYS

if TYPE_CHECKING:
    from airflow_provider_automl.jobs import AutoMLJob

# ListAutoMLJobs' NameContains (shape AutoMLNameContains): the characters a job name may hold.
NAME_FRAGMENT_PATTERN = re.compile(r"[a-zA-Z0-9\-]+")
NAME_FRAGMENT_MAX_LENGTH = 63
END_STATUSES = ("Completed", "Failed", "Stopped")
PROBLEM_TYPES = tuple(PROBLEM_TYPE_CONFIG_KEYS)


def _name_fragment(field: str, value: Any) -> str | None:
    text = as_text(field, value)
    if text is None:
        return None
    if len(text) > NAME_FRAGMENT_MAX_LENGTH or not NAME_FRAGMENT_PATTERN.fullmatch(text):
        raise AutoMLValidationError(
            field,
            value,
            f"1-{NAME_FRAGMENT_MAX_LENGTH} letters, digits and hyphens (what an AutoML job name holds).",
        )
    return text


def _instant(field: str, value: Any) -> dt.datetime | None:
    """A timezone-aware datetime, or its ISO-8601 text with an offset (a rendered template)."""
    if value is None:
        return None
    if isinstance(value, str):
        text = as_text(field, value)
        assert text is not None
        try:
            value = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            raise AutoMLValidationError(
                field, text, "Expected an ISO-8601 timestamp with a UTC offset."
            ) from None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise AutoMLValidationError(
            field, value, "Expected a timezone-aware datetime (or ISO-8601 text with a UTC offset)."
        )
    return value.astimezone(dt.timezone.utc)


def _choices(
    field: str, value: Any, allowed: Sequence[str], *, default: Sequence[str] | None
) -> tuple[str, ...]:
    """A non-empty list drawn from ``allowed``, spelled as the API does; one string is a list of one."""
    if value is None:
        if default is None:
            return ()
        value = list(default)
    if isinstance(value, str) and not value.lstrip().startswith("["):
        value = [value]
    items = as_str_list(field, value) or []
    if not items:
        raise AutoMLValidationError(field, value, f"Give at least one of: {', '.join(allowed)}.")
    for index, item in enumerate(items):
        if item not in allowed:
            raise AutoMLValidationError(f"{field}[{index}]", item, f"Allowed: {', '.join(allowed)}.")
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True)
class JobFilter:
    """The jobs an event trigger reports. Matching on names is case-insensitive, as job names are.

    :param name_prefix: Only jobs whose name starts with this.
    :param name_contains: Only jobs whose name contains this.
    :param created_after: Only jobs created after this instant.
    :param statuses: End statuses reported (``Completed``, ``Failed``, ``Stopped``).
    :param problem_types: Only these ``AutoMLProblemTypeConfigName`` values; empty means any.
    """

    name_prefix: str | None = None
    name_contains: str | None = None
    created_after: dt.datetime | None = None
    statuses: tuple[str, ...] = ("Completed",)
    problem_types: tuple[str, ...] = ()

    @classmethod
    def checked(
        cls,
        *,
        name_prefix: Any = None,
        name_contains: Any = None,
        created_after: Any = None,
        statuses: Any = None,
        problem_types: Any = None,
    ) -> JobFilter:
        """Build from argument values (or their rendered text); AutoMLValidationError on anything else."""
        return cls(
            name_prefix=_name_fragment("name_prefix", name_prefix),
            name_contains=_name_fragment("name_contains", name_contains),
            created_after=_instant("created_after", created_after),
            statuses=_choices("statuses", statuses, END_STATUSES, default=("Completed",)),
            problem_types=_choices("problem_types", problem_types, PROBLEM_TYPES, default=None),
        )

    def to_kwargs(self) -> dict[str, Any]:
        """JSON-safe keyword arguments (what the trigger serializes)."""
        return {
            "name_prefix": self.name_prefix,
            "name_contains": self.name_contains,
            "created_after": self.created_after.isoformat() if self.created_after else None,
            "statuses": list(self.statuses),
            "problem_types": list(self.problem_types) or None,
        }

    def list_requests(self) -> list[dict[str, Any]]:
        """The ListAutoMLJobs requests this filter stands for (one per status): what the one
        validator checks. The watcher sends none of them: one listing serves every filter."""
        base: dict[str, Any] = {}
        for fragment in (self.name_prefix, self.name_contains):
            if fragment is not None:
                base["NameContains"] = fragment
                break
        if self.created_after is not None:
            base["CreationTimeAfter"] = self.created_after
        return [{**base, "StatusEquals": status} for status in self.statuses]

    def validate(self) -> None:
        """Pass the filter through the one validator (imports botocore: call on the triggerer)."""
        from airflow_provider_automl.requests.validation import service_model, validate

        for request in self.list_requests():
            validate("ListAutoMLJobs", request)
        allowed = service_model().shape_for("AutoMLProblemTypeConfigName").enum
        for index, problem_type in enumerate(self.problem_types):
            if problem_type not in allowed:
                raise AutoMLValidationError(
                    f"problem_types[{index}]", problem_type, f"Allowed: {', '.join(allowed)}."
                )

    # -- matching ---------------------------------------------------------------------------------

    def matches(self, summary: Mapping[str, Any]) -> bool:
        """Whether a ListAutoMLJobs summary passes the name, creation time and status filters."""
        if summary.get("AutoMLJobStatus") not in self.statuses:
            return False
        name = str(summary.get("AutoMLJobName", "")).lower()
        if self.name_prefix is not None and not name.startswith(self.name_prefix.lower()):
            return False
        if self.name_contains is not None and self.name_contains.lower() not in name:
            return False
        if self.created_after is not None:
            created = summary.get("CreationTime")
            if isinstance(created, str):
                created = dt.datetime.fromisoformat(created)
            if not isinstance(created, dt.datetime) or created <= self.created_after:
                return False
        return True

    def accepts(self, job: AutoMLJob) -> bool:
        """Whether a described job that ended passes every filter (the problem type included)."""
        if job.status.value not in self.statuses:
            return False
        return not self.problem_types or job.problem_type_config_name in self.problem_types

    def describe(self) -> str:
        """For logs."""
        parts = [f"status in {list(self.statuses)}"]
        if self.name_prefix:
            parts.append(f"name starts with {self.name_prefix!r}")
        if self.name_contains:
            parts.append(f"name contains {self.name_contains!r}")
        if self.created_after:
            parts.append(f"created after {self.created_after.isoformat()}")
        if self.problem_types:
            parts.append(f"problem type in {list(self.problem_types)}")
        return ", ".join(parts)
