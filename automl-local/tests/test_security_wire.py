"""Malformed HTTP on a raw socket: every attack gets a prompt AWS-shaped answer, and the server lives.

The server runs with a 2 s request timeout (a body shorter than its Content-Length) and a 64 MiB
request limit (so a 50 MB job name reaches validation and its error body can be measured).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from automl_local.process import LocalBackendProcess
from tests.conftest import client_kwargs
from tests.rawhttp import Answer, exchange, s3_head, sagemaker_head

pytestmark = [pytest.mark.integration, pytest.mark.security]

TIMEOUT_S = 2
MAX_REQUEST = 64 * 1024 * 1024
ERROR_BODY_BOUND = 16 * 1024  # 2 x the 4 KiB message cap ("message" and "Message") plus the JSON around it


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackendProcess]:
    extra = ["--request-timeout", str(TIMEOUT_S), "--max-request-bytes", "64MiB", "--workers", "1"]
    with LocalBackendProcess(tmp_path_factory.mktemp("wire"), extra_args=extra) as process:
        yield process


@pytest.fixture(scope="module")
def sagemaker(backend: LocalBackendProcess) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("sagemaker", config=Config(retries={"max_attempts": 1}), **client_kwargs(backend.url))


@pytest.fixture
def alive(backend: LocalBackendProcess, sagemaker: Any) -> Iterator[None]:
    """After each attack: the process runs and a real client's call still succeeds."""
    yield
    assert backend.process is not None and backend.process.poll() is None, "the server died"
    assert "AutoMLJobSummaries" in sagemaker.list_auto_ml_jobs(MaxResults=1)


def figure(record_property: Any, attack: str, answer: Answer) -> None:
    line = (
        f"FIGURE | {attack} | {answer.status} | {answer.code or '-'} | {len(answer.body)} bytes | "
        f"{answer.seconds:.2f} s"
    )
    record_property("figure", line)
    print(line)


def assert_json_error(answer: Answer, status: int, code: str) -> None:
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/x-amz-json-1.1"
    assert answer.json["__type"] == code
    assert answer.headers["x-amzn-errortype"] == f"{code}:"


def assert_s3_error(answer: Answer, status: int, code: str) -> None:
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/xml"
    assert answer.code == code


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "12 34", "0x10"])
def test_content_length_that_is_not_a_count_is_refused_at_once(backend, alive, record_property, value):
    # Sent without a body: the answer must not wait for one.
    answer = exchange(backend.url, sagemaker_head(backend.url, "ListAutoMLJobs", value))
    s3_answer = exchange(backend.url, s3_head(backend.url, "PUT", "/bucket/key", value))

    assert_json_error(answer, 400, "ValidationException")
    assert "not a non-negative integer" in answer.json["message"]
    assert_s3_error(s3_answer, 400, "InvalidArgument")
    assert answer.seconds < TIMEOUT_S and s3_answer.seconds < TIMEOUT_S
    figure(record_property, f"Content-Length: {value}", answer)


def test_huge_content_length_is_refused_without_reading(backend, alive, record_property):
    huge = "99999999999999999999"
    answer = exchange(backend.url, sagemaker_head(backend.url, "ListAutoMLJobs", huge))
    s3_answer = exchange(backend.url, s3_head(backend.url, "PUT", "/bucket/key", huge))

    assert_json_error(answer, 413, "RequestEntityTooLargeException")
    assert "--max-request-bytes" in answer.json["message"]
    assert_s3_error(s3_answer, 400, "EntityTooLarge")  # S3's status for it
    assert answer.seconds < TIMEOUT_S and s3_answer.seconds < TIMEOUT_S
    figure(record_property, f"Content-Length: {huge}", answer)
    figure(record_property, f"S3 PUT Content-Length: {huge}", s3_answer)


def test_body_over_the_limit_is_413(backend, alive, record_property):
    body = b'{"NameContains": "' + b"a" * MAX_REQUEST + b'"}'
    answer = exchange(backend.url, sagemaker_head(backend.url, "ListAutoMLJobs", len(body)), body)

    assert_json_error(answer, 413, "RequestEntityTooLargeException")
    figure(record_property, f"{len(body):,}-byte body (limit 64 MiB)", answer)


def test_body_shorter_than_its_length_times_out(backend, alive, record_property):
    answer = exchange(backend.url, sagemaker_head(backend.url, "ListAutoMLJobs", 100), b"{}")
    s3_answer = exchange(backend.url, s3_head(backend.url, "PUT", "/bucket/key", 100), b"xx")

    assert_json_error(answer, 400, "RequestTimeoutException")
    assert TIMEOUT_S - 0.5 <= answer.seconds < TIMEOUT_S + 10
    # Behind the guard moto reads S3 bodies itself: the worker is freed when the socket times out.
    assert s3_answer.seconds < TIMEOUT_S + 10
    figure(record_property, "Content-Length: 100, 2 bytes sent", answer)


def test_a_silent_connection_is_closed(backend, alive, record_property):
    answer = exchange(backend.url, b"POST / HTTP/1.1\r\nHost: x\r\n")  # the headers never end

    assert answer.status is None  # closed without an answer: there is no request to answer
    assert TIMEOUT_S - 0.5 <= answer.seconds < TIMEOUT_S + 10
    figure(record_property, "headers that never end", answer)


def test_chunked_body_with_content_length_is_refused(backend, alive):
    extra = "Transfer-Encoding: chunked\r\n"
    answer = exchange(
        backend.url, sagemaker_head(backend.url, "ListAutoMLJobs", 2, extra=extra), b"2\r\n{}\r\n0\r\n\r\n"
    )

    assert_json_error(answer, 400, "ValidationException")


def test_chunked_body_is_read_and_answered(backend, alive):
    extra = "Transfer-Encoding: chunked\r\n"
    body = b"2\r\n{}\r\n0\r\n\r\n"
    answer = exchange(backend.url, sagemaker_head(backend.url, "ListAutoMLJobs", None, extra=extra), body)

    assert answer.status == 200
    assert "AutoMLJobSummaries" in answer.json


def test_deep_json_is_a_validation_error(backend, alive, record_property):
    body = b'{"NameContains": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    answer = exchange(backend.url, sagemaker_head(backend.url, "ListAutoMLJobs", len(body)), body)

    assert_json_error(answer, 400, "ValidationException")
    assert "deeper than 64" in answer.json["message"]
    figure(record_property, "JSON nested 100,000 deep", answer)


def test_nesting_inside_strings_does_not_count(backend, alive):
    body = json.dumps({"NameContains": "[" * 1000}).encode()
    answer = exchange(backend.url, sagemaker_head(backend.url, "ListAutoMLJobs", len(body)), body)

    assert answer.status == 400  # NameContains is too long for the model, but nesting is not the reason
    assert "deeper" not in answer.json["message"]


def test_invalid_json_is_a_validation_error(backend, alive):
    body = b'{"NameContains": "x'
    answer = exchange(backend.url, sagemaker_head(backend.url, "ListAutoMLJobs", len(body)), body)

    assert_json_error(answer, 400, "ValidationException")


def test_50_mb_job_name_error_body_is_bounded(backend, alive, record_property):
    name = "-" * 50_000_000  # fails length and pattern: twice echoed before values were cut
    body = json.dumps({"AutoMLJobName": name}).encode()
    answer = exchange(backend.url, sagemaker_head(backend.url, "DescribeAutoMLJobV2", len(body)), body)

    assert_json_error(answer, 400, "ValidationException")
    assert len(answer.body) <= ERROR_BODY_BOUND
    figure(record_property, "50 MB AutoMLJobName (DescribeAutoMLJobV2)", answer)


def test_50_mb_name_in_create_error_body_is_bounded(backend, alive, record_property):
    request = {
        "AutoMLJobName": "n" * 50_000_000,
        "AutoMLJobInputDataConfig": [
            {
                "ChannelType": "training",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/k"}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://b/out/"},
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "AutoMLProblemTypeConfig": {"TabularJobConfig": {"TargetAttributeName": "y"}},
    }
    body = json.dumps(request).encode()
    answer = exchange(backend.url, sagemaker_head(backend.url, "CreateAutoMLJobV2", len(body)), body)

    assert_json_error(answer, 400, "ValidationException")
    assert len(answer.body) <= ERROR_BODY_BOUND
    figure(record_property, "50 MB AutoMLJobName (CreateAutoMLJobV2)", answer)


@pytest.mark.parametrize("action", ["DoesNotExist", "Describe<script>", "A" * 5000])
def test_unknown_action_is_json_unknown_operation(backend, alive, record_property, action):
    answer = exchange(backend.url, sagemaker_head(backend.url, action, 2), b"{}")

    assert_json_error(answer, 400, "UnknownOperationException")
    assert not answer.body.lstrip().startswith(b"<")
    assert len(answer.body) <= ERROR_BODY_BOUND
    figure(record_property, f"unknown action ({len(action)} characters)", answer)


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n", 431),
    ],
    ids=["not-http", "http-9.9", "70k-request-line", "120-headers"],
)
def test_what_http_itself_refuses_is_a_short_json_error(backend, alive, record_property, head, status):
    answer = exchange(backend.url, head)

    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/x-amz-json-1.1"
    assert answer.json["__type"] == "BadRequest" and answer.json["message"]
    assert len(answer.body) < 1024  # the 70 KB request line is not echoed
    figure(record_property, f"HTTP-level refusal {status}", answer)


def test_sagemaker_target_on_a_get_is_json(backend, alive):
    answer = exchange(backend.url, sagemaker_head(backend.url, "ListAutoMLJobs", None, method="GET"))

    assert_json_error(answer, 400, "UnknownOperationException")


def test_unknown_action_through_boto3_is_unknown_operation(backend, alive, sagemaker):
    from botocore.exceptions import ClientError

    # A real client calling an action the model has, but the backend (moto) does not emulate.
    with pytest.raises(ClientError) as caught:
        sagemaker.describe_hub(HubName="nope")

    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
