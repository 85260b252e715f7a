"""Reading job input from (and writing artifacts to) the S3 the same server answers.

Problems with the data raise :class:`DataError`; the job then ends Failed with its message as the
FailureReason, as Autopilot does.
"""

from __future__ import annotations

import gzip
import io
import json
from typing import TYPE_CHECKING, Any

from automl_local.spec import PARQUET, Channel

if TYPE_CHECKING:
    import pandas as pd

# Credentials are not checked by the server; any pair reaches the default moto account.
LOCAL_KEY = "automl-local"


class DataError(Exception):
    """Input data cannot be used; the message becomes the job's FailureReason."""


def split_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise DataError(f"Invalid S3 URI: {uri!r}. Expected s3://bucket/key.")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


class S3:
    """A small boto3 S3 wrapper pointed at the local server."""

    def __init__(self, *, endpoint_url: str, region: str = "us-east-1") -> None:
        import boto3
        from botocore.config import Config

        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}),
            aws_access_key_id=LOCAL_KEY,
            aws_secret_access_key=LOCAL_KEY,
        )

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        from botocore.exceptions import ClientError

        keys: list[str] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                keys.extend(obj["Key"] for obj in page.get("Contents", []))
        except ClientError as err:
            raise DataError(
                f"Could not list s3://{bucket}/{prefix}: {err.response['Error']['Code']}."
            ) from err
        return keys

    def get(self, bucket: str, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return bytes(self.client.get_object(Bucket=bucket, Key=key)["Body"].read())
        except ClientError as err:
            raise DataError(f"Could not read s3://{bucket}/{key}: {err.response['Error']['Code']}.") from err

    def put(self, uri: str, body: bytes) -> None:
        from botocore.exceptions import ClientError

        bucket, key = split_uri(uri)
        try:
            self.client.put_object(Bucket=bucket, Key=key, Body=body)
        except ClientError as err:
            if err.response["Error"]["Code"] != "NoSuchBucket":
                raise
            self.client.create_bucket(Bucket=bucket)
            self.client.put_object(Bucket=bucket, Key=key, Body=body)


def channel_keys(s3: S3, channel: Channel) -> list[tuple[str, str]]:
    """(bucket, key) of every object a channel names: a prefix listing or a manifest's entries."""
    bucket, key = split_uri(channel.s3_uri)
    if channel.s3_data_type == "ManifestFile":
        try:
            manifest = json.loads(s3.get(bucket, key))
            base = manifest[0]["prefix"]
            entries = [str(item) for item in manifest[1:]]
        except (ValueError, KeyError, IndexError, TypeError) as err:
            raise DataError(
                f"Invalid manifest file {channel.s3_uri}: expected a JSON list "
                '[{"prefix": "s3://bucket/prefix/"}, "relative/key", ...].'
            ) from err
        base_bucket, base_prefix = split_uri(base)
        return [(base_bucket, base_prefix + entry) for entry in entries]
    keys = [k for k in s3.list_keys(bucket, key) if not k.endswith("/")]
    if not keys:
        raise DataError(f"No objects found under {channel.s3_uri} for the {channel.channel_type} channel.")
    return [(bucket, k) for k in sorted(keys)]


def _decode(body: bytes, channel: Channel, key: str) -> pd.DataFrame:
    import pandas as pd

    if channel.compression == "Gzip" or body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except OSError as err:
            raise DataError(
                f"s3://{key} is not valid Gzip data (CompressionType {channel.compression!r})."
            ) from err
    if not body.strip():
        raise DataError(f"The input file {key} of the {channel.channel_type} channel is empty.")
    parquet = (channel.content_type or "").replace(" ", "") == PARQUET or body[:4] == b"PAR1"
    try:
        if parquet:
            return pd.read_parquet(io.BytesIO(body))
        return pd.read_csv(io.BytesIO(body))
    except Exception as err:  # pandas raises many types for bad data; the job reports it, the server lives
        kind = "Parquet" if parquet else "CSV (with a header row)"
        raise DataError(
            f"Could not read {key} of the {channel.channel_type} channel as {kind}: {err}"
        ) from err


def read_channel(s3: S3, channel: Channel) -> pd.DataFrame:
    import pandas as pd

    frames = []
    for bucket, key in channel_keys(s3, channel):
        frames.append(_decode(s3.get(bucket, key), channel, f"{bucket}/{key}"))
    columns = list(frames[0].columns)
    for frame in frames[1:]:
        if list(frame.columns) != columns:
            raise DataError(
                f"Input files of the {channel.channel_type} channel have different columns: "
                f"{columns!r} vs {list(frame.columns)!r}."
            )
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if frame.empty:
        raise DataError(f"The {channel.channel_type} channel ({channel.s3_uri}) holds no data rows.")
    return frame


def require_columns(frame: pd.DataFrame, columns: dict[str, Any], channel: str) -> None:
    """Fail with the column's role named, e.g. {'TargetAttributeName': 'y'}."""
    for role, column in columns.items():
        if column is not None and column not in frame.columns:
            raise DataError(
                f"{role} {column!r} is not a column of the {channel} data; "
                f"columns are {list(frame.columns)!r}."
            )
