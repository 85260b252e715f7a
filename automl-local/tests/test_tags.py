"""Tags on AutoML jobs: given at create, then AddTags / ListTags / DeleteTags on the job's ARN, with
SageMaker's limits and errors; other resources' tags stay moto's."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import BUCKET, ROLE_ARN, client_kwargs, tabular_v1_request, tabular_v2_request, unique
from tests.shape_check import RawAnswers, assert_valid_answer

pytestmark = pytest.mark.integration

FANCY_TAGS = [
    {"Key": "Größe", "Value": "東京 ünïcödé ٣"},
    {"Key": "team:ml/owner@example.com", "Value": "a+b-c=d._:/@"},
    {"Key": "empty-value", "Value": ""},
    {"Key": "with space", "Value": "two words"},
]


@pytest.fixture(scope="module")
def unchecked(local_backend: Any) -> Any:
    """A client that sends what it is given: the server's own validation answers."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 1}, parameter_validation=False)
    return boto3.client("sagemaker", config=config, **client_kwargs(local_backend.url))


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error
    return error["Code"], error["Message"]


def all_tags(sagemaker: Any, arn: str) -> list[dict[str, str]]:
    return list(sagemaker.list_tags(ResourceArn=arn)["Tags"])


def definitions_only_job(sagemaker: Any, uri: str, *, tags: list[dict[str, str]] | None = None) -> str:
    request = tabular_v2_request(unique("it-tags"), uri, GenerateCandidateDefinitionsOnly=True)
    if tags is not None:
        request["Tags"] = tags
    return str(sagemaker.create_auto_ml_job_v2(**request)["AutoMLJobArn"])


def test_v2_job_created_with_unicode_tags_lists_them(sagemaker, breast_cancer_uri):
    arn = definitions_only_job(sagemaker, breast_cancer_uri, tags=FANCY_TAGS)

    assert all_tags(sagemaker, arn) == FANCY_TAGS


def test_v1_job_created_with_tags_lists_them(sagemaker, breast_cancer_uri):
    name = unique("it-tags-v1")
    request = tabular_v1_request(name, breast_cancer_uri, GenerateCandidateDefinitionsOnly=True)
    arn = sagemaker.create_auto_ml_job(**request, Tags=FANCY_TAGS[:2])["AutoMLJobArn"]

    assert all_tags(sagemaker, arn) == FANCY_TAGS[:2]
    assert sagemaker.describe_auto_ml_job(AutoMLJobName=name)["AutoMLJobArn"] == arn


def test_a_job_without_tags_lists_none(sagemaker, breast_cancer_uri):
    arn = definitions_only_job(sagemaker, breast_cancer_uri)

    assert sagemaker.list_tags(ResourceArn=arn)["Tags"] == []


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([{"Key": "bang!", "Value": "v"}], "regular expression pattern"),
        ([{"Key": "k", "Value": "semi;colon"}], "regular expression pattern"),
        ([{"Key": "", "Value": "v"}], "length greater than or equal to 1"),
        ([{"Key": "aws:reserved", "Value": "v"}], "reserved"),
        ([{"Key": "twice", "Value": "a"}, {"Key": "twice", "Value": "b"}], "Duplicate tag keys"),
        ([{"Key": f"k{i}", "Value": "v"} for i in range(51)], "less than or equal to 50"),
    ],
)
def test_bad_tags_at_create_are_validation_errors_and_no_job_is_made(
    sagemaker, unchecked, breast_cancer_uri, tags, expected
):
    name = unique("it-badtag")
    request = tabular_v2_request(name, breast_cancer_uri, GenerateCandidateDefinitionsOnly=True)

    code, message = error_of(unchecked.create_auto_ml_job_v2, **request, Tags=tags)

    assert code == "ValidationException"
    assert expected in message
    code, _ = error_of(sagemaker.describe_auto_ml_job_v2, AutoMLJobName=name)
    assert code == "ResourceNotFound"


def test_add_overwrites_and_appends_delete_removes_and_every_answer_fits_the_shape(
    sagemaker, breast_cancer_uri
):
    arn = definitions_only_job(sagemaker, breast_cancer_uri, tags=[{"Key": "stage", "Value": "dev"}])
    raw = RawAnswers(sagemaker)

    with raw.recording():
        added = sagemaker.add_tags(
            ResourceArn=arn, Tags=[{"Key": "stage", "Value": "prod"}, {"Key": "owner", "Value": "Zoë"}]
        )
        listed = sagemaker.list_tags(ResourceArn=arn)
        deleted = sagemaker.delete_tags(ResourceArn=arn, TagKeys=["stage", "never-there"])
        after = sagemaker.list_tags(ResourceArn=arn)

    assert added["Tags"] == [{"Key": "stage", "Value": "prod"}, {"Key": "owner", "Value": "Zoë"}]
    assert listed["Tags"] == added["Tags"]
    assert after["Tags"] == [{"Key": "owner", "Value": "Zoë"}]
    assert_valid_answer(sagemaker, "AddTags", added, raw.last("AddTags"))
    assert_valid_answer(sagemaker, "ListTags", listed, raw.last("ListTags"))
    assert_valid_answer(sagemaker, "DeleteTags", deleted, raw.last("DeleteTags"))


def test_fifty_tags_fit_on_one_page_and_a_fifty_first_is_refused(sagemaker, breast_cancer_uri):
    arn = definitions_only_job(sagemaker, breast_cancer_uri, tags=[{"Key": "first", "Value": "1"}])
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": f"k{i:02d}", "Value": str(i)} for i in range(49)])

    page = sagemaker.list_tags(ResourceArn=arn, MaxResults=50)
    code, message = error_of(sagemaker.add_tags, ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "x"}])
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "first", "Value": "changed"}])  # an overwrite fits

    assert len(page["Tags"]) == 50 and "NextToken" not in page
    assert (code, "at most 50 tags" in message) == ("ValidationException", True)
    tags = all_tags(sagemaker, arn)
    assert len(tags) == 50 and tags[0] == {"Key": "first", "Value": "changed"}


def test_list_tags_pages_are_checked(sagemaker, unchecked, breast_cancer_uri):
    arn = definitions_only_job(sagemaker, breast_cancer_uri, tags=FANCY_TAGS)

    code, _ = error_of(sagemaker.list_tags, ResourceArn=arn, NextToken="not-a-token")
    assert code == "ValidationException"
    code, message = error_of(unchecked.list_tags, ResourceArn=arn, MaxResults=10)
    assert (code, "greater than or equal to 50" in message) == ("ValidationException", True)
    paginated = [
        t for page in sagemaker.get_paginator("list_tags").paginate(ResourceArn=arn) for t in page["Tags"]
    ]
    assert paginated == FANCY_TAGS


@pytest.mark.parametrize("action", ["list_tags", "add_tags", "delete_tags"])
def test_unknown_automl_job_arn_is_resource_not_found(sagemaker, action):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:automl-job/no-such-job-anywhere"
    extra = {
        "list_tags": {},
        "add_tags": {"Tags": [{"Key": "k", "Value": "v"}]},
        "delete_tags": {"TagKeys": ["k"]},
    }[action]

    code, message = error_of(getattr(sagemaker, action), ResourceArn=arn, **extra)

    assert code == "ResourceNotFound"
    assert "no-such-job-anywhere" in message


def test_another_accounts_arn_of_an_existing_job_is_not_found(sagemaker, breast_cancer_uri):
    arn = definitions_only_job(sagemaker, breast_cancer_uri)

    code, _ = error_of(sagemaker.list_tags, ResourceArn=arn.replace(":123456789012:", ":999999999999:"))

    assert code == "ResourceNotFound"


def test_bad_tag_input_is_a_validation_error(sagemaker, unchecked, breast_cancer_uri):
    arn = definitions_only_job(sagemaker, breast_cancer_uri)

    assert error_of(sagemaker.add_tags, ResourceArn=arn, Tags=[{"Key": "a|b", "Value": "v"}])[0] == (
        "ValidationException"
    )
    assert error_of(sagemaker.delete_tags, ResourceArn=arn, TagKeys=["aws:cloudformation:stack-name"])[0] == (
        "ValidationException"
    )
    assert (
        error_of(unchecked.add_tags, ResourceArn=arn, Tags=[{"Key": "no-value"}])[0] == "ValidationException"
    )
    assert error_of(unchecked.delete_tags, ResourceArn=arn, TagKeys=[])[0] == "ValidationException"
    assert all_tags(sagemaker, arn) == []


def test_tagging_does_not_touch_the_job(sagemaker, breast_cancer_uri, wait_for_job):
    arn = definitions_only_job(sagemaker, breast_cancer_uri)
    name = arn.rsplit("/", 1)[1]
    before = wait_for_job(name)

    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
    sagemaker.delete_tags(ResourceArn=arn, TagKeys=["k"])
    after = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name)

    # Pollers wake on LastModifiedTime: a tag change must not look like a job change.
    assert after["LastModifiedTime"] == before["LastModifiedTime"]


def test_other_resources_keep_their_tags_in_moto(sagemaker):
    model = unique("it-tag-model")
    arn = sagemaker.create_model(
        ModelName=model,
        ExecutionRoleArn=ROLE_ARN,
        PrimaryContainer={
            "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1",
            "ModelDataUrl": f"s3://{BUCKET}/m.tar.gz",
        },
    )["ModelArn"]

    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])

    assert sagemaker.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]


@pytest.mark.slow
def test_tags_survive_a_restart(extra_backend, tmp_path):
    from sklearn.datasets import load_breast_cancer

    data_dir = tmp_path / "tags-restart"
    first = extra_backend(data_dir=data_dir)
    first.s3.create_bucket(Bucket=BUCKET)
    frame = load_breast_cancer(as_frame=True).frame
    first.s3.put_object(Bucket=BUCKET, Key="bc/train.csv", Body=frame.to_csv(index=False).encode())
    arn = definitions_only_job(first.sagemaker, f"s3://{BUCKET}/bc/train.csv", tags=FANCY_TAGS[:1])
    first.sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "added", "Value": "later"}])
    assert first.stop() == 0

    second = extra_backend(data_dir=data_dir)

    assert all_tags(second.sagemaker, arn) == [*FANCY_TAGS[:1], {"Key": "added", "Value": "later"}]
