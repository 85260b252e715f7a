"""CreateModel / CreateModelPackage request builders, checked against botocore's SageMaker model."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.requests import model as model_requests
from airflow_provider_automl.requests.coerce import normalize_tags
from airflow_provider_automl.requests.validation import compiled_pattern, validate
from tests.unit.conftest import ROLE_ARN, make_candidate, sagemaker_model, validate_input, validate_output

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com"
GROUP_ARN_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012:model-package"


def hpo_classification_containers(name: str = "cand-hpo") -> list[dict[str, Any]]:
    """The three containers Autopilot gives an HPO classification candidate (feature transform,
    algorithm, inverse label transform), with the environment it ships them with."""
    return [
        {
            "Image": f"{IMAGE}/sagemaker-sklearn-automl:2.5-1-cpu-py3",
            "ModelDataUrl": f"s3://bucket/output/{name}/data-processor-models/model.tar.gz",
            "Environment": {
                "AUTOML_SPARSE_ENCODE_RECORDIO_PROTOBUF": "1",
                "AUTOML_TRANSFORM_MODE": "feature-transform",
                "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/x-recordio-protobuf",
                "SAGEMAKER_PROGRAM": "sagemaker_serve",
                "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
            },
        },
        {
            "Image": f"{IMAGE}/sagemaker-xgboost:1.7-1-cpu-py3",
            "ModelDataUrl": f"s3://bucket/output/{name}/tuning/model.tar.gz",
            "Environment": {
                "MAX_CONTENT_LENGTH": "20971520",
                "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
                "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
                "SAGEMAKER_INFERENCE_SUPPORTED": "predicted_label,probability,probabilities",
            },
        },
        {
            "Image": f"{IMAGE}/sagemaker-sklearn-automl:2.5-1-cpu-py3",
            "ModelDataUrl": f"s3://bucket/output/{name}/data-processor-models/model.tar.gz",
            "Environment": {
                "AUTOML_TRANSFORM_MODE": "inverse-label-transform",
                "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
                "SAGEMAKER_INFERENCE_INPUT": "predicted_label",
                "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
                "SAGEMAKER_INFERENCE_SUPPORTED": "predicted_label,probability,labels,probabilities",
                "SAGEMAKER_PROGRAM": "sagemaker_serve",
                "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
            },
        },
    ]


def ensemble_classification_containers() -> list[dict[str, Any]]:
    """Ensembling mode: one container doing everything."""
    return [
        {
            "Image": f"{IMAGE}/autogluon-inference:0.4.3-cpu-py38",
            "ModelDataUrl": "s3://bucket/output/ens/model.tar.gz",
            "Environment": {
                "MODEL_NAME": "WeightedEnsemble_L3",
                "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
                "SAGEMAKER_INFERENCE_SUPPORTED": "predicted_label,probability,probabilities,labels",
            },
        }
    ]


def regression_containers() -> list[dict[str, Any]]:
    return [
        {
            "Image": f"{IMAGE}/sagemaker-sklearn-automl:2.5-1-cpu-py3",
            "ModelDataUrl": "s3://b/fe/model.tar.gz",
        },
        {"Image": f"{IMAGE}/sagemaker-xgboost:1.7-1-cpu-py3", "ModelDataUrl": "s3://b/algo/model.tar.gz"},
    ]


def test_hpo_candidate_fixture_is_a_valid_candidate() -> None:
    # The fixture must be something ListCandidatesForAutoMLJob could return.
    candidate = make_candidate("cand-hpo", InferenceContainers=hpo_classification_containers())
    validate_output("ListCandidatesForAutoMLJob", {"Candidates": [candidate]})


# -- names and ARNs: the validator accepts exactly what the model's pattern and length allow ----


def _with_member(operation: str, member: str, value: str) -> dict[str, Any]:
    base: dict[str, dict[str, Any]] = {
        "CreateModel": {
            "ModelName": "m",
            "Containers": regression_containers(),
            "ExecutionRoleArn": ROLE_ARN,
        },
        "CreateModelPackageGroup": {"ModelPackageGroupName": "g"},
        "UpdateModelPackage": {"ModelPackageArn": f"{GROUP_ARN_PREFIX}/churn/1"},
    }
    return {**base[operation], member: value}


@pytest.mark.parametrize(
    ("operation", "member", "samples"),
    [
        (
            "CreateModel",
            "ModelName",
            ["m", "model-1", "a" * 63, "a" * 64, "-m", "m-", "m_1", "m--1", "", "m.1"],
        ),
        (
            "CreateModelPackageGroup",
            "ModelPackageGroupName",
            ["g", "churn-models", "a--b", "a" * 63, "a" * 64, "-g", "g-", "g_1", "", "g 1"],
        ),
        (
            "CreateModel",
            "ExecutionRoleArn",
            [
                ROLE_ARN,
                "arn:aws-cn:iam::123456789012:role/path/R",
                "arn:aws:iam::12345678901:role/R",
                "arn:aws:iam::123456789012:user/R",
                "AutoMLRole",
            ],
        ),
        (
            "UpdateModelPackage",
            "ModelPackageArn",
            [
                f"{GROUP_ARN_PREFIX}/churn/1",
                f"{GROUP_ARN_PREFIX}-group/churn",
                "arn:aws:sagemaker:us-east-1:123456789012:model/churn",
                "churn/1",
            ],
        ),
    ],
    ids=["model-name", "group-name", "role-arn", "model-package-arn"],
)
def test_name_and_arn_checks_accept_exactly_what_botocore_accepts(
    operation: str, member: str, samples: list[str]
) -> None:
    input_shape = sagemaker_model().operation_model(operation).input_shape
    shape = input_shape.members[member]
    pattern, limit = shape.metadata["pattern"], shape.metadata["max"]
    for sample in samples:
        allowed = bool(sample) and len(sample) <= limit and re.fullmatch(pattern, sample) is not None
        request = _with_member(operation, member, sample)
        if allowed:
            validate(operation, request)
        else:
            with pytest.raises(AutoMLValidationError) as err:
                validate(operation, request)
            assert err.value.field == member


def test_java_unicode_classes_are_understood() -> None:
    # Tag keys allow any letter (\p{L}), not only ASCII: what Python's re cannot express.
    tag_key = sagemaker_model().shape_for("TagKey").metadata["pattern"]
    assert compiled_pattern(tag_key).fullmatch("équipe données:ml")
    assert not compiled_pattern(tag_key).fullmatch("team#1")


# -- containers -------------------------------------------------------------------------------


def test_containers_are_copied_untouched() -> None:
    containers = hpo_classification_containers()
    original = copy.deepcopy(containers)
    validated = model_requests.validate_containers(containers)
    assert validated == original
    validated[1]["Environment"]["X"] = "1"
    assert containers == original


def test_a_candidate_record_stands_for_its_containers() -> None:
    candidate = make_candidate("c7")
    assert model_requests.validate_containers(candidate) == candidate["InferenceContainers"]


def _container(**overrides: Any) -> dict[str, Any]:
    container = {"Image": f"{IMAGE}/xgb:1", "ModelDataUrl": "s3://b/m.tar.gz"}
    container.update(overrides)
    return {k: v for k, v in container.items() if v is not None}


@pytest.mark.parametrize(
    ("containers", "field", "value", "allowed"),
    [
        ([], "containers", [], "non-empty list"),
        (None, "containers", None, "non-empty list"),
        ("s3://b/m.tar.gz", "containers", "s3://b/m.tar.gz", "non-empty list"),
        (["image"], "containers[0]", "image", "dict with Image and ModelDataUrl"),
        ([_container(), _container(Image=None)], "containers[1].Image", None, "non-empty Image"),
        ([_container(ModelDataUrl=None)], "containers[0].ModelDataUrl", None, "non-empty ModelDataUrl"),
    ],
    ids=["empty", "none", "string", "not-dict", "no-image", "no-model-data"],
)  # fmt: skip
def test_bad_containers_are_rejected_with_field_value_and_rule(
    containers: Any, field: str, value: Any, allowed: str
) -> None:
    with pytest.raises(AutoMLValidationError) as err:
        model_requests.validate_containers(containers)
    assert (err.value.field, err.value.value) == (field, value)
    assert allowed in err.value.allowed


@pytest.mark.parametrize(
    ("containers", "field", "value", "allowed"),
    [
        ([_container()] * 16, "Containers", [_container()] * 16, "At most 15 items"),
        ([_container(Image="")], "Containers[0].Image", "", "Empty"),
        ([_container(Image="   ")], "Containers[0].Image", "   ", "blanks"),
        ([_container(ModelDataUrl="/tmp/model.tar.gz")], "Containers[0].ModelDataUrl", "/tmp/model.tar.gz", "s3://"),
        ([_container(ModelDataUrl="gs://b/model.tar.gz")], "Containers[0].ModelDataUrl", "gs://b/model.tar.gz", "s3://"),
        ([_container(ModelDataUrl="s3://")], "Containers[0].ModelDataUrl", "s3://", "naming a bucket"),
        ([_container(Environment={"N": 1})], "Containers[0].Environment['N']", 1, "Expected a string"),
        ([_container(Environment={"": "1"})], "Containers[0].Environment key", "", "Empty"),
        ([_container(Environment={"V": "x" * 1025})], "Containers[0].Environment['V']", "x" * 1025, "At most 1024"),
        ([_container(Environment={f"K{i}": "x" * 1000 for i in range(40)})], "Containers[0].Environment",
         "<40110 bytes>", "at most 32768 bytes"),
    ],
    ids=["too-many", "empty-image", "blank-image", "local-path", "gcs-url", "no-bucket", "env-int",
         "env-empty-key", "env-long-value", "env-total"],
)  # fmt: skip
def test_bad_container_values_are_rejected_by_the_validator(
    containers: Any, field: str, value: Any, allowed: str
) -> None:
    with pytest.raises(AutoMLValidationError) as err:
        model_requests.build_create_model_request(
            model_name="m", containers=containers, execution_role_arn=ROLE_ARN
        )
    assert (err.value.field, err.value.value) == (field, value)
    assert allowed in err.value.allowed


# -- inference response keys ------------------------------------------------------------------


def test_hpo_response_keys_follow_the_autopilot_documentation() -> None:
    # The documented example: the algorithm container never emits labels; the label transform adds them.
    containers = hpo_classification_containers()
    updated = model_requests.with_inference_response_keys(
        containers, ["predicted_label", "probabilities", "labels"]
    )
    assert updated[0] == containers[0]
    assert updated[1]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] == "predicted_label,probabilities"
    assert "SAGEMAKER_INFERENCE_INPUT" not in updated[1]["Environment"]
    assert updated[2]["Environment"]["SAGEMAKER_INFERENCE_INPUT"] == "predicted_label,probabilities"
    assert updated[2]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] == "predicted_label,probabilities,labels"
    # Only those variables changed, and the input list was not mutated.
    for before, after in zip(containers, updated, strict=True):
        assert {k: v for k, v in after.items() if k != "Environment"} == {
            k: v for k, v in before.items() if k != "Environment"
        }
    assert containers == hpo_classification_containers()


def test_hpo_response_keys_probability() -> None:
    updated = model_requests.with_inference_response_keys(
        hpo_classification_containers(), ["predicted_label", "probability"]
    )
    assert [c["Environment"].get("SAGEMAKER_INFERENCE_OUTPUT") for c in updated] == [
        None,
        "predicted_label,probability",
        "predicted_label,probability",
    ]
    assert updated[2]["Environment"]["SAGEMAKER_INFERENCE_INPUT"] == "predicted_label,probability"
    validate_input("CreateModel", {"ModelName": "m", "Containers": updated, "ExecutionRoleArn": ROLE_ARN})


def test_ensemble_response_keys_set_on_its_single_container() -> None:
    updated = model_requests.with_inference_response_keys(
        ensemble_classification_containers(), ["probability", "labels"]
    )
    assert updated[0]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] == "probability,labels"
    assert "SAGEMAKER_INFERENCE_INPUT" not in updated[0]["Environment"]


@pytest.mark.parametrize("keys", [None, []])
def test_no_response_keys_leaves_containers_alone(keys: Any) -> None:
    assert (
        model_requests.with_inference_response_keys(regression_containers(), keys) == regression_containers()
    )


@pytest.mark.parametrize(
    ("containers", "keys", "allowed"),
    [
        (hpo_classification_containers(), ["score"], "drawn from predicted_label, probability"),
        (hpo_classification_containers(), "score", "Expected a list of strings"),
        (regression_containers(), ["predicted_label"], "only for classification"),
        (
            [{**ensemble_classification_containers()[0], "Environment": {
                "SAGEMAKER_INFERENCE_SUPPORTED": "predicted_label,probability"}}],
            ["predicted_label", "labels"],
            "supports only predicted_label, probability; not labels",
        ),
        # The last container must answer: keys supported only by an inner container are useless.
        (hpo_classification_containers()[:2] + regression_containers()[:1], ["probability"], "only for classification"),
    ],
    ids=["unknown-key", "unknown-key-text", "regression", "unsupported-key", "last-container-silent"],
)  # fmt: skip
def test_unsupported_response_keys_are_rejected(containers: Any, keys: Any, allowed: str) -> None:
    with pytest.raises(AutoMLValidationError) as err:
        model_requests.with_inference_response_keys(containers, keys)
    assert err.value.field == "inference_response_keys"
    assert allowed in err.value.allowed


# -- CreateModel -------------------------------------------------------------------------------


def test_single_container_model_request() -> None:
    containers = ensemble_classification_containers()
    request = model_requests.build_create_model_request(
        model_name="churn-best", containers=containers, execution_role_arn=ROLE_ARN
    )
    assert validate_input("CreateModel", request) == {
        "ModelName": "churn-best",
        "Containers": containers,
        "ExecutionRoleArn": ROLE_ARN,
    }


def test_multi_container_model_request_is_a_serial_pipeline() -> None:
    containers = hpo_classification_containers()
    request = model_requests.build_create_model_request(
        model_name="churn-best",
        containers=containers,
        execution_role_arn=ROLE_ARN,
        vpc_config={"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
        enable_network_isolation=True,
        tags={"team": "ml"},
    )
    assert validate_input("CreateModel", request) == {
        "ModelName": "churn-best",
        "Containers": containers,
        "InferenceExecutionConfig": {"Mode": "Serial"},
        "ExecutionRoleArn": ROLE_ARN,
        "VpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
        "EnableNetworkIsolation": True,
        "Tags": [{"Key": "team", "Value": "ml"}],
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"model_name": "bad_name"}, "ModelName"),
        ({"execution_role_arn": "arn:aws:iam::123:role/R"}, "ExecutionRoleArn"),
        ({"vpc_config": {"Subnets": ["subnet-1"]}}, "VpcConfig.SecurityGroupIds"),
        ({"vpc_config": {"Subnets": ["subnet-1"], "SecurityGroupIds": [f"sg-{i}" for i in range(6)]}},
         "VpcConfig.SecurityGroupIds"),
        ({"enable_network_isolation": "yes"}, "EnableNetworkIsolation"),
        ({"tags": [{"Name": "team"}]}, "tags[0]"),
        ({"tags": {"team": None}}, "tags['team'].Value"),
        ({"tags": {f"k{i}": "v" for i in range(51)}}, "Tags"),
    ],
)  # fmt: skip
def test_bad_create_model_arguments(kwargs: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {
        "model_name": "m",
        "containers": regression_containers(),
        "execution_role_arn": ROLE_ARN,
        **kwargs,
    }
    with pytest.raises(AutoMLValidationError) as err:
        model_requests.build_create_model_request(**arguments)
    assert err.value.field == field
    assert str(err.value).startswith(f"Invalid {field}: ")


# -- CreateModelPackage ------------------------------------------------------------------------


def test_candidate_metadata_and_metrics() -> None:
    candidate = make_candidate("cand-9", metric="F1", value=0.875)
    assert model_requests.candidate_metadata(candidate, "job-1") == {
        "AutoMLJobName": "job-1",
        "CandidateName": "cand-9",
        "ObjectiveMetricName": "F1",
        "ObjectiveMetricValue": "0.875",
    }
    assert model_requests.candidate_model_metrics(candidate) == {
        "Explainability": {
            "Report": {
                "ContentType": "application/json",
                "S3Uri": "s3://bucket/output/cand-9/explainability/analysis.json",
            }
        },
        "ModelQuality": {
            "Statistics": {
                "ContentType": "application/json",
                "S3Uri": "s3://bucket/output/cand-9/insights/statistics.json",
            }
        },
    }


def test_candidate_without_reports_has_no_model_metrics() -> None:
    candidate = make_candidate("c", CandidateProperties={})
    assert model_requests.candidate_model_metrics(candidate) is None
    assert model_requests.candidate_model_metrics(None) is None
    assert model_requests.candidate_metadata(None, None) == {}


def test_model_package_request_carries_containers_untouched() -> None:
    candidate = make_candidate("cand-hpo", InferenceContainers=hpo_classification_containers())
    metrics = model_requests.candidate_model_metrics(candidate)
    request = model_requests.build_create_model_package_request(
        model_package_group_name="churn",
        containers=candidate["InferenceContainers"],
        content_types=["text/csv"],
        response_types=["text/csv"],
        realtime_instance_types=["ml.m5.large"],
        transform_instance_types=["ml.m5.xlarge"],
        description="best of job-1",
        customer_metadata=model_requests.candidate_metadata(candidate, "job-1"),
        model_metrics=metrics,
        tags=[{"Key": "team", "Value": "ml"}],
    )
    assert validate_input("CreateModelPackage", request) == {
        "ModelPackageGroupName": "churn",
        "InferenceSpecification": {
            "Containers": hpo_classification_containers(),
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
            "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.large"],
            "SupportedTransformInstanceTypes": ["ml.m5.xlarge"],
        },
        "ModelApprovalStatus": "PendingManualApproval",
        "ModelPackageDescription": "best of job-1",
        "CustomerMetadataProperties": {
            "AutoMLJobName": "job-1",
            "CandidateName": "cand-hpo",
            "ObjectiveMetricName": "F1",
            "ObjectiveMetricValue": "0.91",
        },
        "ModelMetrics": metrics,
        "Tags": [{"Key": "team", "Value": "ml"}],
    }


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"model_package_group_name": "churn models"}, "ModelPackageGroupName", "churn models"),
        ({"approval_status": "approved"}, "ModelApprovalStatus", "approved"),
        ({"content_types": "text/csv"}, "content_types", "text/csv"),
        ({"response_types": []}, "response_types", []),
        ({"realtime_instance_types": ["ml.m5.large", ""]}, "InferenceSpecification.SupportedRealtimeInferenceInstanceTypes[1]", ""),
        ({"realtime_instance_types": ["ml.m5.huge"]}, "InferenceSpecification.SupportedRealtimeInferenceInstanceTypes[0]", "ml.m5.huge"),
        ({"description": "d" * 1025}, "ModelPackageDescription", "d" * 1025),
        ({"customer_metadata": {f"k{i}": "v" for i in range(51)}}, "CustomerMetadataProperties", {f"k{i}": "v" for i in range(51)}),
        ({"customer_metadata": {"note": "a, b"}}, "CustomerMetadataProperties['note']", "a, b"),
        ({"customer_metadata": {"note": ""}}, "CustomerMetadataProperties['note']", ""),
        ({"customer_metadata": {"k" * 129: "v"}}, "CustomerMetadataProperties key", "k" * 129),
    ],
    ids=["group", "status", "content-string", "response-empty", "instance-empty", "instance-unknown",
         "description", "metadata-count", "metadata-comma", "metadata-empty", "metadata-key-long"],
)  # fmt: skip
def test_bad_model_package_arguments(kwargs: dict[str, Any], field: str, value: Any) -> None:
    arguments: dict[str, Any] = {
        "model_package_group_name": "churn",
        "containers": regression_containers(),
        "content_types": ["text/csv"],
        "response_types": ["text/csv"],
        **kwargs,
    }
    with pytest.raises(AutoMLValidationError) as err:
        model_requests.build_create_model_package_request(**arguments)
    assert (err.value.field, err.value.value) == (field, value)


def test_tags_from_dict_or_list() -> None:
    assert normalize_tags({"a": "1", "b": 2}) == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "2"},
    ]
    assert normalize_tags([{"Key": "a", "Value": "1"}]) == [{"Key": "a", "Value": "1"}]
    assert normalize_tags('{"a": "1"}') == [{"Key": "a", "Value": "1"}]
    assert normalize_tags(None) is None


def test_user_metadata_leaves_room_for_what_the_operator_adds() -> None:
    provenance = {
        "AutoMLJobName": "j",
        "CandidateName": "c",
        "ObjectiveMetricName": "F1",
        "ObjectiveMetricValue": "1",
    }
    reserved = {"AirflowIdempotencyKey": "k"}
    user = {f"k{i}": "v" for i in range(45)}
    assert len(model_requests.merge_customer_metadata(user, provenance, reserved)) == 50
    with pytest.raises(AutoMLValidationError) as err:
        model_requests.merge_customer_metadata({**user, "k46": "v", "k47": "v"}, provenance, reserved)
    assert err.value.value == "<47 entries>"
    assert err.value.allowed.startswith("At most 45 entries: a package holds 50 and the operator adds 5")
    with pytest.raises(AutoMLValidationError, match="set by the operator"):
        model_requests.merge_customer_metadata({"AirflowIdempotencyKey": "x"}, provenance, reserved)


def test_approval_and_group_requests() -> None:
    arn = f"{GROUP_ARN_PREFIX}/churn/1"
    assert model_requests.build_update_approval_request(
        model_package_arn=arn, approval_status="Approved"
    ) == {
        "ModelPackageArn": arn,
        "ModelApprovalStatus": "Approved",
    }
    with pytest.raises(AutoMLValidationError) as err:
        model_requests.build_update_approval_request(
            model_package_arn=arn, approval_status="Approved", approval_description="d" * 1025
        )
    assert err.value.field == "ApprovalDescription"
    assert model_requests.build_create_model_package_group_request(
        model_package_group_name="churn", description="models"
    ) == {"ModelPackageGroupName": "churn", "ModelPackageGroupDescription": "models"}
