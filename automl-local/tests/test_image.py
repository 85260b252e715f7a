"""ImageClassification jobs train image-feature classifiers on PNG/JPEG images from S3 and report Accuracy."""

from __future__ import annotations

import io
import json
import random
import struct
import zlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import BUCKET, ROLE_ARN, unique
from tests.shape_check import RawAnswers, assert_valid_answer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PIL = pytest.importorskip("PIL")
SHAPES = ("circle", "square", "triangle")


def shape_image(kind: str, rng: random.Random, fmt: str = "PNG") -> bytes:
    """A shape of a random colour, size and place on a dark background: the label is the shape."""
    from PIL import Image, ImageDraw

    size = rng.randint(40, 90)
    image = Image.new("RGB", (size, size), tuple(rng.randint(0, 60) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    colour = tuple(rng.randint(80, 255) for _ in range(3))
    r = rng.randint(size // 4, size // 2 - 2)
    x, y = rng.randint(r, size - r), rng.randint(r, size - r)
    if kind == "circle":
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    elif kind == "square":
        draw.rectangle([x - r, y - r, x + r, y + r], fill=colour)
    else:
        draw.polygon([(x, y - r), (x - r, y + r), (x + r, y + r)], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def upload_dataset(s3: Any, prefix: str, per_class: int, seed: int = 0) -> list[dict[str, Any]]:
    """Images under ``prefix/<label>/``; returns the augmented manifest lines (Ground Truth style)."""
    rng = random.Random(seed)
    lines = []
    for index in range(per_class * len(SHAPES)):
        label = SHAPES[index % len(SHAPES)]
        fmt, ext = ("PNG", "png") if index % 2 else ("JPEG", "jpg")
        key = f"{prefix}/{label}/{index}.{ext}"
        s3.put_object(Bucket=BUCKET, Key=key, Body=shape_image(label, rng, fmt))
        lines.append(
            {
                "source-ref": f"s3://{BUCKET}/{key}",
                "shape": SHAPES.index(label),
                "shape-metadata": {"class-name": label, "type": "groundtruth/image-classification"},
            }
        )
    return lines


def put_manifest(s3: Any, key: str, lines: list[dict[str, Any]]) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body="\n".join(json.dumps(line) for line in lines).encode())
    return f"s3://{BUCKET}/{key}"


def image_request(
    name: str, uri: str, *, data_type: str = "AugmentedManifestFile", **config: Any
) -> dict[str, Any]:
    channel = config.pop("channel", {})
    return {
        "AutoMLJobName": name,
        "AutoMLJobInputDataConfig": [
            {
                "ChannelType": "training",
                "ContentType": "image/*",
                "DataSource": {"S3DataSource": {"S3DataType": data_type, "S3Uri": uri}},
                **channel,
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/image-output/"},
        "RoleArn": ROLE_ARN,
        "AutoMLProblemTypeConfig": {"ImageClassificationJobConfig": config},
    }


@pytest.fixture(scope="module")
def shapes_manifest(s3: Any) -> str:
    return put_manifest(
        s3, "datasets/shapes/train.manifest", upload_dataset(s3, "datasets/shapes/images", 20)
    )


@pytest.fixture(scope="module")
def image_job(sagemaker: Any, shapes_manifest: str, wait_for_job: Any) -> dict[str, Any]:
    name = unique("it-image")
    sagemaker.create_auto_ml_job_v2(**image_request(name, shapes_manifest))
    job = wait_for_job(name, timeout=240)
    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    return job


def test_image_job_trains_candidates_better_than_chance(sagemaker, image_job):
    best = image_job["BestCandidate"]
    assert image_job["AutoMLProblemTypeConfigName"] == "ImageClassification"
    assert image_job["SecondaryStatusesSeen"][-1] == "Completed"
    assert best["FinalAutoMLJobObjectiveMetric"]["MetricName"] == "Accuracy"
    assert best["FinalAutoMLJobObjectiveMetric"]["Value"] >= 0.8  # chance is 1/3
    metrics = {m["MetricName"] for m in best["CandidateProperties"]["CandidateMetrics"] if "MetricName" in m}
    assert {"Accuracy", "BalancedAccuracy", "F1macro"} <= metrics
    definitions = best["InferenceContainerDefinitions"]
    assert definitions["CPU"] == best["InferenceContainers"]
    assert "-gpu-" in definitions["GPU"][0]["Image"]
    assert definitions["GPU"][0]["ModelDataUrl"] == best["InferenceContainers"][0]["ModelDataUrl"]
    environment = best["InferenceContainers"][0]["Environment"]
    assert environment["SAGEMAKER_INFERENCE_SUPPORTED"] == "predicted_label,probability,labels,probabilities"
    resolved = image_job["ResolvedAttributes"]
    assert resolved["AutoMLJobObjective"] == {"MetricName": "Accuracy"}
    candidates = sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=image_job["AutoMLJobName"])
    assert len(candidates["Candidates"]) == 3


def test_image_job_answers_validate_against_the_output_shapes(sagemaker, image_job):
    name = image_job["AutoMLJobName"]
    raw = RawAnswers(sagemaker)
    with raw.recording():
        answers = {
            "DescribeAutoMLJobV2": sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name),
            "ListCandidatesForAutoMLJob": sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=name),
            "ListAutoMLJobs": sagemaker.list_auto_ml_jobs(NameContains=name),
        }
    for action, answer in answers.items():
        assert_valid_answer(sagemaker, action, answer, raw.last(action))
    with pytest.raises(ClientError) as caught:  # V1 cannot describe an image job
        sagemaker.describe_auto_ml_job(AutoMLJobName=name)
    assert "DescribeAutoMLJobV2" in caught.value.response["Error"]["Message"]


def test_the_trained_model_predicts_images(local_backend, image_job):
    from automl_local.models import load_candidate, mirror_fetch
    from automl_local.signing import load_key
    from automl_local.store import ARTIFACTS_DIR

    loaded = load_candidate(
        image_job,
        image_job["BestCandidate"],
        key=load_key(local_backend.data_dir),
        fetch=mirror_fetch(local_backend.data_dir / ARTIFACTS_DIR),
    )
    rng = random.Random(99)
    truth = [SHAPES[i % 3] for i in range(30)]
    predicted = loaded.model.predict_images([shape_image(label, rng) for label in truth])

    assert list(predicted.columns) == ["predicted_label", "probability", "probabilities", "labels"]
    assert predicted["labels"][0] == list(SHAPES)
    assert sum(p == t for p, t in zip(predicted["predicted_label"], truth, strict=True)) / len(truth) >= 0.8
    assert all(abs(sum(p) - 1) < 1e-6 for p in predicted["probabilities"])
    with pytest.raises(ValueError, match="not a PNG or JPEG"):
        loaded.model.predict_images([b"hello"])


def test_a_folder_per_label_prefix_trains_too(sagemaker, s3, wait_for_job):
    upload_dataset(s3, "datasets/shape-folders", 12, seed=5)
    name = unique("it-image-folders")
    request = image_request(
        name,
        f"s3://{BUCKET}/datasets/shape-folders/",
        data_type="S3Prefix",
        CompletionCriteria={"MaxCandidates": 1},
    )
    sagemaker.create_auto_ml_job_v2(**request)
    job = wait_for_job(name, timeout=180)

    assert (job["AutoMLJobStatus"], job["AutoMLJobSecondaryStatus"]) == ("Completed", "MaxCandidatesReached")
    assert job["BestCandidate"]["FinalAutoMLJobObjectiveMetric"]["Value"] >= 0.6


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (png_claiming(100_000, 100_000), "decompression bomb"),
        (b"GIF89a not a png at all", "is not a PNG or JPEG image"),
    ],
    ids=["bomb", "not-an-image"],
)
def test_hostile_images_fail_the_job_with_a_reason(
    sagemaker, s3, wait_for_job, shapes_manifest, body, expected
):
    lines = upload_dataset(s3, f"datasets/hostile-{len(body)}", 4, seed=7)
    key = f"datasets/hostile-{len(body)}/evil.png"
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    lines.append({"source-ref": f"s3://{BUCKET}/{key}", "class": "circle"})
    lines[:-1] = [
        {"source-ref": line["source-ref"], "class": line["shape-metadata"]["class-name"]}
        for line in lines[:-1]
    ]
    uri = put_manifest(s3, f"datasets/hostile-{len(body)}.manifest", lines)
    name = unique("it-image-evil")
    sagemaker.create_auto_ml_job_v2(**image_request(name, uri))
    job = wait_for_job(name, timeout=120)

    assert job["AutoMLJobStatus"] == "Failed"
    assert expected in job["FailureReason"] and key in job["FailureReason"]
    assert sagemaker.list_auto_ml_jobs(NameContains=name)["AutoMLJobSummaries"]  # the server lives on


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"channel": {"ContentType": "text/csv;header=present"}}, "Allowed: image/png, image/jpeg, image/*"),
        ({"channel": {"CompressionType": "Gzip"}}, "CompressionType: 'Gzip' for ImageClassification"),
        ({"objective": "F1"}, "Invalid AutoMLJobObjective.MetricName: 'F1' for ImageClassification"),
    ],
)
def test_invalid_image_requests_are_validation_errors(sagemaker, shapes_manifest, change, expected):
    change = dict(change)
    objective = change.pop("objective", None)
    request = image_request(unique("it-image-bad"), shapes_manifest, **change)
    if objective:
        request["AutoMLJobObjective"] = {"MetricName": objective}
    with pytest.raises(ClientError) as caught:
        sagemaker.create_auto_ml_job_v2(**request)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert expected in error["Message"]


def test_augmented_manifests_stay_refused_for_tables(sagemaker, shapes_manifest):
    request = image_request(unique("it-aug-tab"), shapes_manifest)
    request["AutoMLJobInputDataConfig"][0].pop("ContentType")
    request["AutoMLProblemTypeConfig"] = {"TabularJobConfig": {"TargetAttributeName": "y"}}
    with pytest.raises(ClientError) as caught:
        sagemaker.create_auto_ml_job_v2(**request)
    assert "'AugmentedManifestFile' for a Tabular job" in caught.value.response["Error"]["Message"]


def test_every_candidate_step_describes_and_validates(sagemaker, image_job):
    from tests.test_steps import candidates_of, describe_every_step

    described = describe_every_step(sagemaker, candidates_of(sagemaker, image_job["AutoMLJobName"]))
    training = [d for d in described.values() if "TrainingJobStatus" in d]
    assert training and all(d["TrainingJobStatus"] == "Completed" for d in training)


# -- without a server ------------------------------------------------------------------------------


def test_decode_refuses_oversized_and_bomb_images():
    from automl_local.images import ImageError, decode_image

    good = shape_image("circle", random.Random(0))
    assert decode_image(good).size[0] >= 40
    with pytest.raises(ImageError, match="decodes images up to"):
        decode_image(good, max_bytes=len(good) - 1)
    with pytest.raises(ImageError, match="decompression bomb"):
        decode_image(png_claiming(20_000, 20_000))
    with pytest.raises(ImageError, match="decompression bomb"):
        decode_image(good, max_pixels=100)


def test_image_model_pickles_and_predicts_without_a_server():
    import joblib
    import pandas as pd

    from automl_local.engines.image import ImageEngine
    from automl_local.spec import JobSpec

    rng = random.Random(3)
    labels = [SHAPES[i % 3] for i in range(45)]
    frame = pd.DataFrame(
        {
            "image": [shape_image(label, rng) for label in labels],
            "label": labels,
            "source": [f"s3://{BUCKET}/{i}.png" for i in range(45)],
        }
    )
    spec = JobSpec.from_request("v2", image_request("unit-image", f"s3://{BUCKET}/m.manifest"))
    plan = next(ImageEngine(spec=spec, train=frame, validation=None).plans(ctx=None, max_candidates=1))  # type: ignore[arg-type]
    trained = plan.train()
    buffer = io.BytesIO()
    joblib.dump(trained.model, buffer)
    model = joblib.load(io.BytesIO(buffer.getvalue()))

    predicted = model.predict_images([shape_image("square", rng), shape_image("triangle", rng)])
    assert trained.metrics["Accuracy"] >= 0.8
    assert list(predicted["predicted_label"]) == ["square", "triangle"]
    assert model.predict_images([]).empty


# -- served (serving/: endpoints and batch transform) -----------------------------------------------


def test_an_endpoint_and_a_transform_serve_the_image_model(sagemaker, s3, local_backend, image_job):
    import boto3

    from tests.conftest import client_kwargs
    from tests.serving_helpers import (
        create_model,
        direct_model,
        endpoint_config,
        get,
        transform_request,
        wait_endpoint,
        wait_transform,
    )

    best = image_job["BestCandidate"]
    model = create_model(sagemaker, best)
    rng = random.Random(42)
    images = [shape_image(label, rng) for label in SHAPES]
    expected = list(
        direct_model(local_backend.data_dir, image_job, best).predict_images(images)["predicted_label"]
    )

    endpoint = unique("it-image-ep")
    sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName=endpoint_config(sagemaker, model))
    assert wait_endpoint(sagemaker, endpoint)[0]["EndpointStatus"] == "InService"
    runtime = boto3.client("sagemaker-runtime", **client_kwargs(local_backend.url))
    answers = [
        json.loads(
            runtime.invoke_endpoint(
                EndpointName=endpoint, ContentType="image/png", Accept="application/json", Body=image
            )["Body"].read()
        )
        for image in images
    ]
    assert answers == [{"predictions": [{"predicted_label": label}]} for label in expected]

    for index, image in enumerate(images):
        s3.put_object(Bucket=BUCKET, Key=f"datasets/shapes-transform/{index}.png", Body=image)
    job = unique("it-image-tr")
    sagemaker.create_transform_job(
        **transform_request(
            job,
            model,
            f"s3://{BUCKET}/datasets/shapes-transform/",
            "shapes-transform-out/",
            TransformInput={"ContentType": "image/png", "SplitType": "None"},
        )
    )
    assert wait_transform(sagemaker, job)["TransformJobStatus"] == "Completed"
    outputs = [get(s3, f"shapes-transform-out/{index}.png.out").decode() for index in range(len(images))]
    assert [json.loads(output) for output in outputs] == answers  # JSON: the containers' default Accept
