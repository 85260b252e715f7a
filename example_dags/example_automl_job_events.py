"""
Jobs drive DAGs: whenever an Autopilot job named ``churn-...`` completes, wherever it was started
(SageMaker Studio, Canvas, another pipeline, another DAG), register its best candidate in the
Model Registry (pending approval), show a reviewer the ranked candidates and their metrics, and
approve or reject the model package on the reviewer's answer.

The asset's watcher is :class:`SageMakerAutoMLJobEndedTrigger`: each job that ends is reported
once, with its XCom record, in an asset event (one per poll round that finds any). Airflow may
start one run for several events, so each run reviews every job in its triggering events (one
mapped task group per job).

Needs Airflow >= 3.1 (asset watchers, and the standard provider's human-in-the-loop operators);
on older Airflow this file defines no DAG. Settings: ``AUTOML_EXAMPLE_EVENT_PREFIX`` (``churn-``),
``AUTOML_EXAMPLE_EVENT_POLL_INTERVAL`` (60 s), ``AUTOML_EXAMPLE_MODEL_PACKAGE_GROUP``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_1_PLUS

if AIRFLOW_V_3_1_PLUS:
    from airflow.providers.standard.operators.hitl import HITLOperator
    from airflow.sdk import DAG, Asset, AssetWatcher, Param, task, task_group

    from airflow_provider_automl.operators.model import (
        SageMakerApproveModelPackageOperator,
        SageMakerRegisterCandidateOperator,
    )
    from airflow_provider_automl.triggers.ended import SageMakerAutoMLJobEndedTrigger

    JOB_PREFIX = os.environ.get("AUTOML_EXAMPLE_EVENT_PREFIX", "churn-")
    POLL_INTERVAL = float(os.environ.get("AUTOML_EXAMPLE_EVENT_POLL_INTERVAL", "60"))
    MODEL_PACKAGE_GROUP = os.environ.get("AUTOML_EXAMPLE_MODEL_PACKAGE_GROUP", "example-automl-churn")
    APPROVE, REJECT = "Approve", "Reject"

    # [START howto_trigger_automl_job_ended]
    completed_churn_jobs = Asset(
        name="sagemaker-automl-completed-churn-jobs",
        watchers=[
            AssetWatcher(
                name="completed_churn_jobs",
                trigger=SageMakerAutoMLJobEndedTrigger(
                    name_prefix=JOB_PREFIX,
                    statuses=["Completed"],
                    problem_types=["Tabular"],
                    poll_interval=POLL_INTERVAL,
                ),
            )
        ],
    )
    # [END howto_trigger_automl_job_ended]

    with DAG(
        dag_id="example_automl_job_events",
        schedule=[completed_churn_jobs],
        start_date=datetime(2026, 1, 1),
        catchup=False,
        tags=["example", "automl", "event-driven"],
    ) as dag:
        # [START howto_asset_events_automl_jobs]
        @task(inlets=[completed_churn_jobs])
        def completed_jobs(*, triggering_asset_events: Any = None) -> list[dict[str, Any]]:
            """The job record (XCom contract) of every job in this run's asset events, one each."""
            from airflow_provider_automl.triggers.events import ended_jobs

            jobs = ended_jobs(triggering_asset_events[completed_churn_jobs])
            print(f"{len(jobs)} completed job(s): {[job['AutoMLJobName'] for job in jobs]}")
            return jobs

        # [END howto_asset_events_automl_jobs]

        @task(multiple_outputs=True)
        def best_candidate(job: dict[str, Any]) -> dict[str, Any]:
            return {"job_name": job["AutoMLJobName"], "candidate": job["BestCandidate"]}

        @task(multiple_outputs=True)
        def review_request(job: dict[str, Any], model_package_arn: str) -> dict[str, str]:
            """What the reviewer sees: the job, the registered package, the ranked candidates."""
            from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
            from airflow_provider_automl.jobs import rank_candidates

            name = job["AutoMLJobName"]
            ranked = rank_candidates(SageMakerAutoMLHook(aws_conn_id="aws_default").list_candidates(name))
            rows = ["| rank | candidate | objective | other metrics |", "|---:|---|---:|---|"]
            for rank, candidate in enumerate(ranked[:10], start=1):
                metric = candidate.objective_metric or {}
                others = ", ".join(
                    f"{m.get('MetricName')}={m.get('Value'):.4g}"
                    for m in candidate.metrics
                    if m.get("MetricName") != metric.get("MetricName")
                    and m.get("Set") != "Train"
                    and isinstance(m.get("Value"), (int, float))
                )
                rows.append(
                    f"| {rank} | `{candidate.name}` | {metric.get('MetricName')} = {metric.get('Value'):.4f} "
                    f"| {others or '-'} |"
                )
            body = "\n".join(
                [
                    f"AutoML job `{name}` ({job.get('ProblemTypeConfigName')}) completed at "
                    f"{job.get('EndTime')}; {len(ranked)} candidate(s), best first.",
                    "",
                    f"Its best candidate is registered as `{model_package_arn}`, pending approval.",
                    "",
                    *rows,
                ]
            )
            return {"subject": f"Approve the best candidate of AutoML job {name}?", "body": body}

        @task(multiple_outputs=True)
        def decision(answer: dict[str, Any]) -> dict[str, str]:
            approved = answer["chosen_options"] == [APPROVE]
            reviewer = (answer.get("responded_by_user") or {}).get("name") or "the default on timeout"
            comment = (answer.get("params_input") or {}).get("comment") or ""
            status = "Approved" if approved else "Rejected"
            return {"status": status, "description": f"{status} by {reviewer}. {comment}".strip()[:1024]}

        @task_group(group_id="review")
        def review(job: dict[str, Any]) -> None:
            best = best_candidate(job)
            register = SageMakerRegisterCandidateOperator(
                task_id="register_best_candidate",
                model_package_group_name=MODEL_PACKAGE_GROUP,
                candidate=best["candidate"],
                job_name=best["job_name"],
                description="Best candidate of a completed churn AutoML job, awaiting review",
            )
            request = review_request(job, register.output)
            # [START howto_operator_hitl_review_model_package]
            answer = HITLOperator(
                task_id="approve_or_reject",
                subject=request["subject"],
                body=request["body"],
                options=[APPROVE, REJECT],
                defaults=[REJECT],  # taken if nobody answers within the timeout
                params={"comment": Param("", type="string", description="Recorded with the decision")},
                response_timeout=timedelta(days=7),
            )
            verdict = decision(answer.output)
            SageMakerApproveModelPackageOperator(
                task_id="apply_decision",
                model_package_arn=register.output,
                approval_status=verdict["status"],
                approval_description=verdict["description"],
            )
            # [END howto_operator_hitl_review_model_package]

        review.expand(job=completed_jobs())
