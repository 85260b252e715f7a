"""Predict a CSV with a candidate's model.tar.gz: proof that the candidates are real models.

The model is loaded only when it carries the signature of the backend whose data dir is
``--data-dir`` (its key is there); the job and artifacts come from the running backend
(``--endpoint-url``) or from that data dir.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from automl_local import auth
from automl_local.artifacts import MAX_ARTIFACT_BYTES, UntrustedArtifactError
from automl_local.data import LOCAL_KEY, DataError, split_uri
from automl_local.models import Fetch, load_candidate, mirror_fetch
from automl_local.paths import UnsafePathError
from automl_local.signing import SigningKeyError, load_key
from automl_local.store import ARTIFACTS_DIR, JOBS_DIR, job_file

JOB_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}")
CANDIDATE_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}")


class PredictError(Exception):
    """What the user is told, one line, exit code 1."""


def _check_names(args: argparse.Namespace) -> None:
    # Refused before anything is read: these names reach file paths and API calls.
    if not JOB_NAME.fullmatch(args.job):
        raise PredictError(
            f"--job {args.job!r} is not an AutoML job name (1-32 letters, digits and hyphens, "
            "starting and ending with a letter or digit)"
        )
    if args.candidate is not None and not CANDIDATE_NAME.fullmatch(args.candidate):
        raise PredictError(
            f"--candidate {args.candidate!r} is not a candidate name (1-64 letters, digits and hyphens, "
            "starting and ending with a letter or digit)"
        )


def _from_endpoint(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any], Fetch]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:  # the key a backend started with credentials checks; any pair reaches one without
        credentials = auth.credentials_from(argparse.Namespace(access_key_id=None, secret_access_key=None))
    except ValueError as err:
        raise PredictError(str(err)) from None
    kwargs: dict[str, Any] = {
        "endpoint_url": args.endpoint_url,
        "region_name": args.region,
        "aws_access_key_id": credentials.access_key_id if credentials else LOCAL_KEY,
        "aws_secret_access_key": credentials.secret_access_key if credentials else LOCAL_KEY,
    }
    sagemaker, s3 = boto3.client("sagemaker", **kwargs), boto3.client("s3", **kwargs)
    try:
        job = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=args.job)
        if args.candidate:
            found = sagemaker.list_candidates_for_auto_ml_job(
                AutoMLJobName=job["AutoMLJobName"], CandidateNameEquals=args.candidate
            )["Candidates"]
            entry = found[0] if found else None
        else:
            entry = job.get("BestCandidate")
    except (BotoCoreError, ClientError) as err:
        raise PredictError(f"the backend at {args.endpoint_url} answered: {err}") from None
    if entry is None:
        raise PredictError(f"no candidate {args.candidate or '(best)'} in job {args.job!r} yet")

    def fetch(url: str) -> bytes:
        bucket, key = split_uri(url)
        try:
            found = s3.get_object(Bucket=bucket, Key=key)
            size = found["ContentLength"]
            if size > MAX_ARTIFACT_BYTES:
                raise UntrustedArtifactError(
                    f"refusing to load {url}: it has {size} bytes, over {MAX_ARTIFACT_BYTES}"
                )
            return bytes(found["Body"].read())
        except (BotoCoreError, ClientError) as err:
            raise PredictError(f"cannot read {url}: {err}") from None

    return dict(job), dict(entry), fetch


def _from_data_dir(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any], Fetch]:
    from automl_local.api import AutoMLApi

    path = job_file(args.data_dir / JOBS_DIR, args.job)
    if not path.is_file():
        raise PredictError(f"job {args.job!r} not found in {args.data_dir / JOBS_DIR}")
    record = json.loads(path.read_text())
    if args.candidate:
        entry = next((c for c in record["Candidates"] if c["CandidateName"] == args.candidate), None)
    else:
        entry = AutoMLApi.best_candidate(record)
    if entry is None:
        raise PredictError(f"no candidate {args.candidate or '(best)'} in job {args.job!r}")
    return record, entry, mirror_fetch(args.data_dir / ARTIFACTS_DIR)


def _predict(args: argparse.Namespace) -> None:
    _check_names(args)
    key = load_key(args.data_dir)
    record, entry, fetch = _from_endpoint(args) if args.endpoint_url else _from_data_dir(args)
    loaded = load_candidate(record, entry, key=key, fetch=fetch)
    import pandas as pd

    predictions = loaded.model.predict(pd.read_csv(args.input))
    manifest = loaded.manifest
    print(
        f"# candidate {manifest['candidate']} ({manifest['model']}), validation "
        f"{manifest['objective_metric']}={manifest['validation_metrics'][manifest['objective_metric']]:.4f}",
        file=sys.stderr,
    )
    predictions.to_csv(args.output if args.output else sys.stdout, index=False)


def run_predict(args: argparse.Namespace) -> int:
    try:
        _predict(args)
    except (
        PredictError,
        UntrustedArtifactError,
        SigningKeyError,
        UnsafePathError,
        LookupError,
        DataError,
    ) as err:
        print(f"automl-local: {err}", file=sys.stderr)
        return 1
    return 0
