"""Wait for an AutoML job as a sensor: poke, reschedule or deferrable."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_automl.base import AutoMLBaseOperator, aws_template_fields
from airflow_provider_automl.compat import (
    AirflowFailException,
    BaseSensorOperator,
    PokeReturnValue,
    default_deferrable,
)
from airflow_provider_automl.links.automl import SageMakerAutoMLJobLink
from airflow_provider_automl.requests.coerce import strict_bool

if TYPE_CHECKING:
    from airflow_provider_automl.compat import Context
    from airflow_provider_automl.hooks.automl import JobWatch
    from airflow_provider_automl.jobs import AutoMLJob


class SageMakerAutoMLJobSensor(BaseSensorOperator, AutoMLBaseOperator):
    """
    Wait until an AutoML job ends; succeed only when it is ``Completed``.

    ``Failed`` and ``Stopped`` fail the task at once with the job's FailureReason and
    PartialFailureReasons (``Stopped`` succeeds when ``accept_stopped=True``). With
    ``soft_fail=True`` those outcomes skip the task instead. Works in ``poke`` and
    ``reschedule`` mode, or deferred to the triggerer with ``deferrable=True``. A poke that
    meets throttling or a network error is not a failure: the sensor pokes again (the same
    wait step the operators use in the worker).

    Returns the job record (the XCom contract) when the job completes.

    :param job_name: Name of the AutoML job (templated).
    :param accept_stopped: Treat a ``Stopped`` job as success (default False).
    :param deferrable: Wait on the triggerer; defaults to ``[operators] default_deferrable``.
    """

    field_kinds: ClassVar[Mapping[str, str]] = {"job_name": "name"}
    template_fields: Sequence[str] = aws_template_fields(*field_kinds)
    operator_extra_links = (SageMakerAutoMLJobLink(),)
    ui_color = "#c7e9c0"

    def __init__(
        self,
        *,
        job_name: str,
        accept_stopped: bool = False,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name
        self.accept_stopped = strict_bool("accept_stopped", accept_stopped)
        self.deferrable = (
            default_deferrable() if deferrable is None else strict_bool("deferrable", deferrable)
        )
        self._watch: JobWatch | None = None

    def _outcome(self, job: AutoMLJob) -> PokeReturnValue | bool:
        if job.is_success or (self.accept_stopped and job.status.value == "Stopped"):
            return PokeReturnValue(is_done=True, xcom_value=job.to_record())
        if job.is_terminal:
            # AirflowFailException: a finished job cannot change, so retrying is pointless;
            # soft_fail turns it into a skip.
            raise AirflowFailException(job.failure_message())
        return False

    def poke(self, context: Context) -> PokeReturnValue | bool:
        from airflow_provider_automl.hooks.automl import JobWatch

        if self._watch is None:
            self.coerce_fields()
            self._watch = JobWatch(self.job_name, self.log)
        job = self.hook.look(self._watch)
        return False if job is None else self._outcome(job)

    def execute(self, context: Context) -> Any:
        self.coerce_fields()
        self.log.info(
            "AutoML job %s in the console: %s",
            self.job_name,
            SageMakerAutoMLJobLink.persist_for_job(context, self.hook, self.job_name),
        )
        if not self.deferrable:
            return super().execute(context)
        outcome = self.poke(context)
        if isinstance(outcome, PokeReturnValue):
            return outcome.xcom_value
        from airflow_provider_automl.triggers.automl import SageMakerAutoMLJobTrigger

        last = self._watch.job if self._watch else None
        self.defer(
            trigger=SageMakerAutoMLJobTrigger(
                job_name=self.job_name,
                poll_interval=self.poke_interval,
                deadline=time.time() + self.timeout,
                last_secondary_status=last.secondary_status if last else None,
                accept_stopped=self.accept_stopped,
                **self.aws_params.to_kwargs(),
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        from airflow_provider_automl.exceptions import AutoMLJobFailedError
        from airflow_provider_automl.triggers.events import job_from_event

        try:
            job = job_from_event(event)
        except AutoMLJobFailedError as err:
            raise AirflowFailException(str(err)) from err
        return job.to_record()
