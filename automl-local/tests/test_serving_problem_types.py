"""Serving every problem type end to end: text classification, time series, images, text generation."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import BUCKET, ROLE_ARN, client_kwargs, unique
from tests.serving_helpers import (
    create_model,
    endpoint_config,
    get,
    put,
    transform_request,
    wait_endpoint,
    wait_transform,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def runtime(local_backend) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sagemaker-runtime", config=Config(retries={"max_attempts": 1}), **client_kwargs(local_backend.url)
    )


def serve(sagemaker: Any, job: dict[str, Any], **environment: str) -> tuple[str, str]:
    """(model, endpoint InService) of the job's best candidate."""
    model = create_model(sagemaker, job["BestCandidate"], environment=environment or None)
    name = unique("it-ep-kind")
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=endpoint_config(sagemaker, model))
    described, _ = wait_endpoint(sagemaker, name)
    assert described["EndpointStatus"] == "InService", described.get("FailureReason")
    return model, name


def train(sagemaker: Any, wait_for_job: Any, request: dict[str, Any], timeout: float = 240) -> dict[str, Any]:
    sagemaker.create_auto_ml_job_v2(**request)
    job = wait_for_job(request["AutoMLJobName"], timeout=timeout)
    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    return job


def v2_request(
    name: str,
    uri: str,
    config: dict[str, Any],
    *,
    content_type: str = "text/csv;header=present",
    data_type: str = "S3Prefix",
) -> dict[str, Any]:
    return {
        "AutoMLJobName": name,
        "AutoMLJobInputDataConfig": [
            {
                "ChannelType": "training",
                "ContentType": content_type,
                "DataSource": {"S3DataSource": {"S3DataType": data_type, "S3Uri": uri}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/serving-kinds/"},
        "RoleArn": ROLE_ARN,
        "AutoMLProblemTypeConfig": config,
    }


def test_text_classification(sagemaker, runtime, s3, put_frame, wait_for_job):
    from tests.test_text import reviews

    uri = put_frame(reviews(), "datasets/serving-topics/train.csv")
    config = {
        "TextClassificationJobConfig": {
            "ContentColumn": "text",
            "TargetLabelColumn": "label",
            "CompletionCriteria": {"MaxCandidates": 1},
        }
    }
    job = train(sagemaker, wait_for_job, v2_request(unique("it-serve-text"), uri, config))
    model, endpoint = serve(sagemaker, job, SAGEMAKER_INFERENCE_OUTPUT="predicted_label,probability")
    body = b'"rocket orbit, the moon and a telescope"\n"oven flour butter bake"\n'
    answer = runtime.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=body)["Body"].read()
    table = pd.read_csv(io.BytesIO(answer), header=None, names=["label", "probability"])
    assert table["label"].tolist() == ["space", "cooking"]
    lines = b'{"text": "goal team coach league"}\n'
    answer = runtime.invoke_endpoint(
        EndpointName=endpoint, ContentType="application/jsonlines", Accept="application/jsonlines", Body=lines
    )
    assert json.loads(answer["Body"].read())["predicted_label"] == "sports"

    prefix = f"transform/{unique('text')}"
    put(s3, f"{prefix}/in.csv", body)
    name = unique("it-tj-text")
    sagemaker.create_transform_job(
        **transform_request(name, model, f"s3://{BUCKET}/{prefix}/", f"{prefix}/out")
    )
    described = wait_transform(sagemaker, name)
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    assert get(s3, f"{prefix}/out/in.csv.out").decode().splitlines()[0].startswith("space,")


def test_time_series_forecasts_from_a_history(sagemaker, runtime, s3, put_frame, wait_for_job):
    from tests.test_timeseries import weekly_sales

    frame = weekly_sales()
    uri = put_frame(frame, "datasets/serving-sales/train.csv")
    config = {
        "TimeSeriesForecastingJobConfig": {
            "ForecastFrequency": "1D",
            "ForecastHorizon": 5,
            "ForecastQuantiles": ["p10", "p50", "p90"],
            "TimeSeriesConfig": {
                "TargetAttributeName": "demand",
                "TimestampAttributeName": "day",
                "ItemIdentifierAttributeName": "item",
            },
            "CandidateGenerationConfig": {"AlgorithmsConfig": [{"AutoMLAlgorithms": ["ets"]}]},
        }
    }
    job = train(sagemaker, wait_for_job, v2_request(unique("it-serve-ts"), uri, config))
    model, endpoint = serve(sagemaker, job)
    history = frame[frame["item"] == "store-a"].to_csv(index=False).encode()
    answer = runtime.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=history)
    forecast = pd.read_csv(io.BytesIO(answer["Body"].read()))
    assert len(forecast) == 5 and set(forecast["item"]) == {"store-a"}
    assert {"mean", "p10", "p50", "p90"} <= set(forecast.columns)
    headerless = frame.head(3).to_csv(index=False, header=False).encode()
    with pytest.raises(ClientError) as err:
        runtime.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=headerless)
    assert err.value.response["OriginalStatusCode"] == 400

    prefix = f"transform/{unique('ts')}"
    put(s3, f"{prefix}/history.csv", frame.to_csv(index=False).encode())
    name = unique("it-tj-ts")
    sagemaker.create_transform_job(
        **transform_request(
            name, model, f"s3://{BUCKET}/{prefix}/", f"{prefix}/out", TransformInput={"SplitType": "None"}
        )
    )
    described = wait_transform(sagemaker, name)
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    assert len(pd.read_csv(io.BytesIO(get(s3, f"{prefix}/out/history.csv.out")))) == 10  # 2 items x 5 days


def test_image_classification(sagemaker, runtime, s3, wait_for_job):
    from tests.test_image import SHAPES, image_request, put_manifest, shape_image, upload_dataset

    prefix = f"datasets/serving-shapes/{unique('img')}"
    manifest = put_manifest(s3, f"{prefix}/train.manifest", upload_dataset(s3, f"{prefix}/images", 12))
    request = image_request(unique("it-serve-img"), manifest, CompletionCriteria={"MaxCandidates": 1})
    job = train(sagemaker, wait_for_job, request)
    model, endpoint = serve(sagemaker, job, SAGEMAKER_INFERENCE_OUTPUT="predicted_label,probability,labels")
    rng = random.Random(99)
    image = shape_image("circle", rng)
    answer = runtime.invoke_endpoint(EndpointName=endpoint, ContentType="image/png", Body=image)
    assert answer["ContentType"] == "application/json"  # the image containers' default
    prediction = json.loads(answer["Body"].read())["predictions"][0]
    assert prediction["predicted_label"] in SHAPES and sorted(prediction["labels"]) == sorted(SHAPES)
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with pytest.raises(ClientError) as err:
        runtime.invoke_endpoint(EndpointName=endpoint, ContentType="image/png", Body=broken)
    assert (
        err.value.response["Error"]["Code"] == "ModelError"
        and err.value.response["OriginalStatusCode"] == 400
    )

    batch = f"transform/{unique('img')}"
    for index, kind in enumerate(SHAPES):
        put(s3, f"{batch}/in/{index}.jpg", shape_image(kind, rng, "JPEG"))
    name = unique("it-tj-img")
    sagemaker.create_transform_job(
        **transform_request(
            name,
            model,
            f"s3://{BUCKET}/{batch}/in/",
            f"{batch}/out",
            TransformInput={"ContentType": "application/x-image", "SplitType": "None"},
        )
    )
    described = wait_transform(sagemaker, name)
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    for index in range(len(SHAPES)):
        assert (
            json.loads(get(s3, f"{batch}/out/{index}.jpg.out"))["predictions"][0]["predicted_label"] in SHAPES
        )


def test_text_generation(sagemaker, runtime, s3, put_frame, wait_for_job):
    from tests.test_text_generation import generation_request, pairs

    uri = put_frame(pairs(160), "datasets/serving-textgen/train.csv")
    job = train(sagemaker, wait_for_job, generation_request(unique("it-serve-gen"), uri))
    model, endpoint = serve(sagemaker, job)
    request = {"inputs": "What colour is a banana?", "parameters": {"max_new_tokens": 12, "seed": 3}}
    answer = runtime.invoke_endpoint(
        EndpointName=endpoint, ContentType="application/json", Body=json.dumps(request)
    )
    generated = json.loads(answer["Body"].read())
    assert isinstance(generated, list) and isinstance(generated[0]["generated_text"], str)
    assert "yellow" in generated[0]["generated_text"]
    again = runtime.invoke_endpoint(
        EndpointName=endpoint, ContentType="application/json", Body=json.dumps(request)
    )
    assert json.loads(again["Body"].read()) == generated  # the same seed, the same text
    with pytest.raises(ClientError) as err:
        runtime.invoke_endpoint(
            EndpointName=endpoint,
            ContentType="application/json",
            Body=json.dumps({"inputs": "x", "parameters": {"temperature": 0}}),
        )
    assert err.value.response["OriginalStatusCode"] == 422

    prefix = f"transform/{unique('gen')}"
    lines = "".join(
        json.dumps({"inputs": p, "parameters": {"max_new_tokens": 8}}) + "\n"
        for p in ("French for cat?", "What colour is a lime?")
    )
    put(s3, f"{prefix}/prompts.jsonl", lines.encode())
    name = unique("it-tj-gen")
    sagemaker.create_transform_job(
        **transform_request(
            name,
            model,
            f"s3://{BUCKET}/{prefix}/",
            f"{prefix}/out",
            TransformInput={"ContentType": "application/jsonlines"},
            TransformOutput={"Accept": "application/jsonlines", "AssembleWith": "Line"},
        )
    )
    described = wait_transform(sagemaker, name)
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    outputs = [json.loads(line) for line in get(s3, f"{prefix}/out/prompts.jsonl.out").decode().splitlines()]
    assert len(outputs) == 2 and all(isinstance(o[0]["generated_text"], str) for o in outputs)
