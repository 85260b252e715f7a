"""Run one bad-input case against a SageMaker client that counts every API call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.reliability.bad_input import BadInput


class UnexpectedApiCall(AssertionError):
    """A bad-input case reached the SageMaker API."""


@dataclass
class CaseOutcome:
    error: BaseException | None
    calls: list[str]
    stage: str  # "construct" | "render" | "execute" | "none"


_CLIENT: Any = None
_CALLS: list[list[str]] = [[]]


def counting_client(calls: list[str]) -> Any:
    """A real boto3 SageMaker client that records into ``calls`` and refuses every call.

    One client is built per process (building one loads the service model: ~0.5 s) and
    re-pointed at ``calls`` each time.
    """
    global _CLIENT
    _CALLS[0] = calls
    if _CLIENT is None:
        import boto3

        _CLIENT = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        ).client("sagemaker", endpoint_url="http://127.0.0.1:9")

        def record(event_name: str, **_: Any) -> None:
            _CALLS[0].append(event_name.rsplit(".", 1)[-1])
            raise UnexpectedApiCall(f"API call {event_name} made for bad input")

        # provide-client-params is the first event of any API call, before botocore's own checks.
        _CLIENT.meta.events.register("provide-client-params.sagemaker.*", record)
    return _CLIENT


def run_case(case: BadInput) -> CaseOutcome:
    from airflow_provider_automl.exceptions import AutoMLValidationError
    from tests.reliability.conftest import FakeTI

    calls: list[str] = []
    try:
        op = case.build()
    except AutoMLValidationError as err:
        return CaseOutcome(err, calls, "construct")
    if not hasattr(op, "execute"):  # a trigger that accepted its arguments
        return CaseOutcome(None, calls, "none")
    ti = FakeTI(task_id=op.task_id)
    context: dict[str, Any] = {"ti": ti, "params": case.params, "outlet_events": {}}
    try:
        if case.params:
            op.render_template_fields(context)
        # The hook is built from the rendered connection arguments (and checks them).
        op.hook.__dict__["conn"] = counting_client(calls)
        op.execute(context)
    except AutoMLValidationError as err:
        return CaseOutcome(err, calls, "execute")
    except Exception as err:  # anything else is a failed case; report it
        return CaseOutcome(err, calls, "execute")
    return CaseOutcome(None, calls, "none")
