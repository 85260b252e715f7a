"""Reading an image classification channel: image bytes and labels, as a DataFrame.

Two layouts:

- ``AugmentedManifestFile`` (what Autopilot documents): JSON Lines, one image per line, its S3 URI in
  ``source-ref`` and its label in the Ground Truth style ``<attribute>-metadata.class-name``
  (``{"source-ref": "s3://b/cats/1.jpg", "label": 0, "label-metadata": {"class-name": "cat"}}``), or, with
  no such metadata, in the one other attribute (``{"source-ref": "...", "class": "cat"}``);
- ``S3Prefix`` / ``ManifestFile`` naming ``.png`` / ``.jpg`` / ``.jpeg`` objects: the name of the folder
  holding an image is its label (``s3://b/train/cat/1.jpg`` -> ``cat``), the convention SageMaker Canvas
  uses for image datasets.

Every object is read with a bound (per image and against the job's decode budget); nothing is decoded
here (see images.py) and no key becomes a path.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

from automl_local.data import S3, DataError, channel_keys, split_uri
from automl_local.errors import show
from automl_local.images import MAX_IMAGE_BYTES
from automl_local.limits import MIB, format_size, json_too_deep
from automl_local.spec import Channel

if TYPE_CHECKING:
    import pandas as pd

MAX_IMAGES = 20_000  # per channel; the engine decodes and featurises each one on 2 cores
MAX_LABELS = 1_000
MAX_LABEL_CHARS = 256
MAX_MANIFEST_BYTES = 64 * MIB  # 20,000 lines of a few hundred bytes need about 5 MiB
MAX_LINE_DEPTH = 16  # a manifest line is a flat record; deeper nesting is refused before json.loads
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
COLUMNS = ("image", "label", "source")


def read_images(s3: S3, channel: Channel) -> pd.DataFrame:
    """Columns ``image`` (bytes), ``label`` (str) and ``source`` (the image's S3 URI)."""
    import pandas as pd

    if channel.s3_data_type == "AugmentedManifestFile":
        entries = _manifest_entries(s3, channel)
    else:
        entries = _folder_entries(s3, channel)
    if not entries:
        raise DataError(f"The {channel.channel_type} channel ({channel.s3_uri}) names no images.")
    if len(entries) > MAX_IMAGES:
        raise DataError(
            f"The {channel.channel_type} channel names {len(entries)} images; the local backend trains on "
            f"up to {MAX_IMAGES} per channel."
        )
    labels = {label for _, _, label in entries}
    if len(labels) > MAX_LABELS:
        raise DataError(
            f"The {channel.channel_type} channel has {len(labels)} distinct labels; the local backend "
            f"handles up to {MAX_LABELS}."
        )
    rows = [(fetch_image(s3, bucket, key), label, f"s3://{bucket}/{key}") for bucket, key, label in entries]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def fetch_image(s3: S3, bucket: str, key: str) -> bytes:
    """One image's bytes, refused past MAX_IMAGE_BYTES or the job's decode budget before it is read."""
    return _bounded_read(s3, bucket, key, MAX_IMAGE_BYTES, "image")


def _bounded_read(s3: S3, bucket: str, key: str, cap: int, what: str) -> bytes:
    """An object's bytes (no decompression), at most ``cap`` and the job's budget, charged to it."""
    from botocore.exceptions import BotoCoreError, ClientError

    uri = f"s3://{bucket}/{key}"
    limit = min(cap, s3.budget.room())
    too_big = (
        f"The {what} {uri} has more than {format_size(cap)}; the local backend reads {what}s up to that size."
        if limit == cap
        else s3.budget.exceeded(uri)
    )
    try:
        found = s3.client.get_object(Bucket=bucket, Key=key)
    except ClientError as err:
        raise DataError(f"Could not read {uri}: {err.response['Error']['Code']}.") from err
    except BotoCoreError as err:
        raise DataError(f"Could not read {uri}: {err}.") from err
    body = found["Body"]
    try:
        if int(found.get("ContentLength") or 0) > limit:
            raise DataError(too_big)
        data = bytes(body.read(limit + 1))  # bounded even if the length header lied
    except (BotoCoreError, OSError) as err:
        raise DataError(f"Could not read {uri}: {err}.") from err
    finally:
        body.close()
    if len(data) > limit:
        raise DataError(too_big)
    s3.budget.charge(len(data))
    return data


def _folder_entries(s3: S3, channel: Channel) -> list[tuple[str, str, str]]:
    entries = []
    skipped = 0
    for bucket, key in channel_keys(s3, channel):
        if not key.lower().endswith(IMAGE_SUFFIXES):
            skipped += 1
            continue
        parts = key.split("/")
        if len(parts) < 2 or not parts[-2]:
            raise DataError(
                f"The image s3://{bucket}/{key} is not in a folder: with {channel.s3_data_type} data, the "
                "folder holding an image names its label (s3://bucket/prefix/<label>/<image>.png). Or use an "
                "AugmentedManifestFile."
            )
        entries.append((bucket, key, _checked_label(parts[-2], f"s3://{bucket}/{key}")))
    if not entries and skipped:
        raise DataError(
            f"The {channel.channel_type} channel ({channel.s3_uri}) holds {skipped} objects but no "
            f"{'/'.join(IMAGE_SUFFIXES)} image."
        )
    return entries


def _manifest_entries(s3: S3, channel: Channel) -> list[tuple[str, str, str]]:
    bucket, key = split_uri(channel.s3_uri)
    body = _bounded_read(s3, bucket, key, MAX_MANIFEST_BYTES, "augmented manifest")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"The augmented manifest {channel.s3_uri} is not UTF-8 text: {err}.") from None
    entries: list[tuple[str, str, str]] = []
    for number, line in enumerate(io.StringIO(text), start=1):  # line by line: no list of all lines
        if not line.strip():
            continue
        if len(entries) >= MAX_IMAGES:  # stop parsing: read_images reports the count
            entries.append(("", "", ""))
            break
        where = f"line {number} of the augmented manifest {channel.s3_uri}"
        record = _record(line, where)
        source = record.get("source-ref")
        if not isinstance(source, str) or not source.startswith("s3://"):
            raise DataError(f"{where} has no 'source-ref' holding an s3:// URI of the image.")
        image_bucket, image_key = split_uri(source)
        if not image_bucket or not image_key:
            raise DataError(f"{where}: 'source-ref' {show(source)} does not name an S3 object.")
        entries.append((image_bucket, image_key, _label(record, where)))
    return entries


def _record(line: str, where: str) -> dict[str, Any]:
    raw = line.encode()
    if json_too_deep(raw, MAX_LINE_DEPTH):
        raise DataError(
            f"{where} nests deeper than {MAX_LINE_DEPTH} levels; a manifest line is a flat record."
        )
    try:
        record = json.loads(raw)
    except ValueError as err:
        raise DataError(f"{where} is not JSON: {err}.") from None
    if not isinstance(record, dict):
        raise DataError(f"{where} is not a JSON object.")
    return record


def _label(record: dict[str, Any], where: str) -> str:
    named = [
        value["class-name"]
        for name, value in record.items()
        if name.endswith("-metadata") and isinstance(value, dict) and "class-name" in value
    ]
    if len(named) == 1:
        return _checked_label(named[0], where)
    others = [name for name in record if name != "source-ref" and not name.endswith("-metadata")]
    if not named and len(others) == 1:
        return _checked_label(record[others[0]], where)
    raise DataError(
        f"{where} does not name one label: expected a '<attribute>-metadata' object with a 'class-name' "
        f"(as Ground Truth writes it) or a single attribute besides 'source-ref'; found "
        f"{show(sorted(record))}."
    )


def _checked_label(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DataError(f"{where}: the label {show(value)} is not a string or an integer.")
    label = str(value)
    if not label or len(label) > MAX_LABEL_CHARS:
        raise DataError(f"{where}: a label has 1 to {MAX_LABEL_CHARS} characters, not {len(label)}.")
    return label
