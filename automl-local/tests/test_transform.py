"""Batch transform on models made from candidates: the real model over S3, in SageMaker's formats."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import BUCKET, ROLE_ARN, unique
from tests.serving_helpers import (
    create_model,
    csv_rows,
    direct_model,
    ensemble_job,
    features,
    get,
    put,
    tampered,
    transform_request,
    wait_transform,
)
from tests.shape_check import RawAnswers, assert_valid_answer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def ensemble(sagemaker, wait_for_job, breast_cancer_uri) -> dict[str, Any]:
    return ensemble_job(sagemaker, wait_for_job, breast_cancer_uri)


def run(sagemaker: Any, **request: Any) -> dict[str, Any]:
    sagemaker.create_transform_job(**request)
    return wait_transform(sagemaker, request["TransformJobName"])


def code_of(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


def test_hpo_pipeline_scores_every_row_like_the_model(sagemaker, s3, hpo_job, local_backend):
    best = hpo_job["BestCandidate"]
    assert len(best["InferenceContainers"]) == 3  # feature transform, algorithm, inverse label transform
    model = create_model(
        sagemaker,
        best,
        environment={"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,probability,probabilities"},
    )
    rows = features()
    prefix = f"transform/{unique('hpo')}"
    put(s3, f"{prefix}/in/part-1.csv", csv_rows(rows.iloc[:300]))
    put(s3, f"{prefix}/in/nested/part-2.csv", csv_rows(rows.iloc[300:]))
    name = unique("it-tj-hpo")
    raw = RawAnswers(sagemaker)
    with raw.recording():
        created = sagemaker.create_transform_job(
            **transform_request(
                name,
                model,
                f"s3://{BUCKET}/{prefix}/in/",
                f"{prefix}/out",
                TransformOutput={"AssembleWith": "Line"},
            )
        )
        described = wait_transform(sagemaker, name)
        listed = sagemaker.list_transform_jobs(NameContains=name)
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    assert described["TransformEndTime"] >= described["TransformStartTime"] >= described["CreationTime"]
    for action, answer in (("CreateTransformJob", created), ("ListTransformJobs", listed)):
        assert_valid_answer(sagemaker, action, answer, raw.last(action))
    assert_valid_answer(sagemaker, "DescribeTransformJob", described, raw.last("DescribeTransformJob"))
    assert [j["TransformJobName"] for j in listed["TransformJobSummaries"]] == [name]

    # One <input>.out per input object, its key relative to the input prefix.
    out = [
        pd.read_csv(io.BytesIO(get(s3, f"{prefix}/out/{key}.out")), header=None)
        for key in ("part-1.csv", "nested/part-2.csv")
    ]
    answers = pd.concat(out, ignore_index=True)
    answers.columns = ["predicted_label", "probability", "probabilities"]
    assert len(answers) == len(rows)
    loaded = direct_model(local_backend.data_dir, hpo_job, best)
    raw_probabilities = loaded.predict_raw(rows)
    expected = [str(loaded.classes[i]) for i in raw_probabilities.argmax(axis=1)]
    assert answers["predicted_label"].astype(str).tolist() == expected
    # HPO binary models answer the positive (second) label's probability.
    assert answers["probability"].tolist() == pytest.approx(raw_probabilities[:, 1].tolist())
    assert json.loads(answers["probabilities"][0]) == pytest.approx(raw_probabilities[0].tolist())


def test_accept_json_lines_single_record_and_keys_from_the_transform_environment(sagemaker, s3, ensemble):
    model = create_model(sagemaker, ensemble["BestCandidate"])
    prefix = f"transform/{unique('jsonl')}"
    put(s3, f"{prefix}/in.csv", csv_rows(features(20)))
    name = unique("it-tj-jsonl")
    described = run(
        sagemaker,
        **transform_request(
            name,
            model,
            f"s3://{BUCKET}/{prefix}/in.csv",
            f"{prefix}/out/",
            TransformOutput={"Accept": "application/jsonlines", "AssembleWith": "Line"},
            BatchStrategy="SingleRecord",
            Environment={"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,probability,labels"},
        ),
    )
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    assert described["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] == "predicted_label,probability,labels"
    lines = get(s3, f"{prefix}/out/in.csv.out").decode().splitlines()
    assert len(lines) == 20
    first = json.loads(lines[0])
    assert set(first) == {"predicted_label", "probability", "labels"}
    assert (
        first["labels"] == ["0", "1"] and 0.5 <= first["probability"] <= 1
    )  # the predicted label's (ensemble)


def test_split_none_and_json_answers_per_object(sagemaker, s3, ensemble):
    model = create_model(sagemaker, ensemble["BestCandidate"])
    prefix = f"transform/{unique('whole')}"
    put(s3, f"{prefix}/a.csv", csv_rows(features(7)))
    put(s3, f"{prefix}/b.csv", csv_rows(features(3)))
    name = unique("it-tj-whole")
    described = run(
        sagemaker,
        **transform_request(
            name,
            model,
            f"s3://{BUCKET}/{prefix}/",
            f"{prefix}/out",
            TransformInput={"SplitType": "None"},
            TransformOutput={"Accept": "application/json"},
        ),
    )
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    assert described["TransformInput"]["SplitType"] == "None"
    for key, count in (("a.csv", 7), ("b.csv", 3)):
        answer = json.loads(get(s3, f"{prefix}/out/{key}.out"))
        assert len(answer["predictions"]) == count
        assert set(answer["predictions"][0]) == {"predicted_label"}


def test_csv_id_column_filtered_out_and_joined_back(sagemaker, s3, ensemble, local_backend):
    best = ensemble["BestCandidate"]
    model = create_model(sagemaker, best)
    rows = features(50)
    with_ids = rows.copy()
    with_ids.insert(0, "id", [f"row-{i}" for i in range(len(rows))])
    prefix = f"transform/{unique('join')}"
    put(s3, f"{prefix}/in.csv", csv_rows(with_ids))
    name = unique("it-tj-join")
    described = run(
        sagemaker,
        **transform_request(
            name,
            model,
            f"s3://{BUCKET}/{prefix}/in.csv",
            f"{prefix}/out",
            TransformOutput={"Accept": "text/csv", "AssembleWith": "Line"},
            DataProcessing={"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"},
        ),
    )
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    assert described["DataProcessing"] == {
        "InputFilter": "$[1:]",
        "JoinSource": "Input",
        "OutputFilter": "$[0,-1]",
    }
    answer = pd.read_csv(io.BytesIO(get(s3, f"{prefix}/out/in.csv.out")), header=None, names=["id", "label"])
    assert answer["id"].tolist() == with_ids["id"].tolist()
    expected = direct_model(local_backend.data_dir, ensemble, best).predict(rows)["predicted_label"]
    assert answer["label"].astype(str).tolist() == expected.astype(str).tolist()


def test_json_lines_features_filtered_and_joined(sagemaker, s3, ensemble):
    model = create_model(sagemaker, ensemble["BestCandidate"])
    rows = features(12)
    lines = "".join(
        json.dumps({"id": i, "features": row, "note": "x"}) + "\n"
        for i, row in enumerate(rows.values.tolist())
    )
    prefix = f"transform/{unique('jsonjoin')}"
    put(s3, f"{prefix}/in.jsonl", lines.encode())
    name = unique("it-tj-jsonjoin")
    described = run(
        sagemaker,
        **transform_request(
            name,
            model,
            f"s3://{BUCKET}/{prefix}/in.jsonl",
            f"{prefix}/out",
            TransformInput={"ContentType": "application/jsonlines"},
            TransformOutput={"Accept": "application/jsonlines", "AssembleWith": "Line"},
            DataProcessing={
                "InputFilter": "$.features",
                "JoinSource": "Input",
                "OutputFilter": "$['id','SageMakerOutput']",
            },
        ),
    )
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    answers = [json.loads(line) for line in get(s3, f"{prefix}/out/in.jsonl.out").decode().splitlines()]
    assert [a["id"] for a in answers] == list(range(12))
    assert all(set(a) == {"id", "SageMakerOutput"} for a in answers)
    assert all(set(a["SageMakerOutput"]) == {"predicted_label"} for a in answers)


def test_bad_input_fails_the_job_with_the_containers_answer(sagemaker, s3, ensemble):
    model = create_model(sagemaker, ensemble["BestCandidate"])
    prefix = f"transform/{unique('bad')}"
    put(s3, f"{prefix}/in.csv", b"1,2,3\n4,5,6\n")
    described = run(
        sagemaker,
        **transform_request(unique("it-tj-bad"), model, f"s3://{BUCKET}/{prefix}/", f"{prefix}/out"),
    )
    assert described["TransformJobStatus"] == "Failed"
    assert described["FailureReason"].startswith("ClientError: Received client error (400) from the model")
    assert "has 3 values; expected 30" in described["FailureReason"]

    empty = run(
        sagemaker,
        **transform_request(unique("it-tj-none"), model, f"s3://{BUCKET}/{prefix}/nothing/", f"{prefix}/out"),
    )
    assert empty["TransformJobStatus"] == "Failed" and "No objects found" in empty["FailureReason"]

    put(s3, f"{prefix}/mix/in.csv", csv_rows(features(3)))
    mixed = run(
        sagemaker,
        **transform_request(
            unique("it-tj-mix"),
            model,
            f"s3://{BUCKET}/{prefix}/mix/",
            f"{prefix}/out",
            TransformOutput={"Accept": "application/json"},
            DataProcessing={"JoinSource": "Input"},
        ),
    )
    assert mixed["TransformJobStatus"] == "Failed" and "joins records of one format" in mixed["FailureReason"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DataProcessing": {"InputFilter": "$..features"}}, "Invalid DataProcessing"),
        ({"TransformInput": {"SplitType": "RecordIO"}}, "RecordIO"),
        ({"TransformOutput": {"S3OutputPath": f"s3://{BUCKET}/a/../b"}}, "S3OutputPath"),
    ],
)
def test_requests_the_backend_cannot_run_are_refused_at_create(sagemaker, ensemble, change, message):
    model = create_model(sagemaker, ensemble["BestCandidate"])
    request = transform_request(
        unique("it-tj-refused"), model, f"s3://{BUCKET}/transform/x/", "transform/out"
    )
    for key, value in change.items():
        request[key] = {**request.get(key, {}), **value}
    with pytest.raises(ClientError) as err:
        sagemaker.create_transform_job(**request)
    assert code_of(err) == "ValidationException"
    assert message in str(err.value)


def test_stop_and_names(sagemaker, s3, ensemble):
    model = create_model(sagemaker, ensemble["BestCandidate"])
    prefix = f"transform/{unique('stop')}"
    put(s3, f"{prefix}/in.csv", csv_rows(pd.concat([features()] * 10)))
    name = unique("it-tj-stop")
    request = transform_request(
        name, model, f"s3://{BUCKET}/{prefix}/", f"{prefix}/out", BatchStrategy="SingleRecord"
    )
    sagemaker.create_transform_job(**request)
    with pytest.raises(ClientError) as err:
        sagemaker.create_transform_job(**request)
    assert code_of(err) == "ResourceInUse"
    sagemaker.stop_transform_job(TransformJobName=name)
    described = wait_transform(sagemaker, name)
    assert described["TransformJobStatus"] == "Stopped"
    assert "FailureReason" not in described
    with pytest.raises(ClientError) as err:
        sagemaker.stop_transform_job(TransformJobName=name)
    assert code_of(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        sagemaker.stop_transform_job(TransformJobName=unique("it-tj-unknown"))
    assert code_of(err) == "ResourceNotFound"
    with pytest.raises(ClientError) as err:  # the amazon provider's name check relies on this code
        sagemaker.describe_transform_job(TransformJobName=unique("it-tj-unknown"))
    assert code_of(err) == "ValidationException"
    stopped = sagemaker.list_transform_jobs(StatusEquals="Stopped", NameContains=name.upper())
    assert [j["TransformJobName"] for j in stopped["TransformJobSummaries"]] == [name]


@pytest.fixture
def tampered_best(s3: Any, ensemble: dict[str, Any], tmp_path: Path) -> Any:
    """The ensemble's best model.tar.gz replaced in S3 by a pickle payload; put back afterwards."""
    url = ensemble["BestCandidate"]["InferenceContainers"][0]["ModelDataUrl"]
    marker = tmp_path / "pwned"
    with tampered(s3, url, marker):
        yield url, marker


def test_a_tampered_model_fails_the_job_and_runs_nothing(sagemaker, s3, ensemble, tampered_best):
    url, marker = tampered_best
    model = create_model(sagemaker, ensemble["BestCandidate"])
    prefix = f"transform/{unique('tamper')}"
    put(s3, f"{prefix}/in.csv", csv_rows(features(5)))
    described = run(
        sagemaker,
        **transform_request(unique("it-tj-tamper"), model, f"s3://{BUCKET}/{prefix}/", f"{prefix}/out"),
    )
    assert described["TransformJobStatus"] == "Failed"
    assert f"refusing to load {url}" in described["FailureReason"]
    assert not marker.exists()
    with pytest.raises(ClientError):
        s3.head_object(Bucket=BUCKET, Key=f"{prefix}/out/in.csv.out")


def test_models_not_made_from_candidates_keep_motos_behaviour(sagemaker, s3):
    model = unique("it-foreign-model")
    sagemaker.create_model(
        ModelName=model,
        ExecutionRoleArn=ROLE_ARN,
        PrimaryContainer={
            "Image": "123.dkr.ecr.us-east-1.amazonaws.com/mine:1",
            "ModelDataUrl": f"s3://{BUCKET}/m.tar.gz",
        },
    )
    prefix = f"transform/{unique('foreign')}"
    put(s3, f"{prefix}/in.csv", b"1,2\n")
    name = unique("it-tj-foreign")
    sagemaker.create_transform_job(
        **transform_request(name, model, f"s3://{BUCKET}/{prefix}/", f"{prefix}/out")
    )
    described = sagemaker.describe_transform_job(TransformJobName=name)
    assert described["TransformJobStatus"] == "Completed"  # moto's: at once, nothing written
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/out").get("KeyCount", 0) == 0
    listed = [
        j["TransformJobName"] for j in sagemaker.list_transform_jobs(MaxResults=100)["TransformJobSummaries"]
    ]
    assert name in listed
