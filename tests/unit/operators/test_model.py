"""Model operators against a stubbed real SageMaker client (exact requests) and moto (the registry)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from airflow_provider_automl.exceptions import AutoMLError, AutoMLValidationError
from airflow_provider_automl.hooks.model import IDEMPOTENCY_KEY, SageMakerModelHook
from airflow_provider_automl.operators.model import (
    DEFAULT_INSTANCE_TYPES,
    SageMakerApproveModelPackageOperator,
    SageMakerCreateModelFromCandidateOperator,
    SageMakerRegisterCandidateOperator,
    model_package_group_asset,
)
from tests.unit.conftest import (
    ACCOUNT,
    REGION,
    ROLE_ARN,
    make_candidate,
    validate_output,
)
from tests.unit.requests.test_model import (
    ensemble_classification_containers,
    hpo_classification_containers,
    regression_containers,
)

GROUP = "churn-models"
GROUP_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{GROUP}"
T0 = dt.datetime(2024, 5, 2, tzinfo=dt.timezone.utc)


def package_arn(version: int, group: str = GROUP) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{group}/{version}"


@dataclass
class FakeTI:
    dag_id: str = "automl_dag"
    task_id: str = "register"
    run_id: str = "manual__2024-05-02T00:00:00+00:00"
    map_index: int = -1
    try_number: int = 1
    xcom: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


class FakeAssetEvents:
    def __init__(self) -> None:
        self.extra: dict[str, Any] = {}


def make_context(**ti_fields: Any) -> Any:  # stands in for airflow's Context
    return {"ti": FakeTI(**ti_fields), "outlet_events": defaultdict(FakeAssetEvents)}


def hpo_candidate(name: str = "cand-hpo") -> dict[str, Any]:
    return make_candidate(name, InferenceContainers=hpo_classification_containers(name))


def client_error(stubber: Stubber, method: str, code: str, message: str) -> None:
    stubber.add_client_error(method, service_error_code=code, service_message=message, http_status_code=400)


@functools.cache
def _session() -> boto3.session.Session:
    # One session: its loader caches the (large) SageMaker model across clients.
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


def new_client(**kwargs: Any) -> Any:
    return _session().client("sagemaker", **kwargs)


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    """A real boto3 client under a Stubber: requests and responses validated by botocore.

    The endpoint is unroutable, so a request the Stubber lets through could never reach AWS.
    """
    client = new_client(endpoint_url="http://127.0.0.1:9")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def with_client(op: Any, client: Any) -> Any:
    assert isinstance(op.hook, SageMakerModelHook)
    op.hook.__dict__["conn"] = client  # cached_property: the instance dict wins
    return op


def create_op(client: Any, **kwargs: Any) -> SageMakerCreateModelFromCandidateOperator:
    kwargs.setdefault("execution_role_arn", ROLE_ARN)
    return with_client(
        SageMakerCreateModelFromCandidateOperator(task_id="create_model", aws_conn_id=None, **kwargs), client
    )


def register_op(client: Any, **kwargs: Any) -> SageMakerRegisterCandidateOperator:
    kwargs.setdefault("model_package_group_name", GROUP)
    return with_client(
        SageMakerRegisterCandidateOperator(task_id="register", aws_conn_id=None, **kwargs), client
    )


def approve_op(client: Any, **kwargs: Any) -> SageMakerApproveModelPackageOperator:
    return with_client(
        SageMakerApproveModelPackageOperator(task_id="approve", aws_conn_id=None, **kwargs), client
    )


def model_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/{name}"


# -- create model -----------------------------------------------------------------------------


def test_hook_is_the_model_hook() -> None:
    op = SageMakerCreateModelFromCandidateOperator(
        task_id="t", execution_role_arn=ROLE_ARN, region_name=REGION
    )
    assert isinstance(op.hook, SageMakerModelHook)


def test_single_container_candidate_creates_a_plain_model(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    containers = ensemble_classification_containers()
    stubber.add_response(
        "create_model",
        validate_output("CreateModel", {"ModelArn": model_arn("churn-best")}),
        {"ModelName": "churn-best", "Containers": containers, "ExecutionRoleArn": ROLE_ARN},
    )
    op = create_op(client, containers=containers, model_name="churn-best")
    assert op.execute(make_context()) == {"ModelName": "churn-best", "ModelArn": model_arn("churn-best")}


def test_hpo_candidate_creates_a_serial_pipeline_with_response_keys(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    candidate = hpo_candidate()
    expected = hpo_classification_containers()
    expected[1]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] = "predicted_label,probability"
    expected[2]["Environment"]["SAGEMAKER_INFERENCE_INPUT"] = "predicted_label,probability"
    expected[2]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] = "predicted_label,probability"
    stubber.add_response(
        "create_model",
        validate_output("CreateModel", {"ModelArn": model_arn("churn-hpo")}),
        {
            "ModelName": "churn-hpo",
            "Containers": expected,
            "InferenceExecutionConfig": {"Mode": "Serial"},
            "ExecutionRoleArn": ROLE_ARN,
            "VpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1", "subnet-2"]},
            "EnableNetworkIsolation": True,
            "Tags": [{"Key": "team", "Value": "ml"}],
        },
    )
    op = create_op(
        client,
        candidate=candidate,
        model_name="churn-hpo",
        inference_response_keys=["predicted_label", "probability"],
        vpc_config={"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1", "subnet-2"]},
        enable_network_isolation=True,
        tags={"team": "ml"},
    )
    op.execute(make_context())
    # The candidate record (an upstream XCom) is not mutated.
    assert candidate["InferenceContainers"] == hpo_classification_containers()


@pytest.mark.parametrize(
    "render",
    [json.dumps, repr],
    ids=["json", "python-literal"],
)
def test_templated_container_text_is_parsed(stubbed: tuple[Any, Stubber], render: Any) -> None:
    # A template like "{{ ti.xcom_pull(...) }}" renders to text, JSON or a Python literal.
    client, stubber = stubbed
    containers = hpo_classification_containers()
    stubber.add_response(
        "create_model",
        validate_output("CreateModel", {"ModelArn": model_arn("m")}),
        {
            "ModelName": "m",
            "Containers": containers,
            "InferenceExecutionConfig": {"Mode": "Serial"},
            "ExecutionRoleArn": ROLE_ARN,
        },
    )
    create_op(client, containers=render(containers), model_name="m").execute(make_context())


def test_model_name_is_derived_from_the_task_instance(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    containers = ensemble_classification_containers()
    from airflow_provider_automl.requests import derive_job_name

    context = make_context(task_id="create_model", map_index=3)
    ti = context["ti"]
    name = derive_job_name(ti.dag_id, ti.task_id, ti.run_id, 3, prefix="model")
    stubber.add_response(
        "create_model",
        validate_output("CreateModel", {"ModelArn": model_arn(name)}),
        {"ModelName": name, "Containers": containers, "ExecutionRoleArn": ROLE_ARN},
    )
    result = create_op(client, containers=containers).execute(context)
    assert result["ModelName"] == name
    assert name.startswith("model-")


def _describe_model(name: str, containers: list[dict[str, Any]]) -> dict[str, Any]:
    return validate_output(
        "DescribeModel",
        {
            "ModelName": name,
            "Containers": containers,
            "InferenceExecutionConfig": {"Mode": "Serial"},
            "ExecutionRoleArn": ROLE_ARN,
            "CreationTime": T0,
            "ModelArn": model_arn(name),
        },
    )


def test_retry_reuses_an_identical_existing_model(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    containers = hpo_classification_containers()
    client_error(
        stubber,
        "create_model",
        "ValidationException",
        f'Cannot create already existing model "{model_arn("m")}".',
    )
    stubber.add_response("describe_model", _describe_model("m", containers), {"ModelName": "m"})
    result = create_op(client, containers=containers, model_name="m").execute(make_context(try_number=2))
    assert result == {"ModelName": "m", "ModelArn": model_arn("m")}


def test_existing_model_with_other_response_keys_is_not_reused(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    client_error(
        stubber,
        "create_model",
        "ValidationException",
        f'Cannot create already existing model "{model_arn("m")}".',
    )
    stubber.add_response(
        "describe_model", _describe_model("m", hpo_classification_containers()), {"ModelName": "m"}
    )
    op = create_op(
        client,
        containers=hpo_classification_containers(),
        model_name="m",
        inference_response_keys=["probability"],
    )
    with pytest.raises(AutoMLError, match="already exists with other containers"):
        op.execute(make_context())


def test_other_create_model_errors_propagate(stubbed: tuple[Any, Stubber]) -> None:
    from botocore.exceptions import ClientError

    client, stubber = stubbed
    client_error(
        stubber, "create_model", "ValidationException", "Could not access model data at s3://b/m.tar.gz"
    )
    with pytest.raises(ClientError, match="Could not access model data"):
        create_op(client, containers=ensemble_classification_containers(), model_name="m").execute(
            make_context()
        )


NO_IMAGE = [{"ModelDataUrl": "s3://b/m.tar.gz"}]
NO_DATA = [{"Image": "img"}]
LOCAL_DATA = [{"Image": "img", "ModelDataUrl": "file:///tmp/m.tar.gz"}]


@pytest.mark.parametrize(
    ("kwargs", "field", "value", "allowed"),
    [
        ({"containers": []}, "containers", [], "non-empty list"),
        ({}, "containers", None, "non-empty list"),
        ({"candidate": {"CandidateName": "c", "InferenceContainers": []}}, "candidate.InferenceContainers", [], "non-empty list"),
        ({"containers": NO_IMAGE}, "containers[0].Image", None, "non-empty Image"),
        ({"containers": NO_DATA}, "containers[0].ModelDataUrl", None, "non-empty ModelDataUrl"),
        ({"containers": LOCAL_DATA}, "Containers[0].ModelDataUrl", "file:///tmp/m.tar.gz", "s3://"),
        ({"containers": "not a list {{"}, "containers", "not a list {{", "Expected a list or a mapping"),
        ({"model_name": "churn_best"}, "ModelName", "churn_best", "1-63 letters, digits and hyphens"),
        ({"execution_role_arn": "AutoMLRole"}, "ExecutionRoleArn", "AutoMLRole", "IAM role ARN"),
        ({"inference_response_keys": ["predicted_label"], "containers": regression_containers()},
         "inference_response_keys", ["predicted_label"], "only for classification"),
        ({"inference_response_keys": ["labels"], "containers": hpo_classification_containers()[:2]},
         "inference_response_keys", ["labels"], "supports only predicted_label, probability, probabilities; not labels"),
        ({"inference_response_keys": ["score"]}, "inference_response_keys", ["score"], "drawn from"),
    ],
    ids=["empty", "missing", "candidate-empty", "no-image", "no-model-data", "non-s3", "garbage-string",
         "model-name", "role", "keys-regression", "keys-unsupported", "keys-unknown"],
)  # fmt: skip
def test_create_model_bad_input_fails_before_any_call(
    stubbed: tuple[Any, Stubber], kwargs: dict[str, Any], field: str, value: Any, allowed: str
) -> None:
    client, _ = stubbed  # no responses queued: any AWS call would raise UnStubbedResponseError
    kwargs.setdefault("model_name", "m")
    if "containers" not in kwargs and "candidate" not in kwargs and field != "containers":
        kwargs["containers"] = hpo_classification_containers()
    with pytest.raises(AutoMLValidationError) as err:
        create_op(client, **kwargs).execute(make_context())
    assert (err.value.field, err.value.value) == (field, value)
    assert allowed in err.value.allowed
    assert str(err.value).startswith(f"Invalid {field}: {value!r}.")


# -- register candidate (Stubber: exact requests) ----------------------------------------------


def _register_request(candidate: dict[str, Any], key: str, **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "ModelPackageGroupName": GROUP,
        "InferenceSpecification": {
            "Containers": candidate["InferenceContainers"],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
            "SupportedRealtimeInferenceInstanceTypes": list(DEFAULT_INSTANCE_TYPES),
            "SupportedTransformInstanceTypes": list(DEFAULT_INSTANCE_TYPES),
        },
        "ModelApprovalStatus": "PendingManualApproval",
        "CustomerMetadataProperties": {
            "AutoMLJobName": "churn-job",
            "CandidateName": candidate["CandidateName"],
            "ObjectiveMetricName": "F1",
            "ObjectiveMetricValue": "0.91",
            IDEMPOTENCY_KEY: key,
        },
        "ModelMetrics": {
            "Explainability": {
                "Report": {
                    "ContentType": "application/json",
                    "S3Uri": f"s3://bucket/output/{candidate['CandidateName']}/explainability/analysis.json",
                }
            },
            "ModelQuality": {
                "Statistics": {
                    "ContentType": "application/json",
                    "S3Uri": f"s3://bucket/output/{candidate['CandidateName']}/insights/statistics.json",
                }
            },
        },
    }
    request.update(overrides)
    return request


def _describe_group() -> dict[str, Any]:
    return validate_output(
        "DescribeModelPackageGroup",
        {
            "ModelPackageGroupName": GROUP,
            "ModelPackageGroupArn": GROUP_ARN,
            "CreationTime": T0,
            "CreatedBy": {},
            "ModelPackageGroupStatus": "Completed",
        },
    )


def _idempotency_key(context: dict[str, Any], op: Any) -> str:
    from airflow_provider_automl.operators.model import _idempotency_key

    return _idempotency_key(context, op)  # type: ignore[arg-type]


def test_register_creates_the_missing_group_then_the_version(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    candidate = hpo_candidate()
    op = register_op(client, candidate=candidate, job_name="churn-job", group_description="Churn models")
    context = make_context()
    key = _idempotency_key(context, op)
    client_error(
        stubber,
        "describe_model_package_group",
        "ValidationException",
        f"ModelPackageGroup {GROUP_ARN} does not exist.",
    )
    stubber.add_response(
        "create_model_package_group",
        validate_output("CreateModelPackageGroup", {"ModelPackageGroupArn": GROUP_ARN}),
        {"ModelPackageGroupName": GROUP, "ModelPackageGroupDescription": "Churn models"},
    )
    stubber.add_response(
        "create_model_package",
        validate_output("CreateModelPackage", {"ModelPackageArn": package_arn(1)}),
        _register_request(candidate, key),
    )
    assert op.execute(context) == package_arn(1)
    # The multi-container candidate went through untouched.
    assert candidate["InferenceContainers"] == hpo_classification_containers("cand-hpo")


def test_register_into_an_existing_group_does_not_create_it(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    candidate = make_candidate("cand-1")
    op = register_op(
        client,
        candidate=json.dumps(candidate, default=str),  # a rendered template
        job_name="churn-job",
        approval_status="Approved",
        description="Best candidate",
        customer_metadata={"Owner": "ml-team"},
        content_types=["text/csv", "application/jsonlines"],
        response_types=["application/json"],
        realtime_instance_types=["ml.c5.large"],
        transform_instance_types=["ml.c5.xlarge"],
        tags={"team": "ml"},
    )
    context = make_context()
    key = _idempotency_key(context, op)
    stubber.add_response("describe_model_package_group", _describe_group(), {"ModelPackageGroupName": GROUP})
    expected = _register_request(
        candidate,
        key,
        ModelApprovalStatus="Approved",
        ModelPackageDescription="Best candidate",
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    expected["InferenceSpecification"].update(
        SupportedContentTypes=["text/csv", "application/jsonlines"],
        SupportedResponseMIMETypes=["application/json"],
        SupportedRealtimeInferenceInstanceTypes=["ml.c5.large"],
        SupportedTransformInstanceTypes=["ml.c5.xlarge"],
    )
    expected["CustomerMetadataProperties"]["Owner"] = "ml-team"
    stubber.add_response(
        "create_model_package",
        validate_output("CreateModelPackage", {"ModelPackageArn": package_arn(4)}),
        expected,
    )
    assert op.execute(context) == package_arn(4)


def test_register_records_the_asset_event(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    candidate = make_candidate("cand-1")
    op = register_op(client, candidate=candidate, job_name="churn-job")
    asset = model_package_group_asset(GROUP)
    assert asset in op.outlets
    context = make_context()
    stubber.add_response("describe_model_package_group", _describe_group(), {"ModelPackageGroupName": GROUP})
    stubber.add_response(
        "create_model_package",
        validate_output("CreateModelPackage", {"ModelPackageArn": package_arn(2)}),
        _register_request(candidate, _idempotency_key(context, op)),
    )
    op.execute(context)
    assert list(context["outlet_events"]) == [asset]
    assert context["outlet_events"][asset].extra == {
        "ModelPackageArn": package_arn(2),
        "ModelPackageGroupName": GROUP,
    }


def test_register_with_response_keys_changes_only_the_package_containers(
    stubbed: tuple[Any, Stubber],
) -> None:
    client, stubber = stubbed
    candidate = hpo_candidate()
    op = register_op(client, candidate=candidate, job_name="churn-job", inference_response_keys=["labels"])
    context = make_context()
    containers = hpo_classification_containers()
    containers[2]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] = "labels"
    expected = _register_request(candidate, _idempotency_key(context, op))
    expected["InferenceSpecification"]["Containers"] = containers
    stubber.add_response("describe_model_package_group", _describe_group(), {"ModelPackageGroupName": GROUP})
    stubber.add_response(
        "create_model_package",
        validate_output("CreateModelPackage", {"ModelPackageArn": package_arn(1)}),
        expected,
    )
    op.execute(context)


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"candidate": {"CandidateName": "c", "InferenceContainers": []}}, "candidate.InferenceContainers", []),
        ({"containers": NO_IMAGE}, "containers[0].Image", None),
        ({"containers": NO_DATA}, "containers[0].ModelDataUrl", None),
        ({"containers": LOCAL_DATA}, "InferenceSpecification.Containers[0].ModelDataUrl", "file:///tmp/m.tar.gz"),
        ({"candidate": "garbage"}, "candidate", "garbage"),
        ({"model_package_group_name": "churn_models"}, "ModelPackageGroupName", "churn_models"),
        ({"model_package_group_name": "g" * 64}, "ModelPackageGroupName", "g" * 64),
        ({"model_package_group_name": "-churn"}, "ModelPackageGroupName", "-churn"),
        ({"approval_status": "Approve"}, "ModelApprovalStatus", "Approve"),
        ({"customer_metadata": {"Owner": "ml, data"}}, "CustomerMetadataProperties['Owner']", "ml, data"),
        ({"content_types": "text/csv, application/json"}, "content_types", "text/csv, application/json"),
    ],
    ids=["candidate-empty", "no-image", "no-model-data", "non-s3", "garbage-string", "group-underscore",
         "group-too-long", "group-leading-hyphen", "approval", "metadata", "content-types-string"],
)  # fmt: skip
def test_register_bad_input_fails_before_any_call(
    stubbed: tuple[Any, Stubber], kwargs: dict[str, Any], field: str, value: Any
) -> None:
    client, _ = stubbed
    if "candidate" not in kwargs and "containers" not in kwargs:
        kwargs["candidate"] = make_candidate("c")
    with pytest.raises(AutoMLValidationError) as err:
        register_op(client, **kwargs).execute(make_context())
    assert (err.value.field, err.value.value) == (field, value)
    assert str(err.value).startswith(f"Invalid {field}: {value!r}.")


# -- approve ---------------------------------------------------------------------------------


def test_approve_sends_update_model_package(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response(
        "update_model_package",
        validate_output("UpdateModelPackage", {"ModelPackageArn": package_arn(3)}),
        {
            "ModelPackageArn": package_arn(3),
            "ModelApprovalStatus": "Approved",
            "ApprovalDescription": "F1 above 0.9",
        },
    )
    op = approve_op(client, model_package_arn=package_arn(3), approval_description="F1 above 0.9")
    assert op.execute(make_context()) == package_arn(3)


def test_reject_without_description(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response(
        "update_model_package",
        validate_output("UpdateModelPackage", {"ModelPackageArn": package_arn(3)}),
        {"ModelPackageArn": package_arn(3), "ModelApprovalStatus": "Rejected"},
    )
    approve_op(client, model_package_arn=package_arn(3), approval_status="Rejected").execute(make_context())


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"model_package_arn": f"{GROUP_ARN}"}, "ModelPackageArn", GROUP_ARN),
        ({"model_package_arn": "churn-models/3"}, "ModelPackageArn", "churn-models/3"),
        (
            {"model_package_arn": package_arn(3), "approval_status": "approved"},
            "ModelApprovalStatus",
            "approved",
        ),
    ],
    ids=["group-arn", "not-an-arn", "status"],
)
def test_approve_bad_input_fails_before_any_call(
    stubbed: tuple[Any, Stubber], kwargs: dict[str, Any], field: str, value: Any
) -> None:
    client, _ = stubbed
    with pytest.raises(AutoMLValidationError) as err:
        approve_op(client, **kwargs).execute(make_context())
    assert (err.value.field, err.value.value) == (field, value)


# -- moto: the registry's state across calls --------------------------------------------------


@pytest.fixture
def moto_client() -> Iterator[Any]:
    with mock_aws():
        yield new_client()


def _versions(client: Any, group: str = GROUP) -> list[str]:
    summaries = client.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    return sorted(s["ModelPackageArn"] for s in summaries)


def test_retry_finds_the_version_the_first_try_registered(moto_client: Any) -> None:
    candidate = make_candidate("cand-1")
    first = register_op(moto_client, candidate=candidate, job_name="churn-job").execute(
        make_context(try_number=1)
    )
    # Another run registers in between, so the retry's version is not simply the newest.
    register_op(moto_client, candidate=candidate, job_name="churn-job").execute(make_context(run_id="other"))
    retry_context = make_context(try_number=2)
    retried = register_op(moto_client, candidate=candidate, job_name="churn-job").execute(retry_context)
    assert retried == first == package_arn(1)
    assert _versions(moto_client) == [package_arn(1), package_arn(2)]
    asset = model_package_group_asset(GROUP)
    assert retry_context["outlet_events"][asset].extra["ModelPackageArn"] == package_arn(1)


def test_retry_registers_when_the_first_try_did_not(moto_client: Any) -> None:
    moto_client.create_model_package_group(ModelPackageGroupName=GROUP)
    arn = register_op(moto_client, candidate=make_candidate("c")).execute(make_context(try_number=3))
    assert arn == package_arn(1)
    assert _versions(moto_client) == [package_arn(1)]


def test_mapped_task_instances_register_separate_versions(moto_client: Any) -> None:
    arns = [
        register_op(moto_client, candidate=make_candidate(f"c{i}")).execute(
            make_context(map_index=i, try_number=2)
        )
        for i in range(3)
    ]
    assert arns == [package_arn(1), package_arn(2), package_arn(3)]


def test_end_to_end_create_register_twice_approve(moto_client: Any) -> None:
    candidate = json.loads(json.dumps(hpo_candidate("best"), default=str))  # as an XCom holds it
    created = create_op(
        moto_client, candidate=candidate, model_name="churn-best", inference_response_keys=["predicted_label"]
    ).execute(make_context(task_id="create_model"))
    assert created == {"ModelName": "churn-best", "ModelArn": model_arn("churn-best")}
    described = moto_client.describe_model(ModelName="churn-best")
    assert described["Containers"] == hpo_classification_containers("best")  # predicted_label is the default

    first = register_op(moto_client, candidate=candidate, job_name="churn-job").execute(
        make_context(run_id="run-1")
    )
    second = register_op(moto_client, candidate=candidate, job_name="churn-job").execute(
        make_context(run_id="run-2")
    )
    assert (first, second) == (package_arn(1), package_arn(2))
    assert (
        moto_client.describe_model_package_group(ModelPackageGroupName=GROUP)["ModelPackageGroupArn"]
        == GROUP_ARN
    )

    package = moto_client.describe_model_package(ModelPackageName=second)
    assert package["ModelPackageVersion"] == 2
    assert package["ModelApprovalStatus"] == "PendingManualApproval"
    assert package["InferenceSpecification"]["Containers"] == hpo_classification_containers("best")
    metadata = package["CustomerMetadataProperties"]
    assert {k: metadata[k] for k in ("AutoMLJobName", "CandidateName", "ObjectiveMetricName")} == {
        "AutoMLJobName": "churn-job",
        "CandidateName": "best",
        "ObjectiveMetricName": "F1",
    }
    first_key = moto_client.describe_model_package(ModelPackageName=first)["CustomerMetadataProperties"]
    assert first_key[IDEMPOTENCY_KEY] != metadata[IDEMPOTENCY_KEY]
    assert package["ModelMetrics"]["Explainability"]["Report"]["S3Uri"].endswith(
        "/explainability/analysis.json"
    )

    approved = approve_op(moto_client, model_package_arn=second).execute(make_context(task_id="approve"))
    assert approved == second
    statuses = {
        s["ModelPackageArn"]: s["ModelApprovalStatus"]
        for s in moto_client.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    }
    assert statuses == {first: "PendingManualApproval", second: "Approved"}


def test_describe_group_errors_other_than_missing_propagate(stubbed: tuple[Any, Stubber]) -> None:
    from botocore.exceptions import ClientError

    client, stubber = stubbed
    client_error(stubber, "describe_model_package_group", "AccessDeniedException", "not authorized")
    with pytest.raises(ClientError, match="not authorized"):
        register_op(client, candidate=make_candidate("c")).execute(make_context())
