"""Load a candidate's model.tar.gz and predict a CSV: proof that the candidates are real models."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from automl_local.artifacts import read_manifest, unpack
from automl_local.data import LOCAL_KEY, split_uri


def _candidate(containers: list[dict[str, Any]]) -> list[str]:
    return [c["ModelDataUrl"] for c in containers if c.get("ModelDataUrl")]


def _from_endpoint(args: argparse.Namespace) -> tuple[list[str], Any]:
    import boto3

    sagemaker = boto3.client(
        "sagemaker",
        endpoint_url=args.endpoint_url,
        region_name=args.region,
        aws_access_key_id=LOCAL_KEY,
        aws_secret_access_key=LOCAL_KEY,
    )
    s3 = boto3.client(
        "s3",
        endpoint_url=args.endpoint_url,
        region_name=args.region,
        aws_access_key_id=LOCAL_KEY,
        aws_secret_access_key=LOCAL_KEY,
    )
    if args.candidate:
        found = sagemaker.list_candidates_for_auto_ml_job(
            AutoMLJobName=args.job, CandidateNameEquals=args.candidate
        )["Candidates"]
        if not found:
            raise SystemExit(f"automl-local: no candidate {args.candidate!r} in job {args.job!r}")
        candidate = found[0]
    else:
        candidate = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=args.job).get("BestCandidate")
        if candidate is None:
            raise SystemExit(f"automl-local: job {args.job!r} has no BestCandidate yet")

    def fetch(uri: str) -> bytes:
        bucket, key = split_uri(uri)
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    return _candidate(list(candidate.get("InferenceContainers", []))), fetch  # type: ignore[arg-type]


def _from_data_dir(args: argparse.Namespace) -> tuple[list[str], Any]:
    import json

    from automl_local.api import AutoMLApi

    path = args.data_dir / "jobs" / f"{args.job}.json"
    if not path.is_file():
        raise SystemExit(f"automl-local: job {args.job!r} not found under {args.data_dir}")
    record = json.loads(path.read_text())
    if args.candidate:
        entry = next((c for c in record["Candidates"] if c["CandidateName"] == args.candidate), None)
    else:
        entry = AutoMLApi.best_candidate(record)
    if entry is None:
        raise SystemExit(f"automl-local: no such candidate in job {args.job!r}")

    def fetch(uri: str) -> bytes:
        bucket, key = split_uri(uri)
        return (Path(args.data_dir) / "artifacts" / bucket / key).read_bytes()

    return _candidate(entry.get("InferenceContainers", [])), fetch


def load_candidate_model(urls: list[str], fetch: Any) -> tuple[Any, dict[str, Any]]:
    """The container artifact holding the whole model (HPO candidates also ship a data-processing one)."""
    for url in dict.fromkeys(urls):
        body = fetch(url)
        if read_manifest(body).get("kind") == "model":
            return unpack(body)
    raise SystemExit("automl-local: none of the candidate's containers holds a local-backend model")


def run_predict(args: argparse.Namespace) -> int:
    urls, fetch = _from_endpoint(args) if args.endpoint_url else _from_data_dir(args)
    model, manifest = load_candidate_model(urls, fetch)
    frame = pd.read_csv(args.input)
    predictions = model.predict(frame)
    print(
        f"# candidate {manifest['candidate']} ({manifest['model']}), validation "
        f"{manifest['objective_metric']}={manifest['validation_metrics'][manifest['objective_metric']]:.4f}",
        file=sys.stderr,
    )
    if args.output:
        predictions.to_csv(args.output, index=False)
    else:
        predictions.to_csv(sys.stdout, index=False)
    return 0
