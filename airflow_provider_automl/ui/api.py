"""The view's JSON endpoints, authorised by Airflow's own API security.

- A task instance's job: ``GET /api/task/job`` and ``/api/task/artifacts`` with ``dag_id``,
  ``run_id``, ``task_id``, ``map_index``; the user must be allowed to read the DAG's task
  instances and XComs. The job is read through the connection the task used.
- A connection's jobs: ``GET /api/connections/{connection_id}/jobs[/{job_name}[/artifacts]]``;
  the user must be allowed to read the connection (its jobs are read with its credentials).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.core_api.security import (
    GetUserDep,
    requires_access_connection,
    requires_access_dag,
)
from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy.orm import Session

from airflow_provider_automl.connection import AwsParams
from airflow_provider_automl.ui import job_view, sources

if TYPE_CHECKING:
    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook


def _session() -> Iterator[Session]:
    from airflow.utils.session import create_session

    with create_session(scoped=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]
TaskQuery = Annotated[str, Query(min_length=1, max_length=250)]


@contextmanager
def _answers() -> Iterator[None]:
    """Hook and lookup errors as HTTP answers the page can show (never a stack trace)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from airflow_provider_automl.exceptions import AutoMLJobNotFoundError, AutoMLValidationError

    try:
        yield
    except (sources.NoJobError, AutoMLJobNotFoundError) as err:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(err)) from None
    except AutoMLValidationError as err:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(err)) from None
    except ClientError as err:
        error = err.response.get("Error", {})
        detail = f"SageMaker answered {error.get('Code', 'an error')}: {error.get('Message', err)}"
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail) from None
    except BotoCoreError as err:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"Could not reach SageMaker: {err}") from None


def _hook(params: AwsParams) -> SageMakerAutoMLHook:
    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook

    return params.build_hook(SageMakerAutoMLHook)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _task_ref(dag_id: str, run_id: str, task_id: str, map_index: str | None) -> sources.TaskRef:
    # The UI fills {MAP_INDEX} only for mapped tasks; the literal placeholder means "not mapped".
    try:
        index = int(map_index) if map_index not in (None, "") else -1
    except ValueError:
        index = -1
    return sources.TaskRef(dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=index)


def _connection_params(connection_id: str, region_name: str | None) -> AwsParams:
    with _answers():
        return AwsParams.checked(aws_conn_id=connection_id, region_name=region_name or None)


def create_router() -> APIRouter:
    """The API router, each endpoint behind Airflow's access checks."""
    router = APIRouter(prefix="/api")
    read_task = [
        Depends(requires_access_dag("GET", DagAccessEntity.TASK_INSTANCE)),
        Depends(requires_access_dag("GET", DagAccessEntity.XCOM)),
    ]
    read_connection = [Depends(requires_access_connection("GET"))]

    @router.get("/task/job", dependencies=read_task)
    def task_job(
        dag_id: TaskQuery,
        run_id: TaskQuery,
        task_id: TaskQuery,
        session: SessionDep,
        map_index: str | None = None,
    ) -> dict[str, Any]:
        """The job the task instance ran, with the model packages its run registered from it."""
        ref = _task_ref(dag_id, run_id, task_id, map_index)
        with _answers():
            found = sources.find_task_job(session, ref)
            packages = sources.registered_packages(session, dag_id=dag_id, run_id=run_id)
            session.rollback()  # no transaction held open while AWS answers
            document = job_view.job_document(_hook(found.params), found.job_name, now=_now(), task=found)
            document["model_packages"] = job_view.packages_document(packages, job_name=found.job_name)
        document["source"] = {
            **ref.to_dict(),
            "operator": found.operator,
            "aws_conn_id": found.params.aws_conn_id,
        }
        return document

    @router.get("/task/artifacts", dependencies=read_task)
    def task_artifacts(
        dag_id: TaskQuery,
        run_id: TaskQuery,
        task_id: TaskQuery,
        session: SessionDep,
        map_index: str | None = None,
        candidate: Annotated[str | None, Query(max_length=64)] = None,
    ) -> dict[str, Any]:
        """The artifacts of the task's job's best candidate (or ``candidate``)."""
        ref = _task_ref(dag_id, run_id, task_id, map_index)
        with _answers():
            found = sources.find_task_job(session, ref)
            session.rollback()
            return job_view.artifacts_document(
                _hook(found.params), found.params, found.job_name, candidate_name=candidate
            )

    @router.get("/connections/{connection_id}/jobs", dependencies=read_connection)
    def connection_jobs(
        connection_id: str,
        session: SessionDep,
        user: GetUserDep,
        region_name: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int, Query(ge=1, le=job_view.MAX_JOBS)] = 50,
    ) -> dict[str, Any]:
        """The connection's recent jobs, each with the task that ran it when the user may read its DAG."""
        from airflow.api_fastapi.app import get_auth_manager

        params = _connection_params(connection_id, region_name)
        readable = get_auth_manager().get_authorized_dag_ids(user=user, method="GET", session=session)
        recorded = sources.recorded_jobs(session, dag_ids=readable)
        session.rollback()
        with _answers():
            document = job_view.jobs_document(_hook(params), limit=limit)
        for job in document["jobs"]:
            ref = recorded.get(str(job["name"]).lower())
            job["task"] = ref.to_dict() if ref else None
        document["connection_id"] = connection_id
        return document

    @router.get("/connections/{connection_id}/jobs/{job_name}", dependencies=read_connection)
    def connection_job(
        connection_id: str,
        job_name: str,
        region_name: Annotated[str | None, Query(max_length=32)] = None,
    ) -> dict[str, Any]:
        """One job of the connection."""
        params = _connection_params(connection_id, region_name)
        with _answers():
            document = job_view.job_document(_hook(params), job_name, now=_now())
        document["source"] = {"aws_conn_id": connection_id}
        return document

    @router.get("/connections/{connection_id}/jobs/{job_name}/artifacts", dependencies=read_connection)
    def connection_job_artifacts(
        connection_id: str,
        job_name: str,
        region_name: Annotated[str | None, Query(max_length=32)] = None,
        candidate: Annotated[str | None, Query(max_length=64)] = None,
    ) -> dict[str, Any]:
        params = _connection_params(connection_id, region_name)
        with _answers():
            return job_view.artifacts_document(_hook(params), params, job_name, candidate_name=candidate)

    return router
