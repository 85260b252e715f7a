"""A TimeSeriesForecasting job trains statsforecast candidates with backtested quantile metrics."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.conftest import BUCKET, ROLE_ARN, unique

pytestmark = [pytest.mark.integration, pytest.mark.slow]

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")
pytest.importorskip("statsforecast")


def weekly_sales(days: int = 70) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frames = []
    for item, level in (("store-a", 50.0), ("store-b", 120.0)):
        t = np.arange(days)
        demand = level + 0.2 * t + 0.2 * level * np.sin(2 * np.pi * t / 7) + rng.normal(0, 2, days)
        frames.append(
            pd.DataFrame(
                {
                    "item": item,
                    "day": pd.date_range("2025-01-01", periods=days, freq="D").strftime("%Y-%m-%d"),
                    "demand": demand.round(2),
                    "promo": rng.integers(0, 2, days),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_time_series_job_forecasts_with_quantiles(
    sagemaker, put_frame, wait_for_job, local_backend, tmp_path
):
    frame = weekly_sales()
    uri = put_frame(frame, "datasets/sales/train.csv")
    name = unique("it-ts")
    sagemaker.create_auto_ml_job_v2(
        AutoMLJobName=name,
        AutoMLJobInputDataConfig=[
            {
                "ChannelType": "training",
                "ContentType": "text/csv;header=present",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/ts-output/"},
        RoleArn=ROLE_ARN,
        AutoMLProblemTypeConfig={
            "TimeSeriesForecastingJobConfig": {
                "ForecastFrequency": "1D",
                "ForecastHorizon": 7,
                "ForecastQuantiles": ["p10", "p50", "p90"],
                "TimeSeriesConfig": {
                    "TargetAttributeName": "demand",
                    "TimestampAttributeName": "day",
                    "ItemIdentifierAttributeName": "item",
                },
                "CandidateGenerationConfig": {
                    "AlgorithmsConfig": [{"AutoMLAlgorithms": ["arima", "ets", "npts", "deepar"]}]
                },
            }
        },
    )
    job = wait_for_job(name, timeout=240)

    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    assert job["AutoMLProblemTypeConfigName"] == "TimeSeriesForecasting"
    assert job["ResolvedAttributes"]["AutoMLJobObjective"]["MetricName"] == "AverageWeightedQuantileLoss"
    assert any("deepar" in p["PartialFailureMessage"] for p in job["PartialFailureReasons"])
    best = job["BestCandidate"]
    assert best["FinalAutoMLJobObjectiveMetric"]["Type"] == "Minimize"
    assert best["FinalAutoMLJobObjectiveMetric"]["Value"] < 0.1  # a real forecaster on a clean weekly signal
    metrics = {m["MetricName"] for m in best["CandidateProperties"]["CandidateMetrics"]}
    assert {"AverageWeightedQuantileLoss", "WAPE", "RMSE", "MAPE", "MASE"} <= metrics
    assert best["CandidateProperties"]["CandidateArtifactLocations"]["BacktestResults"].startswith(
        f"s3://{BUCKET}/ts-output/{name}/"
    )
    names = [
        c["CandidateName"]
        for c in sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=name)["Candidates"]
    ]
    assert [n.rsplit("-", 1)[-1] for n in names] == ["AutoARIMA", "AutoETS", "SeasonalNaive", "Ensemble"]
    with pytest.raises(ClientError) as caught:
        sagemaker.describe_auto_ml_job(AutoMLJobName=name)
    assert caught.value.response["Error"]["Code"] == "ValidationException"

    history = tmp_path / "history.csv"
    frame.to_csv(history, index=False)
    import automl_local

    root = str(Path(automl_local.__file__).resolve().parents[1])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "automl_local",
            "predict",
            "--data-dir",  # the backend's signing key is there
            str(local_backend.data_dir),
            "--endpoint-url",
            local_backend.url,
            "--job",
            name,
            "--input",
            str(history),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONPATH": root},
    )
    assert result.returncode == 0, result.stderr
    forecast = pd.read_csv(io.StringIO(result.stdout))
    assert list(forecast.columns) == ["item", "day", "mean", "p10", "p50", "p90"]
    assert len(forecast) == 14
    assert (forecast["p10"] <= forecast["p90"]).all()
    assert (
        forecast.groupby("item")["mean"].mean()["store-b"]
        > forecast.groupby("item")["mean"].mean()["store-a"]
    )
