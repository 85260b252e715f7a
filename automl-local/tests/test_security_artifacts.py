"""Trusted artifacts: a model.tar.gz a client wrote (in S3 or over the data dir's copy) is never unpickled.

Any S3 client can overwrite a candidate's model.tar.gz. The payload used here writes a marker file
when it is unpickled; the tests show it is live, then that predict refuses it and the marker never
appears.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from automl_local.artifacts import MANIFEST_FILE, MODEL_FILE, UNTRUSTED, pack
from automl_local.process import LocalBackendProcess
from automl_local.signing import KEY_BYTES, KEY_FILE, SigningKey
from tests.conftest import tabular_v2_request, unique

pytestmark = [pytest.mark.integration, pytest.mark.security]


class Payload:
    """Unpickling this runs code: it writes ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"open({self.marker!r}, 'w').write('unpickled')",))


def _tarball(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _members(body: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def _payloads(genuine: bytes, marker: Path) -> dict[str, bytes]:
    """What an attacker who can read and write the bucket can upload."""
    import joblib

    pickled = io.BytesIO()
    joblib.dump(Payload(marker), pickled)
    members = _members(genuine)
    manifest = json.loads(members[MANIFEST_FILE])
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    other_key = SigningKey(os.urandom(KEY_BYTES), Path("attacker") / KEY_FILE)  # their own backend's key
    return {
        "unsigned": _tarball({MODEL_FILE: pickled.getvalue(), MANIFEST_FILE: json.dumps(unsigned).encode()}),
        "other-key": pack(Payload(marker), unsigned, key=other_key),
        "genuine-manifest": _tarball({MODEL_FILE: pickled.getvalue(), MANIFEST_FILE: members[MANIFEST_FILE]}),
        "bare-pickle": pickled.getvalue(),
    }


@pytest.fixture(scope="module")
def victim(sagemaker: Any, wait_for_job: Any, breast_cancer_uri: str) -> dict[str, Any]:
    """A completed job of our own (the tests overwrite its artifacts, then put them back)."""
    name = unique("sec-victim")
    sagemaker.create_auto_ml_job_v2(
        **tabular_v2_request(
            name, breast_cancer_uri, Mode="HYPERPARAMETER_TUNING", CompletionCriteria={"MaxCandidates": 2}
        )
    )
    job = wait_for_job(name)
    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    return dict(job)


def _model_url(job: dict[str, Any]) -> str:
    return str(job["BestCandidate"]["InferenceContainers"][1]["ModelDataUrl"])


def _split(url: str) -> tuple[str, str]:
    bucket, key = url[len("s3://") :].split("/", 1)
    return bucket, key


@pytest.fixture
def rows(tmp_path: Path) -> Path:
    from sklearn.datasets import load_breast_cancer

    path = tmp_path / "rows.csv"
    load_breast_cancer(as_frame=True).frame.drop(columns="target").head(5).to_csv(path, index=False)
    return path


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


@pytest.fixture
def restore_model(s3: Any, local_backend: LocalBackendProcess, victim: dict[str, Any]) -> Iterator[bytes]:
    """The genuine artifact's bytes; afterwards S3 and the data dir's copy hold them again."""
    bucket, key = _split(_model_url(victim))
    genuine = bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    mirror = local_backend.data_dir / "artifacts" / bucket / key
    assert mirror.read_bytes() == genuine
    yield genuine
    s3.put_object(Bucket=bucket, Key=key, Body=genuine)
    mirror.write_bytes(genuine)


def test_signing_key_is_owner_only(local_backend):
    info = (local_backend.data_dir / KEY_FILE).stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert info.st_size == KEY_BYTES


def test_the_payload_is_live(restore_model, tmp_path):
    # Control: unpickled without the signature check, the payload does run.
    import joblib

    marker = tmp_path / "live"
    joblib.load(io.BytesIO(_members(_payloads(restore_model, marker)["unsigned"])[MODEL_FILE]))
    assert marker.read_text() == "unpickled"


def test_signed_model_predicts_from_server_and_data_dir(local_backend, victim, rows):
    for source in (["--endpoint-url", local_backend.url], []):
        result = _predict(
            "--data-dir",
            str(local_backend.data_dir),
            *source,
            "--job",
            victim["AutoMLJobName"],
            "--input",
            str(rows),
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0] == "predicted_label,probability"


@pytest.mark.parametrize("variant", ["unsigned", "other-key", "genuine-manifest", "bare-pickle"])
def test_payload_uploaded_over_the_model_in_s3_is_refused(
    s3, sagemaker, local_backend, victim, restore_model, rows, tmp_path, variant
):
    url = _model_url(victim)
    marker = tmp_path / "pwned"
    bucket, key = _split(url)
    s3.put_object(Bucket=bucket, Key=key, Body=_payloads(restore_model, marker)[variant])

    result = _predict(
        "--data-dir", str(local_backend.data_dir), "--endpoint-url", local_backend.url,
        "--job", victim["AutoMLJobName"], "--input", str(rows),
    )  # fmt: skip

    assert result.returncode == 1
    assert f"automl-local: refusing to load {url}: " in result.stderr
    if variant != "bare-pickle":
        assert UNTRUSTED in result.stderr
    assert "Traceback" not in result.stderr
    assert not marker.exists()
    # The server still answers, and still describes the job as it was.
    assert (
        sagemaker.describe_auto_ml_job_v2(AutoMLJobName=victim["AutoMLJobName"])["BestCandidate"]
        == (victim["BestCandidate"])
    )


@pytest.mark.parametrize("variant", ["unsigned", "genuine-manifest"])
def test_payload_written_over_the_data_dir_copy_is_refused(
    sagemaker, local_backend, victim, restore_model, rows, tmp_path, variant
):
    url = _model_url(victim)
    marker = tmp_path / "pwned"
    (local_backend.data_dir / "artifacts" / url[len("s3://") :]).write_bytes(
        _payloads(restore_model, marker)[variant]
    )

    result = _predict(
        "--data-dir", str(local_backend.data_dir), "--job", victim["AutoMLJobName"], "--input", str(rows)
    )

    assert result.returncode == 1
    assert f"automl-local: refusing to load {url}: {UNTRUSTED}" in result.stderr
    assert not marker.exists()
    assert sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=victim["AutoMLJobName"])["Candidates"]


def test_signed_model_of_another_candidate_is_refused(
    s3, sagemaker, local_backend, victim, restore_model, rows
):
    # Signed by this backend, but copied over another candidate's location: still refused.
    name = victim["AutoMLJobName"]
    candidates = sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=name)["Candidates"]
    other = next(c for c in candidates if c["CandidateName"] != victim["BestCandidate"]["CandidateName"])
    other_bucket, other_key = _split(other["InferenceContainers"][1]["ModelDataUrl"])
    url = _model_url(victim)
    bucket, key = _split(url)
    s3.put_object(
        Bucket=bucket, Key=key, Body=s3.get_object(Bucket=other_bucket, Key=other_key)["Body"].read()
    )

    result = _predict(
        "--data-dir", str(local_backend.data_dir), "--endpoint-url", local_backend.url,
        "--job", victim["AutoMLJobName"], "--input", str(rows),
    )  # fmt: skip

    assert result.returncode == 1
    assert (
        f"refusing to load {url}: it holds the model of candidate {other['CandidateName']!r}" in result.stderr
    )


def test_predict_without_the_backends_key_is_refused(local_backend, victim, rows, tmp_path):
    result = _predict(
        "--data-dir", str(tmp_path), "--endpoint-url", local_backend.url,
        "--job", victim["AutoMLJobName"], "--input", str(rows),
    )  # fmt: skip
    assert result.returncode == 1
    assert f"no signing key at {tmp_path / KEY_FILE}" in result.stderr


@pytest.mark.parametrize(
    ("mode", "size", "expected"),
    [
        (0o644, KEY_BYTES, "has mode 0644; the signing key must be readable and writable by its owner only"),
        (0o640, KEY_BYTES, "has mode 0640"),
        (0o600, 5, f"holds 5 bytes, not {KEY_BYTES}"),
    ],
)
def test_backend_refuses_to_start_with_an_unsafe_key_file(tmp_path, mode, size, expected):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    key = data_dir / KEY_FILE
    key.write_bytes(os.urandom(size))
    key.chmod(mode)
    backend = LocalBackendProcess(data_dir, startup_timeout=60)
    with pytest.raises(RuntimeError) as caught:
        backend.start()
    assert backend.process is not None and backend.process.returncode == 2
    assert f"automl-local: {key} {expected}" in str(caught.value)
    assert "Traceback" not in str(caught.value)
    assert key.read_bytes() and stat.S_IMODE(key.stat().st_mode) == mode  # left as it was


def test_predict_signs_with_the_credentials_a_backend_checks(tmp_path, rows):
    from automl_local.auth import ACCESS_KEY_ENV, SECRET_KEY_ENV, Credentials

    key = Credentials("AKIAPREDICTTEST01", "predict/secret")
    with LocalBackendProcess(tmp_path / "data", credentials=key) as backend:
        args = ["--data-dir", str(tmp_path / "data"), "--endpoint-url", backend.url, "--job", "nope"]
        env = {k: v for k, v in os.environ.items() if k not in (ACCESS_KEY_ENV, SECRET_KEY_ENV)}
        unsigned = subprocess.run(
            [sys.executable, "-m", "automl_local", "predict", *args, "--input", str(rows)],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        signed = subprocess.run(
            [sys.executable, "-m", "automl_local", "predict", *args, "--input", str(rows)],
            capture_output=True, text=True, timeout=120,
            env={**env, ACCESS_KEY_ENV: key.access_key_id, SECRET_KEY_ENV: key.secret_access_key},
        )  # fmt: skip
    # Without the key the backend refuses the call; with it, the call gets through to the lookup.
    assert unsigned.returncode == 1 and "UnrecognizedClientException" in unsigned.stderr
    assert signed.returncode == 1 and "ResourceNotFound" in signed.stderr, signed.stderr
    assert key.secret_access_key not in signed.stderr + unsigned.stderr
