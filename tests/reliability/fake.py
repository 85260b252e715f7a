"""An in-memory SageMaker AutoML fake on a virtual clock, checked against botocore's model.

Fast enough for hundreds of randomised runs. Every request is validated against the
operation's input shape (botocore does it for the sync client; the async stand-in calls
``validate_input``) and every response against the output shape (``validate_output``).
Jobs move through Autopilot's secondary statuses as the virtual clock advances.

Wiring:
- sync: :meth:`FakeSageMaker.install` registers a ``before-call`` handler on a real boto3
  client (the way botocore's Stubber answers), so the hook's real client code runs;
- async: :class:`AsyncFakeClient` replaces the hook's shared aiobotocore client;
- time: :class:`VirtualClock` replaces the trigger's and the watcher's ``_now`` / ``_sleep``.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.unit.conftest import job_arn, make_candidate, validate_input, validate_output

SCHEDULE = (
    (0.0, "Starting"),
    (0.1, "AnalyzingData"),
    (0.3, "FeatureEngineering"),
    (0.5, "ModelTuning"),
    (0.8, "GeneratingExplainabilityReport"),
    (0.9, "GeneratingModelInsightsReport"),
)
OPERATIONS = {
    "CreateAutoMLJobV2",
    "DescribeAutoMLJobV2",
    "ListAutoMLJobs",
    "StopAutoMLJob",
    "ListCandidatesForAutoMLJob",
}


class TaskKilled(BaseException):
    """The task process died here (SIGKILL, OOM, lost worker): no except clause or on_kill runs."""


class FakeClientError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class VirtualClock:
    """Epoch seconds that move only when someone sleeps (or a call takes its latency)."""

    def __init__(self, start: float | None = None) -> None:
        # Starts at the real time: operators compute deadlines with time.time().
        self.t = time.time() if start is None else start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += max(0.0, float(seconds))

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)


@dataclass
class FakeJob:
    name: str
    request: dict[str, Any]
    created: float
    duration: float
    outcome: str = "Completed"  # Completed | Failed
    partial_failures: list[str] = field(default_factory=list)
    stop_at: float | None = None  # someone stops the job at this time
    vanish_at: float | None = None  # the job is gone (deleted, wrong account) from this time
    metric_value: float = 0.9

    def timeline(self) -> list[tuple[float, str, str]]:
        """(time, status, secondary status) transitions, in order."""
        events: list[tuple[float, str, str]] = []
        end = self.created + self.duration
        for fraction, secondary in SCHEDULE:
            at = self.created + fraction * self.duration
            if self.stop_at is not None and at >= self.stop_at:
                break
            events.append((at, "InProgress", secondary))
        if self.stop_at is not None and self.stop_at < end:
            events.append((self.stop_at, "Stopping", "Stopping"))
            events.append((self.stop_at + 0.05 * self.duration, "Stopped", "Stopped"))
        elif self.outcome == "Failed":
            events.append((end, "Failed", "Failed"))
        else:
            events.append((end, "Completed", "MaxCandidatesReached"))
        return events

    def state(self, now: float) -> tuple[float, str, str]:
        seen = [event for event in self.timeline() if event[0] <= now]
        return seen[-1] if seen else self.timeline()[0]


def _when(epoch: float) -> dt.datetime:
    # Millisecond precision, like the API.
    return dt.datetime.fromtimestamp(round(epoch, 3), tz=dt.timezone.utc)


class FakeSageMaker:
    """The AutoML jobs of one fake account."""

    def __init__(
        self,
        *,
        clock: VirtualClock | None = None,
        rng: random.Random | None = None,
        latency: float = 1.0,
        durations: tuple[float, float] = (300.0, 1800.0),
    ) -> None:
        self.clock = clock or VirtualClock()
        self.rng = rng or random.Random(0)
        self.latency = latency
        self.durations = durations
        self.jobs: dict[str, FakeJob] = {}
        self.calls: list[str] = []
        self.creates = 0  # successful creates
        # Called around each request: (phase "before" | "after", operation) -> may raise TaskKilled.
        self.interceptor: Callable[[str, str], None] | None = None
        # Per-job outcome when created: name -> dict(outcome=..., partial_failures=..., duration=...)
        self.plans: dict[str, dict[str, Any]] = {}

    # -- the API --------------------------------------------------------------------------------
    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation not in OPERATIONS:
            raise FakeClientError("UnknownOperation", f"{operation} is not faked")
        self.calls.append(operation)
        if self.interceptor:
            self.interceptor("before", operation)
        self.clock.advance(self.latency)
        response = getattr(self, f"_{operation}")(params)
        if self.interceptor:
            self.interceptor("after", operation)  # the request took effect; the answer is lost
        validate_output(operation, response)
        return copy.deepcopy(response)

    def _job(self, name: str) -> FakeJob:
        job = self.jobs.get(name.lower())
        if job is None or (job.vanish_at is not None and self.clock.now() >= job.vanish_at):
            raise FakeClientError("ResourceNotFound", f"AutoML job {name} does not exist.")
        return job

    def _CreateAutoMLJobV2(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["AutoMLJobName"]
        if name.lower() in self.jobs:
            raise FakeClientError("ResourceInUse", f"Job with name {name} already exists.")
        plan = dict(self.plans.get(name, {}))
        duration = plan.pop("duration", None) or self.rng.uniform(*self.durations)
        created = self.clock.now()
        # Fractions of the run: "stop_after" (stopped by someone else), "vanish_after" (deleted).
        for key, target in (("stop_after", "stop_at"), ("vanish_after", "vanish_at")):
            if key in plan:
                plan[target] = created + plan.pop(key) * duration
        self.jobs[name.lower()] = FakeJob(
            name=name,
            request=copy.deepcopy(params),
            created=created,
            duration=duration,
            metric_value=round(self.rng.uniform(0.5, 0.99), 4),
            **plan,
        )
        self.creates += 1
        return {"AutoMLJobArn": job_arn(name)}

    def _DescribeAutoMLJobV2(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.describe(params["AutoMLJobName"])

    def describe(self, name: str) -> dict[str, Any]:
        """DescribeAutoMLJobV2 as boto3 returns it (no side effects: usable as the truth)."""
        job = self._job(name)
        at, status, secondary = job.state(self.clock.now())
        request = job.request
        response: dict[str, Any] = {
            "AutoMLJobName": job.name,
            "AutoMLJobArn": job_arn(job.name),
            "AutoMLJobInputDataConfig": request["AutoMLJobInputDataConfig"],
            "OutputDataConfig": request["OutputDataConfig"],
            "RoleArn": request["RoleArn"],
            "AutoMLProblemTypeConfig": request["AutoMLProblemTypeConfig"],
            "AutoMLProblemTypeConfigName": "Tabular",
            "CreationTime": _when(job.created),
            "LastModifiedTime": _when(at),
            "AutoMLJobStatus": status,
            "AutoMLJobSecondaryStatus": secondary,
        }
        for key in ("AutoMLJobObjective", "SecurityConfig", "DataSplitConfig", "ModelDeployConfig"):
            if key in request:
                response[key] = request[key]
        if status in ("Completed", "Failed", "Stopped"):
            response["EndTime"] = _when(at)
        if status == "Failed":
            response["FailureReason"] = f"ClientError: fake failure of {job.name}: no candidate trained."
        if job.partial_failures and status in ("Completed", "Failed", "Stopped"):
            response["PartialFailureReasons"] = [{"PartialFailureMessage": m} for m in job.partial_failures]
        if status in ("Completed", "Stopped"):
            response["BestCandidate"] = make_candidate(
                f"{job.name}-best"[:60], value=job.metric_value, CreationTime=_when(job.created)
            )
        return response

    def _ListAutoMLJobs(self, params: dict[str, Any]) -> dict[str, Any]:
        now = self.clock.now()
        after = params.get("LastModifiedTimeAfter")
        summaries = []
        for job in self.jobs.values():
            if job.vanish_at is not None and now >= job.vanish_at:
                continue
            at, status, secondary = job.state(now)
            if after is not None and _when(at) <= after:
                continue
            summary: dict[str, Any] = {
                "AutoMLJobName": job.name,
                "AutoMLJobArn": job_arn(job.name),
                "AutoMLJobStatus": status,
                "AutoMLJobSecondaryStatus": secondary,
                "CreationTime": _when(job.created),
                "LastModifiedTime": _when(at),
            }
            if status in ("Completed", "Failed", "Stopped"):
                summary["EndTime"] = _when(at)
            summaries.append(summary)
        summaries.sort(key=lambda s: s["CreationTime"], reverse=params.get("SortOrder") != "Ascending")
        offset = int(params.get("NextToken") or 0)
        limit = params.get("MaxResults") or 10
        response: dict[str, Any] = {"AutoMLJobSummaries": summaries[offset : offset + limit]}
        if offset + limit < len(summaries):
            response["NextToken"] = str(offset + limit)
        return response

    def _StopAutoMLJob(self, params: dict[str, Any]) -> dict[str, Any]:
        self.stop(params["AutoMLJobName"])
        return {}

    def stop(self, name: str) -> None:
        job = self._job(name)
        _, status, _ = job.state(self.clock.now())
        if status != "InProgress":
            raise FakeClientError("ValidationException", f"Job {name} is {status}; cannot stop it.")
        job.stop_at = self.clock.now()

    def _ListCandidatesForAutoMLJob(self, params: dict[str, Any]) -> dict[str, Any]:
        described = self.describe(params["AutoMLJobName"])
        best = described.get("BestCandidate")
        return {"Candidates": [best] if best else []}


class AsyncFakeClient:
    """What the trigger and the watcher use of the shared aiobotocore client."""

    def __init__(self, fake: FakeSageMaker) -> None:
        self.fake = fake

    async def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        validate_input(operation, params)
        await asyncio.sleep(0)
        try:
            return self.fake.handle(operation, params)
        except FakeClientError as err:
            raise ClientError(
                {
                    "Error": {"Code": err.code, "Message": err.message},
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                },
                operation,
            ) from None

    async def describe_auto_ml_job_v2(self, **params: Any) -> dict[str, Any]:
        return await self._call("DescribeAutoMLJobV2", params)

    async def list_auto_ml_jobs(self, **params: Any) -> dict[str, Any]:
        return await self._call("ListAutoMLJobs", params)


def make_client() -> Any:
    """A real boto3 SageMaker client pointed nowhere (the fake answers before any HTTP)."""
    import boto3

    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client("sagemaker", endpoint_url="http://127.0.0.1:9")
