"""Operators that create, describe, list the candidates of, and stop AutoML jobs."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_automl.base import AutoMLBaseOperator, aws_template_fields
from airflow_provider_automl.compat import default_deferrable
from airflow_provider_automl.links.automl import SageMakerAutoMLJobLink
from airflow_provider_automl.requests.coerce import choice, optional_seconds, positive_seconds, strict_bool

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage

    from airflow_provider_automl.compat import Context
    from airflow_provider_automl.jobs import AutoMLJob

XCOM_BEST_CANDIDATE = "best_candidate"
XCOM_INFERENCE_CONTAINERS = "inference_containers"

API_VERSIONS = ("v1", "v2")
JOB_EXISTS_ACTIONS = ("reattach", "fail", "timestamp")


class _AutoMLOperator(AutoMLBaseOperator):
    """Base of this module's operators: AWS connection fields, the cached hook, the job record."""

    template_fields: Sequence[str] = aws_template_fields()
    _lineage_job: AutoMLJob | None = None  # the last job seen, for OpenLineage

    def _push(self, context: Context, key: str, value: Any) -> None:
        if self.do_xcom_push:
            context["ti"].xcom_push(key=key, value=value)

    def _finish(self, context: Context, job: AutoMLJob) -> dict[str, Any]:
        """Return the job record of a Completed job; raise with the job's own reason otherwise."""
        from airflow_provider_automl.exceptions import AutoMLJobFailedError

        self._lineage_job = job
        if not job.is_success:
            raise AutoMLJobFailedError(job)
        best = job.best_candidate
        if best is not None:
            record = best.to_record()
            self._push(context, XCOM_BEST_CANDIDATE, record)
            self._push(context, XCOM_INFERENCE_CONTAINERS, record.get("InferenceContainers", []))
            metric = best.objective_metric or {}
            self.log.info(
                "AutoML job %s completed. Best candidate %s: %s = %s",
                job.name,
                best.name,
                metric.get("MetricName"),
                metric.get("Value"),
            )
        else:
            self.log.info(
                "AutoML job %s completed (%s) with no best candidate.", job.name, job.secondary_status
            )
        return job.to_record()


class SageMakerCreateAutoMLJobOperator(_AutoMLOperator):
    """
    Create an Amazon SageMaker Autopilot (AutoML) job and, by default, wait until it ends.

    The job is created with CreateAutoMLJobV2 (any problem type) unless ``api_version="v1"``.
    Everything is validated before the first call to AWS. The job is then described once: a
    job that is already over finishes the task without deferring. Otherwise the task waits
    in the worker (``deferrable=False``), on the triggerer (``deferrable=True``), or returns
    at once (``wait_for_completion=False``).

    Only a ``Completed`` job succeeds: ``Failed`` and ``Stopped`` fail the task with the
    job's FailureReason and PartialFailureReasons.

    When ``job_name`` is not given, a name is derived from the task instance (dag id, task id,
    run id, map index), so a retried task finds the job its first try created. If the name is
    taken, ``action_if_job_exists`` decides: ``reattach`` (default) waits on the existing job
    when its inputs match the request and fails otherwise, ``fail`` fails, ``timestamp``
    creates the job under the name with a timestamp suffix.

    Returns the job record (see the XCom contract in the docs) and pushes the best candidate
    under the XCom key ``best_candidate`` and its ``InferenceContainers`` under
    ``inference_containers``, ready for CreateModel / CreateModelPackage.

    :param input_data_config: S3 URI of the training data, or the full list of channels in the
        API's shape (``AutoMLJobInputDataConfig`` for V2, ``InputDataConfig`` for V1) (templated).
    :param output_path: S3 URI where the job writes its artifacts (templated).
    :param role_arn: IAM role SageMaker assumes to run the job (templated).
    :param problem_type_config: V2 only: the ``AutoMLProblemTypeConfig``, for example from
        :func:`airflow_provider_automl.requests.tabular_config` (templated).
    :param job_name: Job name, 1-32 characters, unique in the account; derived from the task
        instance when not given (templated).
    :param api_version: ``v2`` (default) or ``v1`` (templated).
    :param target_attribute: V1 only: the column to predict (templated).
    :param problem_type: V1 only: BinaryClassification, MulticlassClassification or Regression;
        given together with ``objective_metric`` or not at all (templated).
    :param objective_metric: Objective metric name, e.g. ``F1`` (templated).
    :param validation_input: S3 URI of a separate validation channel, when
        ``input_data_config`` is a URI (templated).
    :param content_type: Content type of the input channels built from URIs (templated).
    :param compression: ``None`` or ``Gzip`` for the input channels built from URIs (templated).
    :param validation_fraction: Fraction of the training data held out for validation (templated).
    :param max_candidates: V1 only: maximum number of candidates (templated).
    :param max_runtime_per_training_job: V1 only: seconds per training job (templated).
    :param max_job_runtime: V1 only: seconds for the whole job (templated).
    :param mode: V1 only: AUTO, ENSEMBLING or HYPERPARAMETER_TUNING (templated).
    :param security_config: ``SecurityConfig`` (V2) / ``AutoMLJobConfig.SecurityConfig`` (V1) (templated).
    :param model_deploy_config: ``ModelDeployConfig`` (templated).
    :param tags: Tags as a dict or a list of ``{"Key", "Value"}`` (templated).
    :param request: A raw request dict deep-merged with the arguments above; a field set in
        both with different values is an error, never silently overwritten (templated).
    :param action_if_job_exists: ``reattach`` (default), ``fail`` or ``timestamp``.
    :param wait_for_completion: Wait until the job ends (default True).
    :param deferrable: Wait on the triggerer instead of holding a worker slot; defaults to
        ``[operators] default_deferrable``.
    :param check_interval: Seconds between status checks (default 60).
    :param max_wait: Seconds to wait before failing the task (the job keeps running); no limit
        when None.
    """

    template_fields_renderers: ClassVar[dict[str, str]] = {
        "input_data_config": "json",
        "problem_type_config": "json",
        "security_config": "json",
        "model_deploy_config": "json",
        "tags": "json",
        "request": "json",
    }
    operator_extra_links = (SageMakerAutoMLJobLink(),)
    ui_color = "#c7e9c0"
    field_kinds: ClassVar[Mapping[str, str]] = {
        "job_name": "text",
        "input_data_config": "uri_or_list",
        "output_path": "name",
        "role_arn": "name",
        "problem_type_config": "mapping",
        "api_version": "name",
        "target_attribute": "text",
        "problem_type": "text",
        "objective_metric": "text",
        "validation_input": "text",
        "content_type": "text",
        "compression": "text",
        "validation_fraction": "float",
        "max_candidates": "int",
        "max_runtime_per_training_job": "int",
        "max_job_runtime": "int",
        "mode": "text",
        "security_config": "mapping",
        "model_deploy_config": "mapping",
        "tags": "tags",
        "request": "mapping",
    }
    template_fields: Sequence[str] = aws_template_fields(*field_kinds)
    _lineage_request: dict[str, Any] | None = None  # the create request sent, for OpenLineage

    def __init__(
        self,
        *,
        input_data_config: str | list[dict[str, Any]],
        output_path: str,
        role_arn: str,
        problem_type_config: dict[str, Any] | None = None,
        job_name: str | None = None,
        api_version: str = "v2",
        target_attribute: str | None = None,
        problem_type: str | None = None,
        objective_metric: str | None = None,
        validation_input: str | None = None,
        content_type: str | None = None,
        compression: str | None = None,
        validation_fraction: float | None = None,
        max_candidates: int | None = None,
        max_runtime_per_training_job: int | None = None,
        max_job_runtime: int | None = None,
        mode: str | None = None,
        security_config: dict[str, Any] | None = None,
        model_deploy_config: dict[str, Any] | None = None,
        tags: dict[str, str] | list[dict[str, str]] | None = None,
        request: dict[str, Any] | None = None,
        action_if_job_exists: str = "reattach",
        wait_for_completion: bool = True,
        deferrable: bool | None = None,
        check_interval: float = 60,
        max_wait: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_data_config = input_data_config
        self.output_path = output_path
        self.role_arn = role_arn
        self.problem_type_config = problem_type_config
        self.job_name = job_name
        self.api_version = api_version
        self.target_attribute = target_attribute
        self.problem_type = problem_type
        self.objective_metric = objective_metric
        self.validation_input = validation_input
        self.content_type = content_type
        self.compression = compression
        self.validation_fraction = validation_fraction
        self.max_candidates = max_candidates
        self.max_runtime_per_training_job = max_runtime_per_training_job
        self.max_job_runtime = max_job_runtime
        self.mode = mode
        self.security_config = security_config
        self.model_deploy_config = model_deploy_config
        self.tags = tags
        self.request = request
        self.action_if_job_exists = choice("action_if_job_exists", action_if_job_exists, JOB_EXISTS_ACTIONS)
        self.wait_for_completion = strict_bool("wait_for_completion", wait_for_completion)
        self.deferrable = (
            default_deferrable() if deferrable is None else strict_bool("deferrable", deferrable)
        )
        self.check_interval = positive_seconds("check_interval", check_interval)
        self.max_wait = optional_seconds("max_wait", max_wait)
        if self.deferrable and not self.wait_for_completion:
            self.log.warning(
                "deferrable=True has no effect with wait_for_completion=False: the task returns "
                "as soon as the job is created."
            )
        self._created_job_name: str | None = None

    # -- request -----------------------------------------------------------------------------

    def coerce_fields(self) -> None:
        super().coerce_fields()
        self.api_version = choice("api_version", self.api_version, API_VERSIONS)

    def build_request(self, job_name: str) -> dict[str, Any]:
        """The validated create request for ``job_name`` (call after ``coerce_fields``)."""
        from airflow_provider_automl.requests.create import build_create_request

        arguments = {
            name: getattr(self, name) for name in self.field_kinds if name not in ("job_name", "api_version")
        }
        return build_create_request(self.api_version, job_name=job_name, **arguments)

    def resolve_job_name(self, context: Context) -> str:
        """The given ``job_name``, or one derived from the task instance (stable across retries)."""
        from airflow_provider_automl.requests.names import derive_job_name, validate_job_name

        if self.job_name is not None:
            return validate_job_name(self.job_name)
        ti = context["ti"]
        map_index = getattr(ti, "map_index", -1)
        return derive_job_name(ti.dag_id, ti.task_id, ti.run_id, -1 if map_index is None else map_index)

    # -- execution ---------------------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        self.coerce_fields()
        job_name = self.resolve_job_name(context)
        request = self.build_request(job_name)
        self._lineage_request = request
        job_name = self._create_or_reattach(job_name, request)
        self._created_job_name = job_name
        self.log.info(
            "AutoML job %s in the console: %s",
            job_name,
            SageMakerAutoMLJobLink.persist_for_job(context, self.hook, job_name),
        )
        job = self.hook.describe_job(job_name)
        self._lineage_job = job
        if job.is_terminal:
            return self._finish(context, job)
        if not self.wait_for_completion:
            self.log.info("Not waiting for AutoML job %s (%s).", job_name, job.secondary_status)
            return job.to_record()
        if self.deferrable:
            self._defer(job)
        job = self.hook.wait_for_job(
            job.name, check_interval=self.check_interval, max_wait=self.max_wait, job=job, log=self.log
        )
        return self._finish(context, job)

    def _create_or_reattach(self, job_name: str, request: dict[str, Any]) -> str:
        from airflow_provider_automl.exceptions import AutoMLJobExistsError
        from airflow_provider_automl.requests.names import timestamped_job_name
        from airflow_provider_automl.requests.reattach import reattach_mismatches

        try:
            self.hook.create_job(request, api_version=self.api_version)
            return job_name
        except AutoMLJobExistsError:
            if self.action_if_job_exists == "fail":
                raise AutoMLJobExistsError(
                    job_name,
                    f"An AutoML job named {job_name!r} already exists and action_if_job_exists='fail'. "
                    "AutoML job names can never be reused; pick another job_name or use "
                    "action_if_job_exists='reattach' or 'timestamp'.",
                ) from None
            if self.action_if_job_exists == "timestamp":
                new_name = timestamped_job_name(job_name)
                self.log.info("AutoML job %s exists; creating %s instead.", job_name, new_name)
                self.hook.create_job(self.build_request(new_name), api_version=self.api_version)
                return new_name
        described = self.hook.describe_job_response(job_name)
        mismatches = reattach_mismatches(request, described, api_version=self.api_version)
        if mismatches:
            raise AutoMLJobExistsError(
                job_name,
                f"An AutoML job named {job_name!r} already exists with different inputs, so this task "
                f"will not reattach to it: {'; '.join(mismatches)}. Use another job_name or "
                "action_if_job_exists='timestamp'.",
                mismatches=mismatches,
            )
        self.log.info(
            "AutoML job %s already exists with the same inputs (%s); reattaching instead of creating.",
            job_name,
            described["AutoMLJobStatus"],
        )
        return job_name

    def _defer(self, job: AutoMLJob) -> None:
        from airflow_provider_automl.triggers.automl import SageMakerAutoMLJobTrigger

        deadline = None if self.max_wait is None else time.time() + self.max_wait
        self.log.info(
            "Deferring until AutoML job %s ends (%s / %s), checking every %.0fs.",
            job.name,
            job.status.value,
            job.secondary_status,
            self.check_interval,
        )
        self.defer(
            trigger=SageMakerAutoMLJobTrigger(
                job_name=job.name,
                poll_interval=self.check_interval,
                deadline=deadline,
                last_secondary_status=job.secondary_status,
                **self.aws_params.to_kwargs(),
            ),
            method_name="execute_complete",
        )

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        from airflow_provider_automl.triggers.events import job_from_event

        return self._finish(context, job_from_event(event))

    def on_kill(self) -> None:
        if self._created_job_name:
            self.log.info("Task killed: stopping AutoML job %s.", self._created_job_name)
            self.hook.stop_job(self._created_job_name)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """
        OpenLineage: the input channels' S3 data in; the output path and the best candidate's
        model artifacts (``ModelDataUrl``) out. Called by the OpenLineage provider's listener.
        """
        from airflow_provider_automl.lineage import automl_job_lineage

        job = self._lineage_job
        request = self._lineage_request
        if request is None:
            # Resumed after a deferral, this is a new operator instance: rebuild the request from the
            # rendered fields (the job name changes neither the channels nor the output path).
            self.coerce_fields()
            request = self.build_request(job.name if job else "lineage")
        return automl_job_lineage(request, job)


class SageMakerDescribeAutoMLJobOperator(_AutoMLOperator):
    """
    Describe an AutoML job and return its record (the same shape the create operator returns).

    Works for jobs created by either API. When the job has completed, the best candidate and
    its containers are pushed under ``best_candidate`` and ``inference_containers`` too.

    :param job_name: Name of the AutoML job (templated).
    """

    field_kinds: ClassVar[Mapping[str, str]] = {"job_name": "name"}
    template_fields: Sequence[str] = aws_template_fields(*field_kinds)
    operator_extra_links = (SageMakerAutoMLJobLink(),)

    def __init__(self, *, job_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name

    def execute(self, context: Context) -> dict[str, Any]:
        self.coerce_fields()
        job = self.hook.describe_job(self.job_name)
        self.log.info("AutoML job %s: %s / %s", job.name, job.status.value, job.secondary_status)
        SageMakerAutoMLJobLink.persist_for_job(context, self.hook, job.name)
        if job.is_success:
            return self._finish(context, job)
        return job.to_record()


class SageMakerListAutoMLCandidatesOperator(_AutoMLOperator):
    """
    List the candidates of an AutoML job, best first, as JSON-safe records.

    With no ``sort_by``, candidates are ranked by their final objective metric in the
    direction the metric is optimised (``Maximize`` / ``Minimize``), so the first entry is the
    best whether the objective is F1 or MSE. With ``sort_by`` the API's order is kept.

    :param job_name: Name of the AutoML job (templated).
    :param status_equals: Only candidates with this status (``Completed``, ``InProgress``,
        ``Failed``, ``Stopped``, ``Stopping``); ``Completed`` by default, None for all (templated).
    :param candidate_name_equals: Only the candidate with this name (templated).
    :param sort_by: ``CreationTime``, ``Status`` or ``FinalObjectiveMetricValue`` (templated).
    :param sort_order: ``Ascending`` or ``Descending`` (templated).
    :param top_k: Return at most this many candidates, a positive int (templated).
    """

    field_kinds: ClassVar[Mapping[str, str]] = {
        "job_name": "name",
        "status_equals": "text",
        "candidate_name_equals": "text",
        "sort_by": "text",
        "sort_order": "text",
        "top_k": "int",
    }
    template_fields: Sequence[str] = aws_template_fields(*field_kinds)

    def __init__(
        self,
        *,
        job_name: str,
        status_equals: str | None = "Completed",
        candidate_name_equals: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        top_k: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name
        self.status_equals = status_equals
        self.candidate_name_equals = candidate_name_equals
        self.sort_by = sort_by
        self.sort_order = sort_order
        self.top_k = top_k

    def execute(self, context: Context) -> list[dict[str, Any]]:
        from airflow_provider_automl.exceptions import AutoMLValidationError
        from airflow_provider_automl.jobs import rank_candidates

        self.coerce_fields()
        top_k = self.top_k
        if top_k is not None and top_k < 1:
            raise AutoMLValidationError("top_k", top_k, "Must be a positive integer, or None for all.")
        candidates = self.hook.list_candidates(
            self.job_name,
            status_equals=self.status_equals,
            candidate_name_equals=self.candidate_name_equals,
            sort_by=self.sort_by,
            sort_order=self.sort_order,
            # Client-side ranking needs every candidate before cutting to top_k.
            limit=top_k if self.sort_by else None,
        )
        if not self.sort_by:
            candidates = rank_candidates(candidates)
        if top_k is not None:
            candidates = candidates[:top_k]
        self.log.info("AutoML job %s: returning %d candidate(s).", self.job_name, len(candidates))
        for position, candidate in enumerate(candidates, start=1):
            metric = candidate.objective_metric or {}
            self.log.info(
                "  %d. %s %s = %s", position, candidate.name, metric.get("MetricName"), metric.get("Value")
            )
        return [candidate.to_record() for candidate in candidates]


class SageMakerStopAutoMLJobOperator(_AutoMLOperator):
    """
    Stop an AutoML job. A job that already ended is not an error.

    :param job_name: Name of the AutoML job (templated).
    :param wait_for_completion: Wait until the job reaches a terminal status (default False).
    :param check_interval: Seconds between status checks while waiting; throttling and network
        errors are waited out like the create operator does.
    :param max_wait: Seconds to wait before failing the task.
    """

    field_kinds: ClassVar[Mapping[str, str]] = {"job_name": "name"}
    template_fields: Sequence[str] = aws_template_fields(*field_kinds)

    def __init__(
        self,
        *,
        job_name: str,
        wait_for_completion: bool = False,
        check_interval: float = 30,
        max_wait: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name
        self.wait_for_completion = strict_bool("wait_for_completion", wait_for_completion)
        self.check_interval = positive_seconds("check_interval", check_interval)
        self.max_wait = optional_seconds("max_wait", max_wait)

    def execute(self, context: Context) -> dict[str, Any]:
        self.coerce_fields()
        if self.hook.stop_job(self.job_name):
            self.log.info("Stop requested for AutoML job %s.", self.job_name)
        else:
            self.log.info("AutoML job %s had already ended or is stopping; nothing to stop.", self.job_name)
        if not self.wait_for_completion:
            return self.hook.describe_job(self.job_name).to_record()
        job = self.hook.wait_for_job(
            self.job_name, check_interval=self.check_interval, max_wait=self.max_wait, log=self.log
        )
        return job.to_record()
