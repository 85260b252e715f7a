"""Endpoints on models made from candidates: Creating -> InService, InvokeEndpoint with real predictions."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import BUCKET, ROLE_ARN, client_kwargs, unique
from tests.serving_helpers import (
    create_model,
    csv_rows,
    direct_model,
    endpoint_config,
    ensemble_job,
    features,
    tampered,
    wait_endpoint,
)
from tests.shape_check import RawAnswers, assert_valid_answer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def ensemble(sagemaker, wait_for_job, breast_cancer_uri) -> dict[str, Any]:
    return ensemble_job(sagemaker, wait_for_job, breast_cancer_uri)


@pytest.fixture(scope="module")
def runtime(local_backend) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sagemaker-runtime", config=Config(retries={"max_attempts": 1}), **client_kwargs(local_backend.url)
    )


def endpoint_of(sagemaker: Any, *models: str, weights: tuple[float, ...] = ()) -> str:
    name = unique("it-ep")
    sagemaker.create_endpoint(
        EndpointName=name, EndpointConfigName=endpoint_config(sagemaker, *models, weights=weights)
    )
    return name


def error_of(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return dict(err.value.response)


@pytest.fixture(scope="module")
def hpo_endpoint(sagemaker, hpo_job) -> str:
    model = create_model(
        sagemaker,
        hpo_job["BestCandidate"],
        environment={"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,probability"},
    )
    name = endpoint_of(sagemaker, model)
    described, _ = wait_endpoint(sagemaker, name)
    assert described["EndpointStatus"] == "InService", described.get("FailureReason")
    return name


def test_endpoint_lifecycle_answers_validate(sagemaker, ensemble):
    model = create_model(sagemaker, ensemble["BestCandidate"])
    config = endpoint_config(sagemaker, model)
    name = unique("it-ep-life")
    raw = RawAnswers(sagemaker)
    with raw.recording():
        created = sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=config)
        first = sagemaker.describe_endpoint(EndpointName=name)
        described, seen = wait_endpoint(sagemaker, name)
        listed = sagemaker.list_endpoints(NameContains=name)
    assert first["EndpointStatus"] in ("Creating", "InService")
    assert seen[-1] == "InService" and set(seen) <= {"Creating", "InService"}
    for action, answer in (("CreateEndpoint", created), ("ListEndpoints", listed)):
        assert_valid_answer(sagemaker, action, answer, raw.last(action))
    assert_valid_answer(sagemaker, "DescribeEndpoint", described, raw.last("DescribeEndpoint"))
    assert described["EndpointConfigName"] == config
    variant = described["ProductionVariants"][0]
    assert variant["VariantName"] == "AllTraffic" and variant["CurrentInstanceCount"] == 1
    assert (
        variant["DeployedImages"][0]["SpecifiedImage"]
        == ensemble["BestCandidate"]["InferenceContainers"][0]["Image"]
    )
    assert [e["EndpointName"] for e in listed["Endpoints"]] == [name]

    with raw.recording():
        sagemaker.delete_endpoint(EndpointName=name)
    assert raw.last("DeleteEndpoint") == {}
    err = error_of(sagemaker.describe_endpoint, EndpointName=name)
    assert (
        err["Error"]["Code"] == "ValidationException" and "Could not find endpoint" in err["Error"]["Message"]
    )
    assert error_of(sagemaker.delete_endpoint, EndpointName=name)["Error"]["Code"] == "ValidationException"


def test_invocations_answer_the_models_predictions_in_each_format(
    sagemaker, runtime, hpo_job, hpo_endpoint, local_backend
):
    rows = features(25)
    loaded = direct_model(local_backend.data_dir, hpo_job, hpo_job["BestCandidate"])
    raw = loaded.predict_raw(rows)
    labels = [str(loaded.classes[i]) for i in raw.argmax(axis=1)]

    answer = runtime.invoke_endpoint(EndpointName=hpo_endpoint, ContentType="text/csv", Body=csv_rows(rows))
    assert answer["ContentType"] == "text/csv"  # the containers' SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT
    assert answer["InvokedProductionVariant"] == "AllTraffic"
    table = pd.read_csv(io.BytesIO(answer["Body"].read()), header=None, names=["label", "probability"])
    assert table["label"].astype(str).tolist() == labels
    assert table["probability"].tolist() == pytest.approx(raw[:, 1].tolist())

    as_json = runtime.invoke_endpoint(
        EndpointName=hpo_endpoint,
        ContentType="text/csv",
        Accept="application/json",
        Body=csv_rows(rows.head(2)),
    )
    assert as_json["ContentType"] == "application/json"
    assert [p["predicted_label"] for p in json.loads(as_json["Body"].read())["predictions"]] == labels[:2]

    records = "".join(json.dumps(r) + "\n" for r in rows.head(3).to_dict("records"))
    lines = runtime.invoke_endpoint(
        EndpointName=hpo_endpoint,
        ContentType="application/jsonlines",
        Accept="application/jsonlines",
        Body=records,
    )
    assert [
        json.loads(line)["predicted_label"] for line in lines["Body"].read().decode().splitlines()
    ] == labels[:3]

    instances = json.dumps({"instances": rows.head(2).values.tolist()})
    by_json = runtime.invoke_endpoint(
        EndpointName=hpo_endpoint, ContentType="application/json", Body=instances
    )
    assert by_json["Body"].read().decode().splitlines()[0].split(",")[0] == labels[0]


def test_runtime_errors_are_the_runtimes(sagemaker, runtime, hpo_endpoint):
    bad = error_of(
        runtime.invoke_endpoint, EndpointName=hpo_endpoint, ContentType="text/csv", Body=b"1,2,3\n"
    )
    assert bad["Error"]["Code"] == "ModelError" and bad["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert bad["OriginalStatusCode"] == 400 and "has 3 values; expected 30" in bad["OriginalMessage"]
    assert bad["LogStreamArn"].endswith(f"/aws/sagemaker/Endpoints/{hpo_endpoint}")
    assert bad["Error"]["Message"].startswith("Received client error (400) from primary with message")

    for body in (b'1,2,"unterminated\n', b"\xff\xfe\x00garbage", b"\n\n"):
        malformed = error_of(
            runtime.invoke_endpoint, EndpointName=hpo_endpoint, ContentType="text/csv", Body=body
        )
        assert malformed["Error"]["Code"] == "ModelError" and malformed["OriginalStatusCode"] == 400
    media = error_of(
        runtime.invoke_endpoint, EndpointName=hpo_endpoint, ContentType="application/x-parquet", Body=b"x"
    )
    assert media["OriginalStatusCode"] == 415
    accept = error_of(
        runtime.invoke_endpoint,
        EndpointName=hpo_endpoint,
        ContentType="text/csv",
        Accept="text/html",
        Body=b"1\n",
    )
    assert accept["OriginalStatusCode"] == 406

    unknown = error_of(runtime.invoke_endpoint, EndpointName="it-no-such-endpoint", Body=b"1")
    assert unknown["Error"]["Code"] == "ValidationError"
    assert unknown["Error"]["Message"] == "Endpoint it-no-such-endpoint of account 123456789012 not found."

    huge = error_of(
        runtime.invoke_endpoint,
        EndpointName=hpo_endpoint,
        ContentType="text/csv",
        Body=b"1" * (6 * 1024 * 1024 + 1),
    )
    assert huge["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert huge["Error"]["Message"] == "HTTP content length exceeded 6291456 bytes."
    # Over the server's request limit too: still the runtime's JSON protocol, never S3's XML.
    bigger = error_of(
        runtime.invoke_endpoint,
        EndpointName=hpo_endpoint,
        ContentType="text/csv",
        Body=b"1" * (9 * 1024 * 1024),
    )
    assert bigger["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert bigger["Error"]["Code"] and "<" not in bigger["Error"]["Message"]

    # The server is still up and the endpoint still answers.
    ok = runtime.invoke_endpoint(
        EndpointName=hpo_endpoint, ContentType="text/csv", Body=csv_rows(features(1))
    )
    assert ok["Body"].read().count(b"\n") == 1


def test_concurrent_invocations(runtime, hpo_endpoint):
    body = csv_rows(features(3))
    answers: list[bytes] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            for _ in range(10):
                answers.append(
                    runtime.invoke_endpoint(EndpointName=hpo_endpoint, ContentType="text/csv", Body=body)[
                        "Body"
                    ].read()
                )
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(answers) == 40 and len(set(answers)) == 1


def test_two_variants_by_weight_and_by_target(sagemaker, runtime, ensemble):
    candidates = sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=ensemble["AutoMLJobName"])[
        "Candidates"
    ]
    assert len(candidates) == 2
    first, second = (create_model(sagemaker, c) for c in candidates)
    name = endpoint_of(sagemaker, first, second, weights=(1.0, 0.0))
    described, _ = wait_endpoint(sagemaker, name)
    assert described["EndpointStatus"] == "InService", described.get("FailureReason")
    assert [v["VariantName"] for v in described["ProductionVariants"]] == ["variant-0", "variant-1"]
    body = csv_rows(features(2))
    picked = {
        runtime.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=body)[
            "InvokedProductionVariant"
        ]
        for _ in range(5)
    }
    assert picked == {"variant-0"}  # variant-1 has weight 0
    targeted = runtime.invoke_endpoint(
        EndpointName=name, ContentType="text/csv", Body=body, TargetVariant="variant-1"
    )
    assert targeted["InvokedProductionVariant"] == "variant-1"
    missing = error_of(
        runtime.invoke_endpoint, EndpointName=name, ContentType="text/csv", Body=body, TargetVariant="nope"
    )
    assert missing["Error"]["Code"] == "ValidationError"
    sagemaker.delete_endpoint(EndpointName=name)


def test_update_swaps_the_model_and_a_failed_update_rolls_back(sagemaker, runtime, s3, ensemble, tmp_path):
    candidates = sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=ensemble["AutoMLJobName"])[
        "Candidates"
    ]
    first = create_model(sagemaker, candidates[0])
    second = create_model(
        sagemaker, candidates[1], environment={"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,labels"}
    )
    name = endpoint_of(sagemaker, first)
    assert wait_endpoint(sagemaker, name)[0]["EndpointStatus"] == "InService"
    body = csv_rows(features(1))
    assert (
        runtime.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=body)["Body"]
        .read()
        .count(b",")
        == 0
    )

    new_config = endpoint_config(sagemaker, second)
    raw = RawAnswers(sagemaker)
    with raw.recording():
        updated = sagemaker.update_endpoint(EndpointName=name, EndpointConfigName=new_config)
        described, _ = wait_endpoint(sagemaker, name)
    assert_valid_answer(sagemaker, "UpdateEndpoint", updated, raw.last("UpdateEndpoint"))
    assert_valid_answer(sagemaker, "DescribeEndpoint", described, raw.last("DescribeEndpoint"))
    assert described["EndpointStatus"] == "InService" and described["EndpointConfigName"] == new_config
    assert "FailureReason" not in described
    assert (
        runtime.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=body)["Body"]
        .read()
        .endswith(b"['0', '1']\"\n")
    )

    # An update to a model whose artifact was replaced: refused while loading, the old config stays.
    marker = tmp_path / "pwned"
    third = create_model(sagemaker, candidates[0])
    with tampered(s3, candidates[0]["InferenceContainers"][0]["ModelDataUrl"], marker):
        sagemaker.update_endpoint(EndpointName=name, EndpointConfigName=endpoint_config(sagemaker, third))
        described, _ = wait_endpoint(sagemaker, name)
    assert described["EndpointStatus"] == "InService" and described["EndpointConfigName"] == new_config
    assert "refusing to load" in described["FailureReason"]
    assert not marker.exists()
    assert (
        runtime.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=body)["Body"]
        .read()
        .endswith(b"['0', '1']\"\n")
    )

    # An update to a model that is not a candidate's is refused at the call.
    foreign = unique("it-foreign-model")
    sagemaker.create_model(
        ModelName=foreign,
        ExecutionRoleArn=ROLE_ARN,
        PrimaryContainer={
            "Image": "123.dkr.ecr.us-east-1.amazonaws.com/mine:1",
            "ModelDataUrl": f"s3://{BUCKET}/m.tar.gz",
        },
    )
    err = error_of(
        sagemaker.update_endpoint, EndpointName=name, EndpointConfigName=endpoint_config(sagemaker, foreign)
    )
    assert err["Error"]["Code"] == "ValidationException"
    sagemaker.delete_endpoint(EndpointName=name)


def test_a_tampered_model_fails_the_endpoint_and_runs_nothing(sagemaker, runtime, s3, ensemble, tmp_path):
    best = ensemble["BestCandidate"]
    url = best["InferenceContainers"][0]["ModelDataUrl"]
    marker = tmp_path / "pwned"
    model = create_model(sagemaker, best)
    with tampered(s3, url, marker):
        name = endpoint_of(sagemaker, model)
        described, _ = wait_endpoint(sagemaker, name)
    assert described["EndpointStatus"] == "Failed"
    assert described["FailureReason"].startswith(
        f"The model {model} of production variant AllTraffic could not be loaded"
    )
    assert f"refusing to load {url}" in described["FailureReason"]
    assert not marker.exists()
    err = error_of(
        runtime.invoke_endpoint, EndpointName=name, ContentType="text/csv", Body=csv_rows(features(1))
    )
    assert err["Error"]["Code"] == "ValidationError" and "is Failed" in err["Error"]["Message"]
    assert error_of(sagemaker.update_endpoint, EndpointName=name, EndpointConfigName="x")["Error"][
        "Code"
    ] == ("ValidationException")
    assert [
        e["EndpointName"]
        for e in sagemaker.list_endpoints(StatusEquals="Failed", NameContains=name)["Endpoints"]
    ] == [name]
    sagemaker.delete_endpoint(EndpointName=name)


def test_endpoints_of_other_models_keep_motos_behaviour(sagemaker, runtime):
    foreign = unique("it-foreign-model")
    sagemaker.create_model(
        ModelName=foreign,
        ExecutionRoleArn=ROLE_ARN,
        PrimaryContainer={
            "Image": "123.dkr.ecr.us-east-1.amazonaws.com/mine:1",
            "ModelDataUrl": f"s3://{BUCKET}/m.tar.gz",
        },
    )
    name = endpoint_of(sagemaker, foreign)
    assert sagemaker.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService"  # moto's, at once
    answer = runtime.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=b"1,2\n")
    assert answer["Body"].read() == b"body"  # moto's canned answer
    listed = [e["EndpointName"] for e in sagemaker.list_endpoints(MaxResults=100)["Endpoints"]]
    assert name in listed
    again = error_of(sagemaker.create_endpoint, EndpointName=name, EndpointConfigName="any")
    assert again["Error"]["Code"] == "ValidationException" and "already existing" in again["Error"]["Message"]
