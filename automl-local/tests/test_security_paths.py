"""Containment: no request makes the backend write or read a file outside its --data-dir.

The backend's data dir is nested (``<root>/a/b/data``) so a write that escapes it by a few ``..``
(or by an absolute key) lands in ``<root>``, where the tests look for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from automl_local.jobs import ArtifactWriter
from automl_local.paths import UnsafePathError, inside, mirror_path
from automl_local.store import JobStore
from tests.conftest import BUCKET, ExtraBackend, tabular_v1_request, tabular_v2_request, unique

pytestmark = [pytest.mark.integration, pytest.mark.security]

BUCKET_RULE_WORDS = "S3 bucket names have 3-63 characters"
KEY_RULE_WORDS = "without empty ('//'), '.' or '..' segments"
OUTPUT = "OutputDataConfig.S3OutputPath"
V2_INPUT = "AutoMLJobInputDataConfig[{}].DataSource.S3DataSource.S3Uri"
V1_INPUT = "InputDataConfig[{}].DataSource.S3DataSource.S3Uri"


class Jail:
    def __init__(self, root: Path, backend: ExtraBackend) -> None:
        self.root = root
        self.data_dir = root / "a" / "b" / "data"
        self.backend = backend
        self.sagemaker = backend.sagemaker
        self.s3 = backend.s3

    def outside(self) -> list[str]:
        """Every path under root that is neither the data dir, one of its parents, nor inside it."""
        keep = {self.data_dir, *self.data_dir.parents}
        return sorted(
            str(p.relative_to(self.root))
            for p in self.root.rglob("*")
            if p not in keep and not p.is_relative_to(self.data_dir)
        )

    def job_files(self) -> list[str]:
        return sorted(p.name for p in (self.data_dir / "jobs").iterdir())


@pytest.fixture(scope="module")
def jail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Jail]:
    from sklearn.datasets import load_breast_cancer

    root = tmp_path_factory.mktemp("jail")
    backend = ExtraBackend(root / "a" / "b" / "data", [], {}).start()
    try:
        backend.s3.create_bucket(Bucket=BUCKET)
        body = load_breast_cancer(as_frame=True).frame.to_csv(index=False).encode()
        backend.s3.put_object(Bucket=BUCKET, Key="bc/train.csv", Body=body)
        yield Jail(root, backend)
    finally:
        backend.stop()


def _train_uri() -> str:
    return f"s3://{BUCKET}/bc/train.csv"


def _request(
    api: str, name: str, output: str | None = None, inputs: list[str] | None = None
) -> dict[str, Any]:
    if api == "v2":
        request = tabular_v2_request(name, _train_uri(), Mode="HYPERPARAMETER_TUNING")
    else:
        request = tabular_v1_request(name, _train_uri())
    if output is not None:
        request["OutputDataConfig"]["S3OutputPath"] = output
    channels = request["AutoMLJobInputDataConfig" if api == "v2" else "InputDataConfig"]
    for index, uri in enumerate(inputs or []):
        if index == len(channels):
            channels.append({**channels[0], "ChannelType": "validation"})
            channels[0] = {**channels[0], "ChannelType": "training"}
        channels[index] = {
            **channels[index],
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
        }
    return request


def _create(jail: Jail, api: str, request: dict[str, Any]) -> None:
    if api == "v2":
        jail.sagemaker.create_auto_ml_job_v2(**request)
    else:
        jail.sagemaker.create_auto_ml_job(**request)


def _assert_refused(jail: Jail, api: str, request: dict[str, Any], field: str, value: str, rule: str) -> str:
    name = request["AutoMLJobName"]
    jobs_before = jail.job_files()
    with pytest.raises(ClientError) as caught:
        _create(jail, api, request)
    error = caught.value.response["Error"]
    assert (error["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "ValidationException",
        400,
    )
    assert f"Invalid {field}: {value!r}" in error["Message"]
    assert rule in error["Message"]
    # Nothing was created: no job, no record, no file anywhere outside (or inside) the data dir.
    with pytest.raises(ClientError) as missing:
        jail.sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFound"
    assert jail.job_files() == jobs_before
    assert jail.outside() == []
    return str(error["Message"])


def _escapes(jail: Jail) -> list[str]:
    absolute = str(jail.root / "escaped").lstrip("/")  # s3://bucket//<root>/escaped/: an absolute path
    return [
        f"s3://{BUCKET}/../../../x/",
        f"s3://{BUCKET}//{absolute}/",
        f"s3://{BUCKET}/out/../../../../x/",
        f"s3://{BUCKET}/out/./x/",
        f"s3://{BUCKET}/out//",
        f"s3://{BUCKET}/..\\..\\x/",
    ]


@pytest.mark.parametrize("api", ["v2", "v1"])
@pytest.mark.parametrize("attack", range(6))
def test_output_path_that_would_escape_is_refused_and_writes_nothing(jail, api, attack):
    value = _escapes(jail)[attack]
    request = _request(api, unique("sec-out"), output=value)
    _assert_refused(jail, api, request, OUTPUT, value, KEY_RULE_WORDS)


@pytest.mark.parametrize(
    ("api", "inputs", "field"),
    [
        ("v2", [f"s3://{BUCKET}/../../x/train.csv"], V2_INPUT.format(0)),
        ("v2", [f"s3://{BUCKET}/bc/train.csv", f"s3://{BUCKET}/data//val.csv"], V2_INPUT.format(1)),
        ("v1", [f"s3://{BUCKET}/./bc/"], V1_INPUT.format(0)),
        ("v1", [f"s3://{BUCKET}/bc/train.csv", f"s3://{BUCKET}/bc/.."], V1_INPUT.format(1)),
    ],
)
def test_input_uri_with_dot_or_empty_segments_is_refused(jail, api, inputs, field):
    request = _request(api, unique("sec-in"), inputs=inputs)
    _assert_refused(jail, api, request, field, inputs[-1], KEY_RULE_WORDS)


@pytest.mark.parametrize(
    "bucket",
    [
        "ab",
        "a" * 64,
        "My-Bucket",
        "bucket_name",
        "-bucket",
        "bucket-",
        "my..bucket",
        "192.168.1.1",
        "xn--bucket",
        "sthree-bucket",
        "bucket-s3alias",
        "bucket--ol-s3",
        "..",
    ],
)
def test_invalid_bucket_names_are_refused(jail, bucket):
    value = f"s3://{bucket}/out/"
    message = _assert_refused(
        jail, "v2", _request("v2", unique("sec-bucket"), output=value), OUTPUT, value, ""
    )
    assert f"bucket {bucket!r}" in message and BUCKET_RULE_WORDS in message
    inputs = [f"s3://{bucket}/train/"]
    request = _request("v2", unique("sec-bucket"), inputs=inputs)
    _assert_refused(jail, "v2", request, V2_INPUT.format(0), inputs[0], BUCKET_RULE_WORDS)


def test_valid_job_writes_only_inside_the_data_dir_and_server_still_answers(jail):
    # The control: the same check sees a real job's files, all inside the data dir.
    name = unique("sec-ok")
    request = _request("v2", name, output=f"s3://{BUCKET}/out.v1/x-y/")
    request["AutoMLProblemTypeConfig"]["TabularJobConfig"]["CompletionCriteria"] = {"MaxCandidates": 1}
    jail.sagemaker.create_auto_ml_job_v2(**request)
    job = _wait(jail, name)
    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    model_url = job["BestCandidate"]["InferenceContainers"][1]["ModelDataUrl"]
    assert model_url.startswith(f"s3://{BUCKET}/out.v1/x-y/{name}/")
    assert (jail.data_dir / "artifacts" / model_url[len("s3://") :]).is_file()
    assert jail.outside() == []
    assert name in {
        s["AutoMLJobName"] for s in jail.sagemaker.list_auto_ml_jobs(MaxResults=100)["AutoMLJobSummaries"]
    }


@pytest.mark.parametrize("data_type", ["S3Prefix", "ManifestFile"])
def test_input_keys_that_cannot_be_mirrored_are_only_read(jail, data_type):
    # S3 holds keys with '..', '//' and '.' literally; the job reads them and never makes them paths.
    import json

    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    keys = ["trav/../../../x/part1.csv", "trav//abs/part2.csv", "trav/./part3.csv"]
    for key, part in zip(keys, (frame.iloc[:200], frame.iloc[200:400], frame.iloc[400:]), strict=True):
        jail.s3.put_object(Bucket=BUCKET, Key=key, Body=part.to_csv(index=False).encode())
    uri = f"s3://{BUCKET}/trav/"
    if data_type == "ManifestFile":
        manifest = [{"prefix": uri}, *(k[len("trav/") :] for k in keys)]
        jail.s3.put_object(Bucket=BUCKET, Key="manifests/trav.json", Body=json.dumps(manifest).encode())
        uri = f"s3://{BUCKET}/manifests/trav.json"
    name = unique("sec-keys")
    output = f"s3://{BUCKET}/keys-out/"
    request = _request("v2", name, output=output)
    request["AutoMLJobInputDataConfig"][0]["DataSource"]["S3DataSource"] = {
        "S3DataType": data_type,
        "S3Uri": uri,
    }
    request["AutoMLProblemTypeConfig"]["TabularJobConfig"]["CompletionCriteria"] = {"MaxCandidates": 1}
    jail.sagemaker.create_auto_ml_job_v2(**request)

    job = _wait(jail, name)

    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    assert jail.outside() == []
    mirrored = [
        p.relative_to(jail.data_dir / "artifacts").as_posix()
        for p in (jail.data_dir / "artifacts").rglob("*.*")
    ]
    assert mirrored and all(p.startswith(f"{BUCKET}/") and "/trav" not in p for p in mirrored)
    assert [p for p in mirrored if "/keys-out/" in p and name in p]


def _wait(jail: Jail, name: str, timeout: float = 120) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout
    while True:
        job = jail.sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name)
        if job["AutoMLJobStatus"] in ("Completed", "Failed", "Stopped") or time.monotonic() > deadline:
            return dict(job)
        time.sleep(0.2)


# -- predict arguments -----------------------------------------------------------------------------


def _predict(*args: str) -> subprocess.CompletedProcess[str]:
    import automl_local

    root = str(Path(automl_local.__file__).resolve().parents[1])
    return subprocess.run(
        [sys.executable, "-m", "automl_local", "predict", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": root},
    )


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["--job", "../../x"], "--job '../../x' is not an AutoML job name"),
        (["--job", "x/../../../etc/passwd"], "is not an AutoML job name"),
        (["--job", "ok", "--candidate", "../x"], "--candidate '../x' is not a candidate name"),
        (["--job", "ok", "--candidate", "a/../../b"], "is not a candidate name"),
    ],
)
@pytest.mark.parametrize("through_server", [False, True], ids=["data-dir", "endpoint"])
def test_predict_refuses_names_that_are_not_names(jail, tmp_path, names, expected, through_server):
    # A decoy where '../../x' would lead from <data-dir>/jobs: it must never be read.
    decoy = jail.data_dir.parent / "x.json"
    decoy.write_text("{}")
    try:
        rows = tmp_path / "rows.csv"
        rows.write_text("a\n1\n")
        server = ["--endpoint-url", jail.backend.process.url] if through_server else []
        result = _predict("--data-dir", str(jail.data_dir), *server, *names, "--input", str(rows))
    finally:
        decoy.unlink()
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_predict_needs_the_data_dir(tmp_path):
    result = _predict("--endpoint-url", "http://127.0.0.1:9", "--job", "x", "--input", "x.csv")
    assert result.returncode == 2
    assert "--data-dir" in result.stderr


# -- the last line: helpers refuse even when the request checks are bypassed ------------------------


class _RecordingS3:
    def __init__(self) -> None:
        self.puts: list[str] = []

    def put(self, uri: str, body: bytes) -> None:
        self.puts.append(uri)


@pytest.mark.parametrize(
    "uri",
    [
        f"s3://{BUCKET}/../../../x/model.tar.gz",
        f"s3://{BUCKET}//tmp/x/model.tar.gz",
        "s3://../x/model.tar.gz",
        f"s3://{BUCKET}/a/./b",
        f"s3://{BUCKET}/",
    ],
)
def test_artifact_writer_refuses_before_writing_anything(tmp_path, uri):
    mirror = tmp_path / "data" / "artifacts"
    mirror.mkdir(parents=True)
    s3 = _RecordingS3()
    with pytest.raises(UnsafePathError):
        ArtifactWriter(s3=s3, mirror_dir=mirror).write(uri, b"x")
    assert s3.puts == []
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_symlinks_do_not_lead_out_of_the_data_dir(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("not yours")
    mirror = tmp_path / "data" / "artifacts"
    (mirror / BUCKET).mkdir(parents=True)
    (mirror / BUCKET / "link").symlink_to(outside)
    (mirror / BUCKET / "file-link").symlink_to(outside / "secret")
    with pytest.raises(UnsafePathError, match="resolves outside"):
        mirror_path(mirror, BUCKET, "link/model.tar.gz")
    s3 = _RecordingS3()
    writer = ArtifactWriter(s3=s3, mirror_dir=mirror)
    with pytest.raises(UnsafePathError):
        writer.write(f"s3://{BUCKET}/link/model.tar.gz", b"x")
    assert writer.restore() == 0  # the linked file is not restored into S3 either
    assert s3.puts == [] and sorted(p.name for p in outside.iterdir()) == ["secret"]


def test_job_records_stay_in_the_jobs_dir(tmp_path):
    store = JobStore(data_dir=tmp_path / "data")
    for name in ("../../escaped", "/tmp/escaped", "a/../../b"):
        with pytest.raises(UnsafePathError):
            store.create({"AutoMLJobName": name, "AutoMLJobStatus": "InProgress", "LastModifiedTime": 0})
        assert store.get(name) is None
    with pytest.raises(UnsafePathError):
        inside(store.jobs_dir, "..")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert list(store.jobs_dir.iterdir()) == []
