"""A candidate's artifacts (explainability, model insights, backtest results): where they are,
reading them from S3 within limits, and what of them the view can draw.

Autopilot writes each kind under an S3 prefix named in ``CandidateArtifactLocations``. The view
lists a few files per prefix and reads the small JSON and CSV ones: feature importances become a
bar chart, metrics a table, a CSV its first rows. Locations come from the job itself, never from
the browser, and every read is bounded in count and size.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

KIND_LABELS = {
    "Explainability": "Explainability",
    "ModelInsights": "Model insights",
    "BacktestResults": "Backtest results",
}
MAX_FILES = 20  # listed per location
MAX_READS = 4  # read per location
MAX_BYTES = 1024 * 1024  # a bigger file is listed, not read
MAX_BARS = 30
MAX_CSV_ROWS = 20
READABLE = (".json", ".csv")
S3_CONSOLE = "https://s3.console.aws.amazon.com/s3/buckets"


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``("bucket", "key")``; ValueError for anything else."""
    bucket, _, key = uri[5:].partition("/") if uri.startswith("s3://") else ("", "", "")
    if not bucket:
        raise ValueError(f"Not an S3 URI: {uri!r}")
    return bucket, key


def s3_console_url(uri: str) -> str | None:
    """The S3 console page (commercial partition) of a prefix or object; None for a non-S3 URI."""
    try:
        bucket, key = split_s3_uri(uri)
    except ValueError:
        return None
    return f"{S3_CONSOLE}/{quote(bucket, safe='')}?prefix={quote(key, safe='/')}"


def artifact_locations(locations: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``CandidateArtifactLocations`` as ``[{"kind", "label", "uri"}]``, known kinds first."""
    known = [k for k in KIND_LABELS if k in locations]
    others = sorted(k for k in locations if k not in KIND_LABELS)
    return [
        {"kind": kind, "label": KIND_LABELS.get(kind, kind), "uri": str(locations[kind])}
        for kind in (*known, *others)
        if isinstance(locations[kind], str) and locations[kind].startswith("s3://")
    ]


# -- what can be drawn -------------------------------------------------------------------------


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _named_numbers(values: Any) -> list[tuple[str, float]]:
    if not isinstance(values, Mapping):
        return []
    found = [(str(k), _finite(v)) for k, v in values.items()]
    return [(k, v) for k, v in found if v is not None]


def feature_importances(document: Any) -> list[tuple[str, float]] | None:
    """Feature importances, largest magnitude first, from the shapes Autopilot and the emulator write.

    - ``{"feature_importances": {feature: value}}`` (the local backend's ``explanations.json``);
    - SageMaker Clarify's ``analysis.json``:
      ``{"explanations": {"kernel_shap": {label: {"global_shap_values": {feature: value}}}}}``
      (the first label).
    """
    if not isinstance(document, Mapping):
        return None
    found = _named_numbers(document.get("feature_importances"))
    if not found:
        shap = document.get("explanations")
        labels = shap.get("kernel_shap") if isinstance(shap, Mapping) else None
        for per_label in labels.values() if isinstance(labels, Mapping) else ():
            if isinstance(per_label, Mapping):
                found = _named_numbers(per_label.get("global_shap_values"))
                if found:
                    break
    if not found:
        return None
    found.sort(key=lambda item: (-abs(item[1]), item[0]))
    return found[:MAX_BARS]


def metric_table(document: Any) -> list[tuple[str, float]] | None:
    """``{"validation_metrics": {name: value}}`` (model insights) as ``[(name, value)]``."""
    if not isinstance(document, Mapping):
        return None
    found = _named_numbers(document.get("validation_metrics"))
    return found or None


def csv_preview(text: str, *, rows: int = MAX_CSV_ROWS) -> dict[str, Any]:
    """The header and first ``rows`` rows of a CSV text."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    body: list[list[str]] = []
    for row in reader:
        if len(body) >= rows:
            break
        body.append(row)
    return {"header": header, "rows": body}


def render(name: str, data: bytes, *, truncated: bool = False) -> dict[str, Any] | None:
    """What the view draws for a file: bars, a table, a CSV preview; None when nothing fits."""
    lower = name.lower()
    if lower.endswith(".csv"):
        text = data.decode("utf-8", errors="replace")
        if truncated:  # the last line may be cut
            text = text.rsplit("\n", 1)[0]
        return {"type": "csv", **csv_preview(text)}
    if not lower.endswith(".json") or truncated:
        return None
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return None
    bars = feature_importances(document)
    if bars:
        return {
            "type": "bars",
            "title": "Feature importance",
            "items": [{"name": k, "value": v} for k, v in bars],
        }
    table = metric_table(document)
    if table:
        return {"type": "table", "title": "Validation metrics", "rows": [[k, v] for k, v in table]}
    return None


# -- reading from S3 ---------------------------------------------------------------------------


def read_location(
    s3: S3Hook,
    uri: str,
    *,
    max_files: int = MAX_FILES,
    max_reads: int = MAX_READS,
    max_bytes: int = MAX_BYTES,
) -> dict[str, Any]:
    """The files under the prefix ``uri`` (at most ``max_files``) and, for the first
    ``max_reads`` small JSON / CSV ones, what :func:`render` makes of them.

    An S3 error is reported in ``"error"`` instead of raised, so one unreadable location does
    not hide the others.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    result: dict[str, Any] = {"uri": uri, "files": [], "truncated": False, "error": None}
    try:
        bucket, key = split_s3_uri(uri)
        prefix = key.rstrip("/") + "/" if key else ""
        client = s3.get_conn()
        listing = client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=max_files + 1)
        objects = listing.get("Contents") or []
        result["truncated"] = len(objects) > max_files or bool(listing.get("IsTruncated"))
        reads = 0
        for item in objects[:max_files]:
            name = str(item["Key"])[len(prefix) :]
            size = int(item.get("Size") or 0)
            entry: dict[str, Any] = {"name": name, "uri": f"s3://{bucket}/{item['Key']}", "size": size}
            if reads < max_reads and size <= max_bytes and name.lower().endswith(READABLE):
                reads += 1
                body = client.get_object(Bucket=bucket, Key=item["Key"], Range=f"bytes=0-{max_bytes - 1}")
                data = body["Body"].read(max_bytes + 1)
                entry["rendered"] = render(name, data[:max_bytes], truncated=len(data) > max_bytes)
            result["files"].append(entry)
    except (ClientError, BotoCoreError, ValueError) as err:
        result["error"] = str(err)
    return result
