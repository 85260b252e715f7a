"""Which AutoML job a task instance ran, through which connection, and what the run registered.

Read from Airflow's metadata database: the ``automl_job_link`` XCom the create / describe
operators and the sensor push (job name and connection arguments), else the task's rendered
template fields (``job_name``, ``aws_conn_id``, ...); and the model package ARNs the run's
register tasks returned. Airflow 3 only (the API server's models).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_automl.connection import AWS_FIELDS, AwsParams
from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.links.automl import SageMakerAutoMLJobLink

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# Task types (class names) whose rendered ``job_name`` is an AutoML job's name.
JOB_TASK_TYPES = frozenset(
    {
        "SageMakerCreateAutoMLJobOperator",
        "SageMakerDescribeAutoMLJobOperator",
        "SageMakerListAutoMLCandidatesOperator",
        "SageMakerStopAutoMLJobOperator",
        "SageMakerAutoMLJobSensor",
    }
)
REGISTER_TASK_TYPES = frozenset({"SageMakerRegisterCandidateOperator"})
LINK_KEY = SageMakerAutoMLJobLink.key
RECENT_LINKS = 500  # link XComs scanned for the jobs page


class NoJobError(LookupError):
    """The task instance ran no AutoML job (or has not recorded it yet)."""


@dataclass(frozen=True)
class TaskRef:
    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TaskJob:
    """The job a task instance ran and the connection arguments it used (no secret among them)."""

    ref: TaskRef
    job_name: str
    params: AwsParams
    operator: str | None = None
    start_date: dt.datetime | None = None
    end_date: dt.datetime | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RegisteredPackage:
    """A model package ARN a register task of the run returned, with that task's connection."""

    ref: TaskRef
    arn: str
    params: AwsParams
    job_name: str | None  # the task's rendered ``job_name``, when it had one
    candidate_name: str | None = None  # its rendered ``candidate``'s name, when it had one


def params_from(values: Mapping[str, Any] | None) -> AwsParams | None:
    """AwsParams from recorded connection arguments; None when absent or not usable."""
    if not isinstance(values, Mapping) or not any(name in values for name in AWS_FIELDS):
        return None
    try:
        return AwsParams.checked(
            aws_conn_id=values.get("aws_conn_id", "aws_default"),
            region_name=values.get("region_name"),
            verify=values.get("verify"),
            botocore_config=values.get("botocore_config"),
        )
    except AutoMLValidationError:
        return None


def _xcom(session: Session, ref: TaskRef, key: str) -> Any:
    from airflow.models.xcom import XComModel
    from sqlalchemy import select

    row = session.scalar(
        select(XComModel).where(
            XComModel.dag_id == ref.dag_id,
            XComModel.run_id == ref.run_id,
            XComModel.task_id == ref.task_id,
            XComModel.map_index == ref.map_index,
            XComModel.key == key,
        )
    )
    return XComModel.deserialize_value(row) if row is not None else None


def _rendered(session: Session, ref: TaskRef) -> dict[str, Any]:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields as Rtif
    from sqlalchemy import select

    fields = session.scalar(
        select(Rtif.rendered_fields).where(
            Rtif.dag_id == ref.dag_id,
            Rtif.run_id == ref.run_id,
            Rtif.task_id == ref.task_id,
            Rtif.map_index == ref.map_index,
        )
    )
    return dict(fields) if isinstance(fields, Mapping) else {}


def find_task_job(session: Session, ref: TaskRef) -> TaskJob:
    """The job ``ref`` ran; NoJobError when it ran none (any task has the AutoML tab)."""
    from airflow.models.taskinstance import TaskInstance
    from sqlalchemy import select

    ti = session.scalar(
        select(TaskInstance).where(
            TaskInstance.dag_id == ref.dag_id,
            TaskInstance.run_id == ref.run_id,
            TaskInstance.task_id == ref.task_id,
            TaskInstance.map_index == ref.map_index,
        )
    )
    if ti is None:
        raise NoJobError(
            f"No task instance {ref.task_id!r} (map index {ref.map_index}) in run {ref.run_id!r}."
        )
    link = _xcom(session, ref, LINK_KEY)
    link = link if isinstance(link, Mapping) else {}
    rendered = _rendered(session, ref)
    job_name = link.get("job_name")
    if not job_name and ti.operator in JOB_TASK_TYPES:
        job_name = rendered.get("job_name")
    if not isinstance(job_name, str) or not job_name or "{{" in job_name:
        if ti.operator in JOB_TASK_TYPES:
            raise NoJobError(
                f"Task {ref.task_id!r} has not recorded its AutoML job yet (state: {ti.state or 'none'})."
            )
        raise NoJobError(f"Task {ref.task_id!r} ({ti.operator}) runs no AutoML job.")
    notes: list[str] = []
    recorded = dict(link.get("aws_params") or {})
    if recorded and isinstance(rendered.get("botocore_config"), Mapping):
        # The link keeps no botocore config (it may hold proxy credentials); the rendered field does.
        recorded["botocore_config"] = rendered["botocore_config"]
    params = params_from(recorded) or params_from(rendered)
    if params is None:
        # Rendered fields are kept for the latest runs only ([core] max_num_rendered_ti_fields_per_task).
        params = AwsParams(region_name=link.get("region_name"))
        notes.append("The task's connection arguments are no longer recorded; using aws_default.")
    return TaskJob(
        ref=ref,
        job_name=job_name,
        params=params,
        operator=ti.operator,
        start_date=ti.start_date,
        end_date=ti.end_date,
        notes=notes,
    )


def registered_packages(session: Session, *, dag_id: str, run_id: str) -> list[RegisteredPackage]:
    """The model packages the run's register tasks returned (their ``return_value`` ARNs)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from sqlalchemy import select

    rows = session.execute(
        select(XComModel, TaskInstance.operator)
        .join(
            TaskInstance,
            (TaskInstance.dag_id == XComModel.dag_id)
            & (TaskInstance.run_id == XComModel.run_id)
            & (TaskInstance.task_id == XComModel.task_id)
            & (TaskInstance.map_index == XComModel.map_index),
        )
        .where(
            XComModel.dag_id == dag_id,
            XComModel.run_id == run_id,
            XComModel.key == "return_value",
            TaskInstance.operator.in_(REGISTER_TASK_TYPES),
        )
    ).all()
    found = []
    for xcom, _ in rows:
        arn = XComModel.deserialize_value(xcom)
        if not isinstance(arn, str) or ":model-package/" not in arn:
            continue
        ref = TaskRef(dag_id, run_id, xcom.task_id, xcom.map_index)
        rendered = _rendered(session, ref)
        job_name = rendered.get("job_name")
        candidate = rendered.get("candidate")
        candidate_name = candidate.get("CandidateName") if isinstance(candidate, Mapping) else None
        found.append(
            RegisteredPackage(
                ref=ref,
                arn=arn,
                params=params_from(rendered) or AwsParams(),
                job_name=job_name if isinstance(job_name, str) else None,
                candidate_name=candidate_name if isinstance(candidate_name, str) else None,
            )
        )
    return found


def recorded_jobs(session: Session, *, dag_ids: Iterable[str] | None) -> dict[str, TaskRef]:
    """Job name -> the latest task instance that recorded it, among the DAGs in ``dag_ids``."""
    from airflow.models.xcom import XComModel
    from sqlalchemy import select

    query = select(XComModel).where(XComModel.key == LINK_KEY)
    if dag_ids is not None:
        query = query.where(XComModel.dag_id.in_(list(dag_ids)))
    found: dict[str, TaskRef] = {}
    for xcom in session.scalars(query.order_by(XComModel.timestamp.desc()).limit(RECENT_LINKS)):
        value = XComModel.deserialize_value(xcom)
        name = value.get("job_name") if isinstance(value, Mapping) else None
        if isinstance(name, str) and name.lower() not in found:
            found[name.lower()] = TaskRef(xcom.dag_id, xcom.run_id, xcom.task_id, xcom.map_index)
    return found
