"""Reading job input from (and writing artifacts to) the S3 the same server answers.

Problems with the data raise :class:`DataError`; the job then ends Failed with its message as the
FailureReason, as Autopilot does. Input is decompressed as a stream with a bound (per object and
per job, :class:`~automl_local.limits.DecodeBudget`): a gzip bomb stops at the limit.
"""

from __future__ import annotations

import io
import itertools
import json
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from automl_local.auth import Credentials
from automl_local.limits import DecodeBudget, Limits
from automl_local.spec import IMAGES, PARQUET, Channel

if TYPE_CHECKING:
    import pandas as pd

# The key the backend's own clients use when the server checks no credentials (any pair is accepted).
LOCAL_KEY = "automl-local"
READ_CHUNK = 1024 * 1024


class DataError(Exception):
    """Input data cannot be used; the message becomes the job's FailureReason."""


def split_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise DataError(f"Invalid S3 URI: {uri!r}. Expected s3://bucket/key.")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


class S3:
    """A small boto3 S3 wrapper pointed at the local server.

    Make one per job: it carries the job's :class:`DecodeBudget` (decompressed bytes it may still read).
    """

    def __init__(
        self,
        *,
        endpoint_url: str,
        region: str = "us-east-1",
        credentials: Credentials | None = None,
        limits: Limits | None = None,
        verify: bool | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        credentials = credentials or Credentials(LOCAL_KEY, LOCAL_KEY)
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            verify=verify,
            region_name=region,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}),
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
        )
        self.budget = DecodeBudget(limits or Limits())

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

    def get(self, bucket: str, key: str, *, limit: int | None = None) -> bytes:
        """The object's bytes; DataError when it is larger than ``limit``."""
        from botocore.exceptions import ClientError

        try:
            found = self.client.get_object(Bucket=bucket, Key=key)
        except ClientError as err:
            raise DataError(f"Could not read s3://{bucket}/{key}: {err.response['Error']['Code']}.") from err
        if limit is not None and int(found.get("ContentLength") or 0) > limit:
            found["Body"].close()
            raise DataError(self.budget.exceeded(f"s3://{bucket}/{key}"))
        return bytes(found["Body"].read())

    def read_input(self, bucket: str, key: str, *, gzip: bool) -> bytes:
        """An input object's bytes, gunzipped when ``gzip`` or when it starts with gzip's magic.

        Decoded as a stream and charged to the job's budget: reading stops at the limit, so a small
        object that expands enormously never fills memory.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        uri = f"s3://{bucket}/{key}"
        room = self.budget.room()
        try:
            found = self.client.get_object(Bucket=bucket, Key=key)
        except ClientError as err:
            raise DataError(f"Could not read {uri}: {err.response['Error']['Code']}.") from err
        stream = found["Body"]
        try:
            if int(found.get("ContentLength") or 0) > room:  # even compressed it is too large
                raise DataError(self.budget.exceeded(uri))
            first = stream.read(READ_CHUNK)
            chunks = itertools.chain([first], iter(lambda: stream.read(READ_CHUNK), b""))
            if gzip or first[:2] == b"\x1f\x8b":
                data = _gunzip(chunks, room, uri, self.budget)
            else:
                data = b"".join(chunks)
        except (BotoCoreError, OSError) as err:
            raise DataError(f"Could not read {uri}: {err}.") from err
        finally:
            stream.close()
        if len(data) > room:
            raise DataError(self.budget.exceeded(uri))
        self.budget.charge(len(data))
        return data

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
            manifest = json.loads(s3.get(bucket, key, limit=s3.budget.object_limit))
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


def _gunzip(chunks: Iterable[bytes], room: int, uri: str, budget: DecodeBudget) -> bytes:
    """Gzip data (one member or several) decompressed up to ``room`` bytes, else DataError."""
    out: list[bytes] = []
    size = 0
    decoder = zlib.decompressobj(wbits=31)
    fed = ended = False  # fed: the current member has input; ended: a member has ended before
    for chunk in chunks:
        pending = chunk
        while pending:
            if ended and not fed:
                pending = pending.lstrip(b"\x00")  # zero padding after a member, as gzip allows
                if not pending:
                    break
            fed = True
            try:
                # At most a chunk per call (zlib joins its output buffers: a bigger call costs twice its
                # size) and never more than the room left (+1 to notice going over it).
                piece = decoder.decompress(pending, min(READ_CHUNK, room - size + 1))
            except zlib.error as err:
                raise DataError(f"{uri} is not valid Gzip data: {err}.") from None
            size += len(piece)
            if size > room:
                raise DataError(budget.exceeded(uri))
            out.append(piece)
            if decoder.eof:  # the next member, if any, starts in unused_data
                pending = decoder.unused_data
                decoder = zlib.decompressobj(wbits=31)
                fed, ended = False, True
            else:
                pending = decoder.unconsumed_tail
    if fed:
        raise DataError(f"{uri} is not valid Gzip data: it ends before the end of its compressed stream.")
    return b"".join(out)


def _decode(body: bytes, channel: Channel, key: str) -> pd.DataFrame:
    import pandas as pd

    if not body or body.isspace():  # (strip() would copy the whole body)
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

    if channel.media == IMAGES:  # image bytes and labels, not a table
        from automl_local.image_data import read_images

        return read_images(s3, channel)
    frames = []
    for bucket, key in channel_keys(s3, channel):
        body = s3.read_input(bucket, key, gzip=channel.compression == "Gzip")
        frames.append(_decode(body, channel, f"{bucket}/{key}"))
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
