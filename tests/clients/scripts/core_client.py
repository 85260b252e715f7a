"""sagemaker-core (1.x: ``sagemaker_core``; 2.x: ``sagemaker.core``) against the local backend.

Runs in a sagemaker-core venv. sagemaker-core takes a boto3 Session, not an endpoint URL, so the session
comes from an AWS config profile whose ``endpoint_url`` is the backend (AWS_CONFIG_FILE is written by
the test). Every response is parsed into sagemaker-core's pydantic shapes: a strict response check.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

import boto3
from _steps import Steps, config

try:  # sagemaker-core 1.x
    from sagemaker_core.resources import AutoMLJob, AutoMLJobV2, Model
    from sagemaker_core.shapes import (
        AutoMLChannel,
        AutoMLDataSource,
        AutoMLJobChannel,
        AutoMLJobCompletionCriteria,
        AutoMLJobConfig,
        AutoMLJobObjective,
        AutoMLOutputDataConfig,
        AutoMLProblemTypeConfig,
        AutoMLS3DataSource,
        ContainerDefinition,
        TabularJobConfig,
        Tag,
    )
except ImportError:  # sagemaker-core 2.x moved into the ``sagemaker`` namespace (SDK v3's core)
    from sagemaker.core.resources import AutoMLJob, AutoMLJobV2, Model
    from sagemaker.core.shapes import (
        AutoMLChannel,
        AutoMLDataSource,
        AutoMLJobChannel,
        AutoMLJobCompletionCriteria,
        AutoMLJobConfig,
        AutoMLJobObjective,
        AutoMLOutputDataConfig,
        AutoMLProblemTypeConfig,
        AutoMLS3DataSource,
        ContainerDefinition,
        TabularJobConfig,
        Tag,
    )


def candidate(entry: Any) -> dict[str, Any]:
    metric = entry.final_auto_ml_job_objective_metric
    return {
        "name": entry.candidate_name,
        "status": entry.candidate_status,
        "objective": getattr(metric, "value", None),
        "containers": [
            {"image": c.image, "model_data_url": c.model_data_url, "env": dict(c.environment or {})}
            for c in (entry.inference_containers or [])
        ],
    }


def main() -> None:
    cfg = config()
    names = cfg["names"]
    region = cfg["region"]
    steps = Steps()
    session = boto3.Session(profile_name="automl-local")
    data_source = AutoMLDataSource(
        s3_data_source=AutoMLS3DataSource(s3_data_type="S3Prefix", s3_uri=cfg["train_uri"])
    )
    state: dict[str, Any] = {}

    def create_v1(name: str, max_candidates: int) -> Any:
        return AutoMLJob.create(
            auto_ml_job_name=name,
            input_data_config=[AutoMLChannel(data_source=data_source, target_attribute_name="target")],
            output_data_config=AutoMLOutputDataConfig(s3_output_path=f"s3://{cfg['bucket']}/core-v1/"),
            role_arn=cfg["role_arn"],
            problem_type="BinaryClassification",
            auto_ml_job_objective=AutoMLJobObjective(metric_name="F1"),
            auto_ml_job_config=AutoMLJobConfig(
                completion_criteria=AutoMLJobCompletionCriteria(max_candidates=max_candidates),
                mode="HYPERPARAMETER_TUNING",
            ),
            session=session,
            region=region,
        )

    def v1_create_wait() -> dict[str, Any]:
        job = create_v1(names["v1"], 3)
        status_after_create = job.auto_ml_job_status
        job.wait(poll=1, timeout=180)
        state["v1"] = job
        state["v1_best"] = job.best_candidate
        return {
            "status_after_create": status_after_create,
            "status": job.auto_ml_job_status,
            "secondary": job.auto_ml_job_secondary_status,
            "problem_type": job.resolved_attributes.problem_type,
            "best": candidate(job.best_candidate),
        }

    def v1_candidates() -> dict[str, Any]:
        job = state["v1"]
        ranked = job.get_all_candidates(
            sort_by="FinalObjectiveMetricValue", sort_order="Descending", session=session, region=region
        )
        completed = job.get_all_candidates(status_equals="Completed", session=session, region=region)
        named = job.get_all_candidates(
            candidate_name_equals=state["v1_best"].candidate_name, session=session, region=region
        )
        return {
            "by_objective_desc": [candidate(c) for c in ranked],
            "completed": [candidate(c) for c in completed],
            "named_best": [candidate(c) for c in named],
        }

    def model_from_best() -> dict[str, Any]:
        best = state["v1_best"]
        model = Model.create(
            model_name=names["model"],
            containers=[
                ContainerDefinition(
                    image=c.image, model_data_url=c.model_data_url, environment=dict(c.environment or {})
                )
                for c in best.inference_containers
            ],
            execution_role_arn=cfg["role_arn"],
            session=session,
            region=region,
        )
        return {
            "model": model.model_name,
            "arn": model.model_arn,
            "containers": [
                {"image": c.image, "model_data_url": c.model_data_url} for c in (model.containers or [])
            ],
        }

    def v2_create_wait() -> dict[str, Any]:
        job = AutoMLJobV2.create(
            auto_ml_job_name=names["v2"],
            auto_ml_job_input_data_config=[
                AutoMLJobChannel(
                    channel_type="training",
                    content_type="text/csv;header=present",
                    data_source=data_source,
                )
            ],
            output_data_config=AutoMLOutputDataConfig(s3_output_path=f"s3://{cfg['bucket']}/core-v2/"),
            auto_ml_problem_type_config=AutoMLProblemTypeConfig(
                tabular_job_config=TabularJobConfig(
                    target_attribute_name="target",
                    mode="ENSEMBLING",
                    completion_criteria=AutoMLJobCompletionCriteria(max_candidates=2),
                )
            ),
            role_arn=cfg["role_arn"],
            tags=[Tag(key="client", value="sagemaker-core")],
            session=session,
            region=region,
        )
        job.wait(poll=1, timeout=180)
        # AutoMLJobV2 has no candidate listing; the V1 resource lists a tabular V2 job's candidates.
        as_v1 = AutoMLJob.get(auto_ml_job_name=names["v2"], session=session, region=region)
        ranked = as_v1.get_all_candidates(
            sort_by="FinalObjectiveMetricValue", sort_order="Ascending", session=session, region=region
        )
        return {
            "status": job.auto_ml_job_status,
            "problem_config": job.auto_ml_problem_type_config_name,
            "best": candidate(job.best_candidate),
            "by_objective_asc": [candidate(c) for c in ranked],
        }

    def stop() -> dict[str, Any]:
        job = create_v1(names["stop"], 50)
        state["stop"] = job
        job.stop()
        job.wait(poll=1, timeout=180)
        return {"status": job.auto_ml_job_status}

    def stop_workaround() -> dict[str, Any]:
        # sagemaker-core 1.x: AutoMLJob.stop() reads SageMakerClient().client, which does not exist.
        job = state["stop"]
        session.client("sagemaker", region_name=region).stop_auto_ml_job(AutoMLJobName=names["stop"])
        job.wait(poll=1, timeout=180)
        return {"status": job.auto_ml_job_status}

    def list_jobs() -> dict[str, Any]:
        found = AutoMLJob.get_all(name_contains=cfg["prefix"], session=session, region=region)
        return {"jobs": sorted((j.auto_ml_job_name, j.auto_ml_job_status) for j in found)}

    def other_session() -> dict[str, Any]:
        # A session for another endpoint (nothing listens there): is it used, or silently ignored?
        elsewhere = boto3.Session(profile_name="elsewhere")
        try:
            job = AutoMLJob.get(auto_ml_job_name=names["v1"], session=elsewhere, region=region)
        except Exception as err:
            return {"used": True, "error": f"{type(err).__name__}: {err}"}
        return {"used": False, "answered_status": job.auto_ml_job_status}

    steps.run("v1_create_wait", v1_create_wait)
    steps.run("v1_candidates", v1_candidates, needs=("v1_create_wait",))
    steps.run("model_from_best", model_from_best, needs=("v1_create_wait",))
    steps.run("v2_create_wait", v2_create_wait)
    if not steps.run("stop", stop) and "stop" in state:
        steps.run("stop_workaround", stop_workaround)
    steps.run("list_jobs", list_jobs)
    steps.run("other_session", other_session, needs=("v1_create_wait",))
    steps.emit(version=importlib.metadata.version("sagemaker-core"), boto3=boto3.__version__)


if __name__ == "__main__":
    main()
