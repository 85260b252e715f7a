"""The CreateAutoMLJobV2 / CreateAutoMLJob builders."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from airflow_provider_automl import requests as rq
from tests.unit.requests.common import OUT, PROBLEM_CONFIGS, ROLE, TRAIN, VALID, assert_botocore_accepts


def test_v2_full_tabular_request_shape(service_model: Any) -> None:
    request = rq.build_v2_request(
        job_name="churn-2024",
        input_data_config=rq.input_channels(TRAIN, validation=VALID, content_type=rq.CSV, compression="Gzip"),
        output_path=OUT,
        role_arn=ROLE,
        problem_type_config=PROBLEM_CONFIGS["tabular-full"](),
        objective_metric="AUC",
        kms_key_id="arn:aws:kms:us-east-1:123456789012:key/abcd-1234",
        security_config={
            "VolumeKmsKeyId": "alias/automl",
            "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": {"SecurityGroupIds": ["sg-123"], "Subnets": ["subnet-1", "subnet-2"]},
        },
        model_deploy_config={"AutoGenerateEndpointName": True},
        tags=[{"Key": "team", "Value": "ml"}],
        compute_config={"EmrServerlessComputeConfig": {"ExecutionRoleARN": ROLE}},
    )
    assert_botocore_accepts(service_model, request, "CreateAutoMLJobV2")
    assert request["AutoMLJobInputDataConfig"][1] == {
        "ChannelType": "validation",
        "ContentType": rq.CSV,
        "CompressionType": "Gzip",
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": VALID}},
    }
    assert request["OutputDataConfig"] == {
        "S3OutputPath": OUT,
        "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/abcd-1234",
    }
    assert request["AutoMLJobObjective"] == {"MetricName": "AUC"}
    assert request["AutoMLProblemTypeConfig"]["TabularJobConfig"]["CandidateGenerationConfig"] == {
        "AlgorithmsConfig": [{"AutoMLAlgorithms": ["xgboost", "lightgbm", "catboost"]}]
    }
    assert "DataSplitConfig" not in request  # unset typed arguments send nothing


def test_v2_validation_fraction_goes_to_data_split_config(service_model: Any) -> None:
    request = rq.build_v2_request(
        job_name="split",
        input_data_config=TRAIN,
        output_path=OUT,
        role_arn=ROLE,
        problem_type_config=rq.text_classification_config(content_column="t", target_label_column="l"),
        validation_fraction="0.25",
    )
    assert request["DataSplitConfig"] == {"ValidationFraction": 0.25}
    assert_botocore_accepts(service_model, request, "CreateAutoMLJobV2")


def test_v1_builder_full_request(service_model: Any) -> None:
    request = rq.build_v1_request(
        job_name="churn-v1",
        input_data_config=rq.input_channels(TRAIN, validation=VALID),
        output_path=OUT,
        role_arn=ROLE,
        target_attribute="churn",
        sample_weight_attribute="weight",
        content_type=rq.PARQUET,
        problem_type="MulticlassClassification",
        objective_metric="F1macro",
        max_candidates="10",
        max_runtime_per_training_job=600,
        max_job_runtime=3600,
        mode="HYPERPARAMETER_TUNING",
        candidate_generation_config={
            "FeatureSpecificationS3Uri": "s3://my-bucket/features.json",
            "AlgorithmsConfig": [{"AutoMLAlgorithms": ["xgboost"]}],
        },
        validation_fraction=0.3,
        security_config={"EnableInterContainerTrafficEncryption": True},
        generate_candidate_definitions_only="false",
        model_deploy_config={"EndpointName": "churn-endpoint"},
        tags={"team": "ml"},
        kms_key_id="alias/out",
    )
    assert_botocore_accepts(service_model, request, "CreateAutoMLJob")
    for channel in request["InputDataConfig"]:
        assert channel["TargetAttributeName"] == "churn"
        assert channel["SampleWeightAttributeName"] == "weight"
        assert channel["ContentType"] == rq.PARQUET
    assert request["AutoMLJobConfig"] == {
        "CompletionCriteria": {
            "MaxCandidates": 10,
            "MaxRuntimePerTrainingJobInSeconds": 600,
            "MaxAutoMLJobRuntimeInSeconds": 3600,
        },
        "Mode": "HYPERPARAMETER_TUNING",
        "CandidateGenerationConfig": {
            "FeatureSpecificationS3Uri": "s3://my-bucket/features.json",
            "AlgorithmsConfig": [{"AutoMLAlgorithms": ["xgboost"]}],
        },
        "DataSplitConfig": {"ValidationFraction": 0.3},
        "SecurityConfig": {"EnableInterContainerTrafficEncryption": True},
    }
    assert request["GenerateCandidateDefinitionsOnly"] is False
    assert request["ProblemType"] == "MulticlassClassification"


def test_v1_minimal_from_uri(service_model: Any) -> None:
    request = rq.build_v1_request(
        job_name="v1", input_data_config=TRAIN, output_path=OUT, role_arn=ROLE, target_attribute="y"
    )
    assert request == {
        "AutoMLJobName": "v1",
        "InputDataConfig": [
            {
                "ChannelType": "training",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": TRAIN}},
                "TargetAttributeName": "y",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": OUT},
        "RoleArn": ROLE,
    }
    assert_botocore_accepts(service_model, request, "CreateAutoMLJob")


def test_builders_do_not_import_botocore_at_module_level() -> None:
    code = "import sys, airflow_provider_automl.requests; print(sorted(m for m in ('boto3', 'botocore', 'aiobotocore') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
