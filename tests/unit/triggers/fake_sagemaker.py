"""Virtual time and a fake SageMaker for the trigger tests (the watcher, the event trigger).

Triggers run as the triggerer runs them (many ``run()`` generators in one loop) against an
in-process fake SageMaker that checks every request and response against botocore's model and
filters ListAutoMLJobs on the value botocore actually puts on the wire (whole epoch seconds).
Time is simulated: every ``sleep`` waits on a virtual clock that jumps to the next timer once
the loop is idle.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
import json
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import ClientError
from botocore.serialize import create_serializer

from tests.unit.conftest import (
    REGION,
    T0,
    job_arn,
    make_describe_v2,
    operation_model,
    validate_input,
    validate_output,
)

T = TypeVar("T")
POLL = 60.0
START = T0.timestamp() + 3600  # virtual epoch time when a test starts


# -- virtual time ------------------------------------------------------------------------------


class VirtualClock:
    """``sleep`` parks on a timer; ``run`` jumps to the next timer whenever the loop is idle."""

    def __init__(self, start: float) -> None:
        self.now = start
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(seconds, 0.0), next(self._seq), future))
        await future

    async def run(self, main: Awaitable[T], *, max_steps: int = 10_000) -> T:
        task = asyncio.ensure_future(main)
        for _ in range(max_steps):
            for _ in range(30):  # let every runnable task reach its next wait
                await asyncio.sleep(0)
            if task.done():
                return task.result()
            while self._timers and self._timers[0][2].done():  # cancelled sleeps
                heapq.heappop(self._timers)
            assert self._timers, "deadlock: nothing runnable and no timer pending"
            when, _, future = heapq.heappop(self._timers)
            self.now = max(self.now, when)
            future.set_result(None)
        task.cancel()
        raise AssertionError(f"not done after {max_steps} timer steps")


# -- a fake SageMaker that answers like the real one -------------------------------------------


@dataclass
class Change:
    at: float  # LastModifiedTime
    visible_at: float  # when ListAutoMLJobs/Describe start showing it (listing lag)
    status: str
    secondary: str


@dataclass
class FakeJob:
    name: str
    created: float
    changes: list[Change] = field(default_factory=list)
    problem_type: str = "Tabular"

    def state(self, now: float) -> Change | None:
        visible = [c for c in self.changes if c.visible_at <= now]
        return visible[-1] if visible else None


def _ts(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)


def client_error(code: str, message: str, operation: str, status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


class FakeSageMaker:
    """Stands in for the aiobotocore client; every request/response checked against the model."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.jobs: dict[str, FakeJob] = {}
        self.calls: list[tuple[float, str, dict[str, Any]]] = []
        self.failures: dict[str, list[ClientError]] = {}
        self._serializer = create_serializer("json")

    # test setup

    def job(
        self,
        name: str,
        status: str = "InProgress",
        secondary: str = "AnalyzingData",
        *,
        at: float | None = None,
        problem_type: str = "Tabular",
    ) -> None:
        when = self.clock.now - 600 if at is None else at
        self.jobs[name.lower()] = FakeJob(
            name,
            created=when - 60,
            changes=[Change(when, when, status, secondary)],
            problem_type=problem_type,
        )

    def change(
        self, name: str, status: str, secondary: str, *, at: float, visible_at: float | None = None
    ) -> None:
        self.jobs[name.lower()].changes.append(
            Change(at, at if visible_at is None else visible_at, status, secondary)
        )

    def fail_next(self, operation: str, error: ClientError, times: int = 1) -> None:
        self.failures.setdefault(operation, []).extend([error] * times)

    def count(self, operation: str) -> int:
        return sum(1 for _, op, _ in self.calls if op == operation)

    def list_params(self) -> list[dict[str, Any]]:
        return [params for _, op, params in self.calls if op == "ListAutoMLJobs"]

    # the API

    def _call(self, operation: str, params: dict[str, Any]) -> None:
        validate_input(operation, params)
        self.calls.append((self.clock.now, operation, dict(params)))
        pending = self.failures.get(operation)
        if pending:
            raise pending.pop(0)

    async def list_auto_ml_jobs(self, **params: Any) -> dict[str, Any]:
        self._call("ListAutoMLJobs", params)
        # Filter on what goes on the wire: botocore sends whole epoch seconds for this API.
        request = self._serializer.serialize_to_request(params, operation_model("ListAutoMLJobs"))
        after = json.loads(request["body"]).get("LastModifiedTimeAfter")
        assert params["SortBy"] == "CreationTime"
        rows = []
        for job in sorted(self.jobs.values(), key=lambda j: j.created, reverse=True):
            state = job.state(self.clock.now)
            if state is not None and (after is None or state.at > after):
                rows.append(self._summary(job, state))
        offset = int(params.get("NextToken") or 0)
        size = params.get("MaxResults", 10)
        response: dict[str, Any] = {"AutoMLJobSummaries": rows[offset : offset + size]}
        if offset + size < len(rows):
            response["NextToken"] = str(offset + size)
        return validate_output("ListAutoMLJobs", response)

    async def describe_auto_ml_job_v2(self, **params: Any) -> dict[str, Any]:
        self._call("DescribeAutoMLJobV2", params)
        job = self.jobs.get(params["AutoMLJobName"].lower())
        state = job.state(self.clock.now) if job else None
        if job is None or state is None:
            raise client_error("ResourceNotFound", "Could not find job", "DescribeAutoMLJobV2")
        return make_describe_v2(
            job.name,
            status=state.status,
            secondary_status=state.secondary,
            CreationTime=_ts(job.created),
            LastModifiedTime=_ts(state.at),
            AutoMLProblemTypeConfigName=job.problem_type,
            **({"EndTime": _ts(state.at)} if state.status in ("Completed", "Failed", "Stopped") else {}),
        )

    @staticmethod
    def _summary(job: FakeJob, state: Change) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "AutoMLJobName": job.name,
            "AutoMLJobArn": job_arn(job.name),
            "AutoMLJobStatus": state.status,
            "AutoMLJobSecondaryStatus": state.secondary,
            "CreationTime": _ts(job.created),
            "LastModifiedTime": _ts(state.at),
        }
        if state.status in ("Completed", "Failed", "Stopped"):
            summary["EndTime"] = _ts(state.at)
        if state.status == "Failed":
            summary["FailureReason"] = "ClientError: bad data"
        return summary


def fake_for(
    fakes: dict[tuple[Any, ...], FakeSageMaker],
    clock: VirtualClock,
    aws_conn_id: str | None = None,
    region: str = REGION,
) -> FakeSageMaker:
    return fakes.setdefault((aws_conn_id, region, None, ""), FakeSageMaker(clock))
