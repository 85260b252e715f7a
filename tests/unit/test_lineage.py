"""OpenLineage: what the create and register operators report, through the OpenLineage provider."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from airflow.providers.common.compat.openlineage.facet import Dataset
from airflow.providers.openlineage.extractors import OperatorLineage
from airflow.providers.openlineage.extractors.base import DefaultExtractor
from botocore.stub import Stubber
from moto import mock_aws
from openlineage.client.serde import Serde

from airflow_provider_automl.exceptions import AutoMLJobFailedError
from airflow_provider_automl.jobs import AutoMLJob
from airflow_provider_automl.operators.automl import SageMakerCreateAutoMLJobOperator
from airflow_provider_automl.operators.model import SageMakerRegisterCandidateOperator
from airflow_provider_automl.requests import tabular_config
from tests.fakes import FakeTI
from tests.unit.conftest import (
    ACCOUNT,
    REGION,
    ROLE_ARN,
    job_arn,
    make_candidate,
    make_describe_v2,
    make_sagemaker_client,
)

JOB = "churn-job"
TRAIN = "s3://bucket/train/"
VALIDATION = "s3://validation-bucket/churn/validation.csv"
OUTPUT = "s3://bucket/output/"
# make_candidate("cand-1")'s two containers.
MODEL_ARTIFACTS = [
    Dataset(namespace="s3://bucket", name="output/cand-1/data-processor-models/model.tar.gz"),
    Dataset(namespace="s3://bucket", name="output/cand-1/tuning/model.tar.gz"),
]


def context() -> Any:  # stands in for airflow's Context
    return {"ti": FakeTI(), "outlet_events": defaultdict(lambda: type("Events", (), {"extra": {}})())}


def create_op(**kwargs: Any) -> SageMakerCreateAutoMLJobOperator:
    params: dict[str, Any] = {
        "task_id": "create_automl_job",
        "job_name": JOB,
        "input_data_config": TRAIN,
        "output_path": OUTPUT,
        "role_arn": ROLE_ARN,
        "problem_type_config": tabular_config(target_attribute="label"),
        "aws_conn_id": None,
        "region_name": REGION,
    }
    params.update(kwargs)
    return SageMakerCreateAutoMLJobOperator(**params)


def run_create(op: SageMakerCreateAutoMLJobOperator, describe: dict[str, Any]) -> dict[str, Any]:
    client = make_sagemaker_client()
    op.hook.__dict__["conn"] = client
    with Stubber(client) as stubber:
        stubber.add_response("create_auto_ml_job_v2", {"AutoMLJobArn": job_arn(JOB)})
        stubber.add_response("describe_auto_ml_job_v2", describe, {"AutoMLJobName": JOB})
        result: dict[str, Any] = op.execute(context())
        stubber.assert_no_pending_responses()
    return result


def extract(op: Any) -> OperatorLineage:
    """What the OpenLineage listener gets: the provider's DefaultExtractor over the operator."""
    lineage = DefaultExtractor(op).extract_on_complete(FakeTI())
    assert lineage is not None, "the OpenLineage provider could not extract lineage"
    return lineage


# -- create operator --------------------------------------------------------------------------


def test_completed_job_reports_channels_in_and_output_path_and_model_artifacts_out() -> None:
    op = create_op(validation_input=VALIDATION)
    run_create(op, make_describe_v2(JOB, status="Completed"))

    lineage = extract(op)

    assert lineage.inputs == [
        Dataset(namespace="s3://bucket", name="train/"),
        Dataset(namespace="s3://validation-bucket", name="churn/validation.csv"),
    ]
    assert lineage.outputs == [Dataset(namespace="s3://bucket", name="output/"), *MODEL_ARTIFACTS]


def test_channels_given_in_the_api_shape_are_reported() -> None:
    channels = [
        {
            "ChannelType": channel_type,
            "ContentType": "text/csv;header=present",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
        }
        for channel_type, uri in (
            ("training", "s3://data/a/train.csv"),
            ("validation", "s3://data/a/val.csv"),
        )
    ]
    op = create_op(input_data_config=channels, wait_for_completion=False)
    run_create(op, make_describe_v2(JOB, status="InProgress"))

    lineage = extract(op)

    assert [(d.namespace, d.name) for d in lineage.inputs] == [
        ("s3://data", "a/train.csv"),
        ("s3://data", "a/val.csv"),
    ]


def test_job_not_waited_for_reports_the_output_path_but_no_model_yet() -> None:
    op = create_op(wait_for_completion=False)
    run_create(op, make_describe_v2(JOB, status="InProgress"))

    lineage = extract(op)

    assert lineage.inputs == [Dataset(namespace="s3://bucket", name="train/")]
    assert lineage.outputs == [Dataset(namespace="s3://bucket", name="output/")]


def test_resumed_after_deferral_rebuilds_inputs_from_the_rendered_fields() -> None:
    # execute_complete runs on a fresh operator instance: nothing from execute() survives.
    job = AutoMLJob.from_describe(make_describe_v2(JOB, status="Completed"))
    op = create_op(validation_input=VALIDATION, deferrable=True)
    op.execute_complete(context(), {"status": "success", "job_name": JOB, "job": job.to_record()})

    lineage = extract(op)

    assert [d.namespace for d in lineage.inputs] == ["s3://bucket", "s3://validation-bucket"]
    assert lineage.outputs == [Dataset(namespace="s3://bucket", name="output/"), *MODEL_ARTIFACTS]


def test_failed_job_after_deferral_still_reports_inputs_and_output_path() -> None:
    job = AutoMLJob.from_describe(make_describe_v2(JOB, status="Failed"))
    op = create_op(deferrable=True)
    with pytest.raises(AutoMLJobFailedError):
        op.execute_complete(context(), {"status": "failed", "job_name": JOB, "job": job.to_record()})

    # The listener asks on failure too (DefaultExtractor falls back to on_complete).
    lineage = DefaultExtractor(op).extract_on_failure(FakeTI())

    assert lineage is not None
    assert lineage.inputs == [Dataset(namespace="s3://bucket", name="train/")]
    assert lineage.outputs == [Dataset(namespace="s3://bucket", name="output/")]


def test_bucket_root_and_duplicates() -> None:
    op = create_op(
        input_data_config="s3://bucket",
        validation_input="s3://bucket",
        output_path="s3://out",
        wait_for_completion=False,
    )
    run_create(op, make_describe_v2(JOB, status="InProgress"))

    lineage = extract(op)

    assert lineage.inputs == [Dataset(namespace="s3://bucket", name="/")]
    assert lineage.outputs == [Dataset(namespace="s3://bucket", name="output/")]  # the job's own


def test_datasets_serialise_as_openlineage_events_carry_them() -> None:
    op = create_op()
    run_create(op, make_describe_v2(JOB, status="Completed"))

    lineage = extract(op)

    assert json.loads(Serde.to_json(lineage.inputs[0])) == {
        "namespace": "s3://bucket",
        "name": "train/",
        "facets": {},
    }


# -- register operator ------------------------------------------------------------------------


@pytest.fixture
def moto_sagemaker() -> Iterator[Any]:
    with mock_aws():
        yield boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        ).client("sagemaker")


def test_register_reports_model_artifacts_in_and_the_model_package_out(moto_sagemaker: Any) -> None:
    op = SageMakerRegisterCandidateOperator(
        task_id="register",
        model_package_group_name="churn-models",
        candidate=make_candidate("cand-1"),
        job_name=JOB,
        aws_conn_id=None,
        region_name=REGION,
    )
    op.hook.__dict__["conn"] = moto_sagemaker
    arn = op.execute(context())
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/churn-models/1"

    lineage = extract(op)

    assert lineage.inputs == MODEL_ARTIFACTS
    assert lineage.outputs == [
        Dataset(namespace=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}", name="model-package/churn-models/1")
    ]


def test_register_reports_nothing_before_it_ran() -> None:
    op = SageMakerRegisterCandidateOperator(task_id="register", model_package_group_name="churn-models")

    lineage = extract(op)

    assert (lineage.inputs, lineage.outputs) == ([], [])


# -- DAG parsing stays free of OpenLineage ----------------------------------------------------


def test_operator_modules_do_not_import_openlineage() -> None:
    # Airflow itself reads every provider's metadata at import; our modules must add nothing.
    code = (
        "import sys\n"
        "import airflow\n"
        "before = {m for m in sys.modules if 'openlineage' in m}\n"
        "import airflow_provider_automl.operators.automl, airflow_provider_automl.operators.model\n"
        "print(sorted(m for m in sys.modules if 'openlineage' in m and m not in before))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
