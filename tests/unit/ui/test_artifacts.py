"""Artifacts: what the view draws from Autopilot's and the emulator's files, read within limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_automl.ui.artifacts import (
    artifact_locations,
    csv_preview,
    feature_importances,
    metric_table,
    read_location,
    render,
    s3_console_url,
    split_s3_uri,
)

CLARIFY = {
    "version": "1.0",
    "explanations": {
        "kernel_shap": {
            "label0": {
                "global_shap_values": {"tenure": 0.12, "charges": -0.3, "calls": 0.05},
                "expected_value": 0.4,
            }
        }
    },
}


def test_feature_importances_from_the_emulator_and_from_clarify() -> None:
    assert feature_importances({"feature_importances": {"a": 0.2, "b": 0.7, "c": float("nan")}}) == [
        ("b", 0.7),
        ("a", 0.2),
    ]
    # Largest magnitude first: a negative SHAP value matters as much as a positive one.
    assert feature_importances(CLARIFY) == [("charges", -0.3), ("tenure", 0.12), ("calls", 0.05)]
    assert feature_importances({"note": "this model type has no feature importances"}) is None
    assert feature_importances(["not", "a", "mapping"]) is None


def test_metric_table_and_csv_preview() -> None:
    assert metric_table({"validation_metrics": {"F1": 0.8, "AUC": 0.9, "x": "text"}}) == [
        ("F1", 0.8),
        ("AUC", 0.9),
    ]
    assert metric_table({"other": 1}) is None
    text = "item,timestamp,p50\n" + "".join(f"i{n},2024-01-0{n % 9 + 1},{n}\n" for n in range(30))
    preview = csv_preview(text, rows=3)
    assert preview["header"] == ["item", "timestamp", "p50"]
    assert preview["rows"] == [
        ["i0", "2024-01-01", "0"],
        ["i1", "2024-01-02", "1"],
        ["i2", "2024-01-03", "2"],
    ]


def test_render_picks_the_drawing_for_the_file() -> None:
    bars = render("explanations.json", json.dumps({"feature_importances": {"a": 1.0}}).encode())
    assert bars == {"type": "bars", "title": "Feature importance", "items": [{"name": "a", "value": 1.0}]}
    table = render("model_insights.json", json.dumps({"validation_metrics": {"F1": 0.5}}).encode())
    assert table == {"type": "table", "title": "Validation metrics", "rows": [["F1", 0.5]]}
    assert render("report.pdf", b"%PDF") is None
    assert render("broken.json", b"{not json") is None
    assert render("deep.json", b"[" * 100_000 + b"]" * 100_000) is None
    assert render("cut.json", b'{"feature_importances": {"a": 1', truncated=True) is None
    cut = render("forecast.csv", b"a,b\n1,2\n3,4", truncated=True)
    assert cut == {"type": "csv", "header": ["a", "b"], "rows": [["1", "2"]]}


def test_locations_known_kinds_first_and_s3_only() -> None:
    found = artifact_locations(
        {
            "ModelInsights": "s3://b/insights",
            "Other": "s3://b/other",
            "Explainability": "s3://b/explain",
            "NotS3": "https://example.com/x",
            "BacktestResults": "s3://b/backtest",
        }
    )
    assert [(f["kind"], f["label"]) for f in found] == [
        ("Explainability", "Explainability"),
        ("ModelInsights", "Model insights"),
        ("BacktestResults", "Backtest results"),
        ("Other", "Other"),
    ]


def test_s3_uris_and_console_links() -> None:
    assert split_s3_uri("s3://bucket/a/b") == ("bucket", "a/b")
    assert split_s3_uri("s3://bucket") == ("bucket", "")
    for bad in ("https://bucket/a", "s3://", "bucket/a"):
        with pytest.raises(ValueError, match="Not an S3 URI"):
            split_s3_uri(bad)
    assert (
        s3_console_url("s3://my-bucket/out/job 1/x")
        == "https://s3.console.aws.amazon.com/s3/buckets/my-bucket?prefix=out/job%201/x"
    )
    assert s3_console_url("file:///etc/passwd") is None


@pytest.fixture
def s3() -> Iterator[Any]:
    """An S3Hook on moto's in-process S3 (no network)."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook
    from moto import mock_aws

    with mock_aws():
        hook = S3Hook(aws_conn_id=None, region_name="us-east-1")
        hook.get_conn().create_bucket(Bucket="bucket")
        yield hook


def put(s3: Any, key: str, body: bytes) -> None:
    s3.get_conn().put_object(Bucket="bucket", Key=key, Body=body)


def test_read_location_lists_and_renders_within_limits(s3: Any) -> None:
    put(s3, "out/cand-1/explanations.json", json.dumps({"feature_importances": {"a": 0.5}}).encode())
    put(s3, "out/cand-1/report.pdf", b"%PDF-1.4")
    put(s3, "out/cand-1/big.json", b"[" + b"0," * 600 + b"0]")
    put(s3, "out/cand-10/explanations.json", b"{}")  # another candidate's prefix: not listed
    result = read_location(s3, "s3://bucket/out/cand-1", max_bytes=1000)
    assert result["error"] is None and result["truncated"] is False
    files = {f["name"]: f for f in result["files"]}
    assert sorted(files) == ["big.json", "explanations.json", "report.pdf"]
    assert files["explanations.json"]["rendered"]["type"] == "bars"
    assert files["explanations.json"]["uri"] == "s3://bucket/out/cand-1/explanations.json"
    assert "rendered" not in files["report.pdf"]
    assert "rendered" not in files["big.json"]  # over max_bytes: listed, not read


def test_read_location_caps_files_and_reads(s3: Any) -> None:
    for n in range(5):
        put(s3, f"p/f{n}.json", b"{}")
    result = read_location(s3, "s3://bucket/p/", max_files=3, max_reads=2)
    assert len(result["files"]) == 3 and result["truncated"] is True
    assert sum("rendered" in f for f in result["files"]) == 2


def test_read_location_reports_s3_errors_instead_of_raising(s3: Any) -> None:
    result = read_location(s3, "s3://no-such-bucket/x")
    assert result["files"] == []
    assert "NoSuchBucket" in result["error"]
    assert read_location(s3, "https://x")["error"] == "Not an S3 URI: 'https://x'"
