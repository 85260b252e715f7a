"""Operators that create, describe, list the candidates of, and stop AutoML jobs."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_automl.base import AutoMLBaseOperator, aws_template_fields
from airflow_provider_automl.compat import AirflowException, default_deferrable
from airflow_provider_automl.links.automl import SageMakerAutoMLJobLink

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage

    from airflow_provider_automl.compat import Context
    from airflow_provider_automl.jobs import AutoMLJob, Candidate

XCOM_BEST_CANDIDATE = "best_candidate"
XCOM_INFERENCE_CONTAINERS = "inference_containers"

API_VERSIONS = ("v1", "v2")
JOB_EXISTS_ACTIONS = ("reattach", "fail", "timestamp")


def _check_choice(field: str, value: object, allowed: Sequence[str]) -> str:
    from airflow_provider_automl.exceptions import AutoMLValidationError

    if not isinstance(value, str) or value.lower() not in allowed:
        raise AutoMLValidationError(field, value, f"Allowed: {', '.join(allowed)}.")
    return value.lower()


def _check_seconds(field: str, value: object) -> float:
    from airflow_provider_automl.exceptions import AutoMLValidationError

    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise AutoMLValidationError(field, value, "Must be a positive number of seconds.")
    return float(value)


def _check_max_wait(value: object) -> float | None:
    return None if value is None else _check_seconds("max_wait", value)


class _AutoMLOperator(AutoMLBaseOperator):
    """Base of this module's operators: AWS connection fields and the cached hook."""

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


class _StatusLogger:
    """Logs each secondary-status transition once, with the time since waiting began."""

    def __init__(self, log: Any, job_name: str) -> None:
        self._log = log
        self._job_name = job_name
        self._started = time.monotonic()
        self._last: tuple[str, str] | None = None

    def __call__(self, job: AutoMLJob) -> None:
        state = (job.status.value, job.secondary_status)
        if state != self._last:
            self._last = state
            self._log.info(
                "AutoML job %s: %s / %s (%.0fs elapsed)",
                self._job_name,
                state[0],
                state[1],
                time.monotonic() - self._started,
            )


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

    template_fields: Sequence[str] = aws_template_fields(
        "job_name",
        "input_data_config",
        "output_path",
        "role_arn",
        "problem_type_config",
        "api_version",
        "target_attribute",
        "problem_type",
        "objective_metric",
        "validation_input",
        "content_type",
        "compression",
        "validation_fraction",
        "max_candidates",
        "max_runtime_per_training_job",
        "max_job_runtime",
        "mode",
        "security_config",
        "model_deploy_config",
        "tags",
        "request",
    )
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
        self.action_if_job_exists = _check_choice(
            "action_if_job_exists", action_if_job_exists, JOB_EXISTS_ACTIONS
        )
        self.wait_for_completion = wait_for_completion
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.check_interval = _check_seconds("check_interval", check_interval)
        self.max_wait = _check_max_wait(max_wait)
        if self.deferrable and not self.wait_for_completion:
            self.log.warning(
                "deferrable=True has no effect with wait_for_completion=False: the task returns "
                "as soon as the job is created."
            )
        self._created_job_name: str | None = None

    # -- request -----------------------------------------------------------------------------

    def _tags(self) -> list[dict[str, str]] | None:
        if isinstance(self.tags, Mapping):
            return [{"Key": str(k), "Value": str(v)} for k, v in self.tags.items()]
        return self.tags

    def build_request(self, job_name: str) -> dict[str, Any]:
        """The validated create request for ``job_name``; raises before any AWS call."""
        from airflow_provider_automl import requests
        from airflow_provider_automl.exceptions import AutoMLValidationError

        api_version = _check_choice("api_version", self.api_version, API_VERSIONS)
        raw = dict(self.request or {})
        inputs: Any = self.input_data_config
        if isinstance(inputs, str):
            inputs = requests.input_channels(
                inputs,
                validation=self.validation_input,
                content_type=self.content_type,
                compression=self.compression,
            )
        if api_version == "v2":
            for name in ("max_candidates", "max_runtime_per_training_job", "max_job_runtime", "mode"):
                if getattr(self, name) is not None:
                    raise AutoMLValidationError(
                        name,
                        getattr(self, name),
                        "With api_version='v2' set it in problem_type_config (e.g. "
                        "tabular_config(max_candidates=...)), or use api_version='v1'.",
                    )
            problem_type_config = self.problem_type_config
            if problem_type_config is None and "AutoMLProblemTypeConfig" not in raw:
                if self.target_attribute is None:
                    raise AutoMLValidationError(
                        "problem_type_config",
                        None,
                        "Required with api_version='v2': pass e.g. tabular_config(target_attribute=...).",
                    )
                problem_type_config = requests.tabular_config(
                    target_attribute=self.target_attribute, problem_type=self.problem_type
                )
            return requests.build_v2_request(
                job_name=job_name,
                input_data_config=inputs,
                output_path=self.output_path,
                role_arn=self.role_arn,
                problem_type_config=problem_type_config or {},
                objective_metric=self.objective_metric,
                security_config=self.security_config,
                validation_fraction=self.validation_fraction,
                model_deploy_config=self.model_deploy_config,
                tags=self._tags(),
                extra=raw,
            )
        if self.problem_type_config is not None:
            raise AutoMLValidationError(
                "problem_type_config",
                self.problem_type_config,
                "Only used with api_version='v2'; with 'v1' use target_attribute and problem_type.",
            )
        return requests.build_v1_request(
            job_name=job_name,
            input_data_config=inputs,
            output_path=self.output_path,
            role_arn=self.role_arn,
            target_attribute=self.target_attribute,
            problem_type=self.problem_type,
            objective_metric=self.objective_metric,
            max_candidates=self.max_candidates,
            max_runtime_per_training_job=self.max_runtime_per_training_job,
            max_job_runtime=self.max_job_runtime,
            mode=self.mode,
            validation_fraction=self.validation_fraction,
            security_config=self.security_config,
            model_deploy_config=self.model_deploy_config,
            tags=self._tags(),
            extra=raw,
        )

    def resolve_job_name(self, context: Context) -> str:
        """The given ``job_name``, or one derived from the task instance (stable across retries)."""
        from airflow_provider_automl import requests

        if self.job_name:
            return requests.validate_job_name(self.job_name)
        ti = context["ti"]
        map_index = getattr(ti, "map_index", -1)
        return requests.derive_job_name(
            ti.dag_id, ti.task_id, ti.run_id, -1 if map_index is None else map_index
        )

    # -- execution ---------------------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
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
        return self._finish(context, self._wait(job))

    def _create_or_reattach(self, job_name: str, request: dict[str, Any]) -> str:
        from airflow_provider_automl import requests
        from airflow_provider_automl.exceptions import AutoMLJobExistsError

        api_version = self.api_version.lower()
        try:
            self.hook.create_job(request, api_version=api_version)
            return job_name
        except AutoMLJobExistsError:
            if self.action_if_job_exists == "fail":
                raise AirflowException(
                    f"An AutoML job named {job_name!r} already exists and action_if_job_exists='fail'. "
                    "AutoML job names can never be reused; pick another job_name or use "
                    "action_if_job_exists='reattach' or 'timestamp'."
                ) from None
            if self.action_if_job_exists == "timestamp":
                new_name = _timestamped(job_name)
                self.log.info("AutoML job %s exists; creating %s instead.", job_name, new_name)
                self.hook.create_job(self.build_request(new_name), api_version=api_version)
                return new_name
        described = self.hook.describe_job_response(job_name)
        mismatches = requests.reattach_mismatches(request, described, api_version=api_version)
        if mismatches:
            raise AirflowException(
                f"An AutoML job named {job_name!r} already exists with different inputs, so this task "
                f"will not reattach to it: {'; '.join(mismatches)}. Use another job_name or "
                "action_if_job_exists='timestamp'."
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
                **self.aws_hook_params,
            ),
            method_name="execute_complete",
        )

    def _wait(self, job: AutoMLJob) -> AutoMLJob:
        from airflow_provider_automl.hooks.automl import is_transient_error

        log_status = _StatusLogger(self.log, job.name)
        log_status(job)
        started = time.monotonic()
        errors = 0  # consecutive transient errors: waited out like the trigger does, up to max_wait
        last_error: BaseException | None = None
        while not job.is_terminal:
            if self.max_wait is not None and time.monotonic() - started >= self.max_wait:
                failing = f" The last {errors} check(s) failed: {last_error}" if errors else ""
                raise AirflowException(
                    f"AutoML job {job.name} still {job.status.value} / {job.secondary_status} (last seen) "
                    f"after max_wait={self.max_wait:.0f}s; the job keeps running.{failing}"
                )
            time.sleep(self.check_interval)
            try:
                job = self.hook.describe_job(job.name)
            except Exception as exc:
                if not is_transient_error(exc):
                    raise
                errors, last_error = errors + 1, exc
                if errors == 1:
                    self.log.warning(
                        "Describing AutoML job %s failed (%s); still waiting (last seen %s / %s).",
                        job.name,
                        exc,
                        job.status.value,
                        job.secondary_status,
                    )
                continue
            if errors:
                self.log.info("Describing AutoML job %s works again after %d error(s).", job.name, errors)
                errors = 0
            log_status(job)
        return job

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        job = job_from_event(event)
        return self._finish(context, job)

    def on_kill(self) -> None:
        if self._created_job_name:
            self.log.info("Task killed: stopping AutoML job %s.", self._created_job_name)
            self.hook.stop_job(self._created_job_name)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """
        OpenLineage: the input channels' S3 data in; the output path and the best candidate's
        model artifacts (``ModelDataUrl``) out. Called by the OpenLineage provider's listener.
        """
        from airflow.providers.openlineage.extractors import OperatorLineage

        from airflow_provider_automl.lineage import s3_datasets

        job = self._lineage_job
        # Resumed after a deferral, this is a new operator instance: rebuild the request from the
        # rendered fields (the job name changes neither the channels nor the output path).
        request = self._lineage_request or self.build_request(job.name if job else "lineage")
        channels = request.get("AutoMLJobInputDataConfig") or request.get("InputDataConfig") or []
        inputs = [channel.get("DataSource", {}).get("S3DataSource", {}).get("S3Uri") for channel in channels]
        outputs = [(job and job.output_path) or request["OutputDataConfig"]["S3OutputPath"]]
        if job is not None and job.best_candidate is not None:
            outputs += [c.get("ModelDataUrl") for c in job.best_candidate.inference_containers]
        return OperatorLineage(inputs=s3_datasets(inputs), outputs=s3_datasets(outputs))


def _timestamped(job_name: str) -> str:
    suffix = datetime.now(timezone.utc).strftime("%y%m%d%H%M%S")
    return f"{job_name[: 32 - len(suffix) - 1].rstrip('-')}-{suffix}"


def job_from_event(event: Mapping[str, Any] | None) -> AutoMLJob:
    """The job record carried by a trigger event; raises with the event's message on anything but success."""
    from airflow_provider_automl.exceptions import AutoMLJobFailedError
    from airflow_provider_automl.jobs import AutoMLJob

    if not isinstance(event, Mapping) or "status" not in event:
        raise AirflowException(f"AutoML trigger sent an unexpected event: {event!r}")
    record = event.get("job")
    if event["status"] == "success" and isinstance(record, Mapping):
        return AutoMLJob.from_record(record)
    if event["status"] in ("failed", "stopped") and isinstance(record, Mapping):
        raise AutoMLJobFailedError(AutoMLJob.from_record(record))
    raise AirflowException(
        str(event.get("message") or f"AutoML job {event.get('job_name')} wait ended: {event['status']}")
    )


class SageMakerDescribeAutoMLJobOperator(_AutoMLOperator):
    """
    Describe an AutoML job and return its record (the same shape the create operator returns).

    Works for jobs created by either API. When the job has completed, the best candidate and
    its containers are pushed under ``best_candidate`` and ``inference_containers`` too.

    :param job_name: Name of the AutoML job (templated).
    """

    template_fields: Sequence[str] = aws_template_fields("job_name")
    operator_extra_links = (SageMakerAutoMLJobLink(),)

    def __init__(self, *, job_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name

    def execute(self, context: Context) -> dict[str, Any]:
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
    :param status_equals: Only candidates with this status; ``Completed`` by default,
        None for all (templated).
    :param candidate_name_equals: Only the candidate with this name (templated).
    :param sort_by: ``CreationTime``, ``Status`` or ``FinalObjectiveMetricValue`` (templated).
    :param sort_order: ``Ascending`` or ``Descending`` (templated).
    :param top_k: Return at most this many candidates (templated).
    """

    template_fields: Sequence[str] = aws_template_fields(
        "job_name", "status_equals", "candidate_name_equals", "sort_by", "sort_order", "top_k"
    )

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

        top_k = self.top_k
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
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


def rank_candidates(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Best first by final objective metric, honouring Maximize / Minimize; unscored last."""

    def key(candidate: Candidate) -> tuple[int, float]:
        metric = candidate.objective_metric or {}
        value = metric.get("Value")
        if not isinstance(value, (int, float)):
            return (1, 0.0)
        return (0, -float(value) if metric.get("Type", "Maximize") == "Maximize" else float(value))

    return sorted(candidates, key=key)


class SageMakerStopAutoMLJobOperator(_AutoMLOperator):
    """
    Stop an AutoML job. A job that already ended is not an error.

    :param job_name: Name of the AutoML job (templated).
    :param wait_for_completion: Wait until the job reaches a terminal status (default False).
    :param check_interval: Seconds between status checks while waiting.
    :param max_wait: Seconds to wait before failing the task.
    """

    template_fields: Sequence[str] = aws_template_fields("job_name")

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
        self.wait_for_completion = wait_for_completion
        self.check_interval = _check_seconds("check_interval", check_interval)
        self.max_wait = _check_max_wait(max_wait)

    def execute(self, context: Context) -> dict[str, Any]:
        if self.hook.stop_job(self.job_name):
            self.log.info("Stop requested for AutoML job %s.", self.job_name)
        else:
            self.log.info("AutoML job %s had already ended or is stopping; nothing to stop.", self.job_name)
        job = self.hook.describe_job(self.job_name)
        log_status = _StatusLogger(self.log, self.job_name)
        log_status(job)
        started = time.monotonic()
        while self.wait_for_completion and not job.is_terminal:
            if self.max_wait is not None and time.monotonic() - started >= self.max_wait:
                raise AirflowException(
                    f"AutoML job {self.job_name} still {job.status.value} / {job.secondary_status} "
                    f"after max_wait={self.max_wait:.0f}s."
                )
            time.sleep(self.check_interval)
            job = self.hook.describe_job(self.job_name)
            log_status(job)
        return job.to_record()
