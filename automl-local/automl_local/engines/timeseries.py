"""Time-series candidates: statsforecast's AutoARIMA (``arima``), AutoETS (``ets``) and SeasonalNaive
(standing in for ``npts``), plus their average as an ensemble, backtested on the last ForecastHorizon
points of every item with Autopilot's forecast metrics. ``cnn-qr``, ``deepar`` and ``prophet`` are
not trained here; asking for them is reported in PartialFailureReasons.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from automl_local.engines.base import CandidatePlan, Context, EngineDataError, TrainedModel
from automl_local.spec import TIME_SERIES_ALGORITHMS, TIME_SERIES_METRICS, JobSpec

TRAINED = {"arima": "AutoARIMA", "ets": "AutoETS", "npts": "SeasonalNaive"}
SEASONS = {"min": 60, "H": 24, "D": 7, "W": 52, "M": 12, "Y": 1}
PANDAS_UNITS = {"min": "min", "H": "h", "D": "D", "W": "W", "M": "MS", "Y": "YS"}


def pandas_frequency(frequency: str, timestamps: pd.Series) -> tuple[str, int]:
    """Autopilot's ForecastFrequency (e.g. '1D', 'W', '30min') -> pandas alias and season length."""
    match = re.fullmatch(r"(\d*)(min|H|D|W|M|Y)", frequency)
    if match is None:
        raise EngineDataError(f"Invalid ForecastFrequency: {frequency!r}.")
    count = int(match.group(1) or 1)
    unit = match.group(2)
    alias = PANDAS_UNITS[unit]
    if unit in ("M", "Y") and len(timestamps) and not bool(timestamps.dt.is_month_start.all()):
        alias = "ME" if unit == "M" else "YE"
    season = SEASONS[unit] if count == 1 else 1
    return (f"{count}{alias}" if count > 1 else alias), season


def quantile_columns(quantiles: list[str]) -> dict[str, tuple[str, int]]:
    """'p10' -> ('lo', 80): statsforecast gives symmetric prediction intervals by level."""
    found = {}
    for name in quantiles:
        q = int(name[1:]) / 100
        if q == 0.5:
            found[name] = ("mean", 0)
        elif q < 0.5:
            found[name] = ("lo", round(100 * (1 - 2 * q)))
        else:
            found[name] = ("hi", round(100 * (2 * q - 1)))
    return found


def forecast_metrics(
    actual: np.ndarray, mean: np.ndarray, quantiles: dict[str, np.ndarray], scale: float
) -> dict[str, float]:
    error = actual - mean
    total = float(np.sum(np.abs(actual))) or 1.0
    nonzero = actual != 0
    losses = []
    for name, values in quantiles.items():
        q = int(name[1:]) / 100
        diff = actual - values
        losses.append(2 * float(np.sum(np.maximum(q * diff, (q - 1) * diff))) / total)
    return {
        "AverageWeightedQuantileLoss": float(np.mean(losses)) if losses else 0.0,
        "WAPE": float(np.sum(np.abs(error))) / total,
        "RMSE": float(np.sqrt(np.mean(error**2))),
        "MAPE": float(np.mean(np.abs(error[nonzero] / actual[nonzero]))) if nonzero.any() else 0.0,
        "MASE": float(np.mean(np.abs(error))) / (scale or 1.0),
    }


class TimeSeriesModel:
    """statsforecast models fitted on the job's data; ``predict`` forecasts the given history."""

    def __init__(
        self,
        *,
        models: list[str],
        season: int,
        freq: str,
        horizon: int,
        quantiles: list[str],
        columns: dict[str, str],
        fitted: list[Any],
    ) -> None:
        self.models = models
        self.season = season
        self.freq = freq
        self.horizon = horizon
        self.quantiles = quantiles
        self.columns = columns
        self.fitted = fitted  # one StatsForecast per model, fitted on the training data

    def _long(self, frame: pd.DataFrame) -> pd.DataFrame:
        return to_long(frame, self.columns)

    def forecast(self, history: pd.DataFrame | None = None) -> pd.DataFrame:
        """Forecast ``horizon`` steps after the history (the training data when None)."""
        levels = sorted({level for _, level in quantile_columns(self.quantiles).values() if level})
        if history is None:
            raw = merge_forecasts([f.predict(h=self.horizon, level=levels or None) for f in self.fitted])
        else:
            raw = make_forecaster(self.models, self.season, self.freq).forecast(
                df=self._long(history), h=self.horizon, level=levels or None
            )
        return combine(raw, self.models, self.quantiles)

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = self.forecast(frame)
        return out.rename(columns={"unique_id": self.columns["item"], "ds": self.columns["timestamp"]})


def make_forecaster(models: list[str], season: int, freq: str) -> Any:
    from statsforecast import StatsForecast
    from statsforecast import models as sf_models

    built = [getattr(sf_models, name)(season_length=season) for name in models]
    return StatsForecast(models=built, freq=freq, n_jobs=1)


def merge_forecasts(frames: list[pd.DataFrame]) -> pd.DataFrame:
    merged = frames[0]
    for frame in frames[1:]:
        merged = merged.merge(frame, on=["unique_id", "ds"], how="inner")
    return merged


def combine(raw: pd.DataFrame, models: list[str], quantiles: list[str]) -> pd.DataFrame:
    """Average the models' point forecasts and interval bounds (one model: its own forecast)."""
    out = raw[["unique_id", "ds"]].copy()
    out["mean"] = np.mean([raw[m].to_numpy() for m in models], axis=0)
    for name, (side, level) in quantile_columns(quantiles).items():
        if side == "mean":
            out[name] = out["mean"]
        else:
            out[name] = np.mean([raw[f"{m}-{side}-{level}"].to_numpy() for m in models], axis=0)
    return out.reset_index(drop=True)


def to_long(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    item = frame[columns["item"]].astype(str)
    for group in columns.get("groups", "").split(",") if columns.get("groups") else []:
        item = item + "|" + frame[group].astype(str)
    long = pd.DataFrame(
        {
            "unique_id": item.to_numpy(),
            "ds": pd.to_datetime(frame[columns["timestamp"]], errors="coerce").to_numpy(),
            "y": pd.to_numeric(frame[columns["target"]], errors="coerce").to_numpy(),
        }
    )
    long = long.dropna(subset=["ds"])
    # Autopilot's default aggregation is a sum per timestamp; missing targets in the middle are zero.
    return long.groupby(["unique_id", "ds"], as_index=False)["y"].sum(min_count=1).fillna({"y": 0.0})


class TimeSeriesEngine:
    problem_type = None
    container_kind = "timeseries"
    training_status = "TrainingModels"

    def __init__(self, *, spec: JobSpec, train: pd.DataFrame, validation: pd.DataFrame | None) -> None:
        self.spec = spec
        config = spec.time_series
        ts = config["TimeSeriesConfig"]
        self.columns = {
            "target": ts["TargetAttributeName"],
            "timestamp": ts["TimestampAttributeName"],
            "item": ts["ItemIdentifierAttributeName"],
            "groups": ",".join(ts.get("GroupingAttributeNames") or []),
        }
        frame = train if validation is None else pd.concat([train, validation], ignore_index=True)
        roles = {
            "TargetAttributeName": self.columns["target"],
            "TimestampAttributeName": self.columns["timestamp"],
            "ItemIdentifierAttributeName": self.columns["item"],
        }
        for group in ts.get("GroupingAttributeNames") or []:
            roles[f"GroupingAttributeNames {group!r}"] = group
        for role, column in roles.items():
            if column not in frame.columns:
                raise EngineDataError(
                    f"{role} {column!r} is not a column of the training data; "
                    f"columns are {list(frame.columns)!r}."
                )
        if not pd.api.types.is_numeric_dtype(pd.to_numeric(frame[self.columns["target"]], errors="coerce")):
            raise EngineDataError(f"The target column {self.columns['target']!r} is not numeric.")
        self.metric = spec.objective_metric or TIME_SERIES_METRICS[0]
        self.horizon = int(config["ForecastHorizon"])
        self.quantiles = list(config["ForecastQuantiles"])
        long = to_long(frame, self.columns)
        if long.empty:
            raise EngineDataError(f"No rows with a parseable {self.columns['timestamp']!r} timestamp.")
        self.freq, season = pandas_frequency(config["ForecastFrequency"], long["ds"])
        lengths = long.groupby("unique_id").size()
        keep = lengths[lengths >= self.horizon + 3].index
        if len(keep) == 0:
            raise EngineDataError(
                f"Every item has fewer than ForecastHorizon + 3 = {self.horizon + 3} points; "
                "the backtest needs "
                "a history longer than the horizon."
            )
        self.long = long[long["unique_id"].isin(keep)].sort_values(["unique_id", "ds"]).reset_index(drop=True)
        shortest = int(lengths[keep].min()) - self.horizon
        self.season = season if season > 1 and shortest >= 2 * season else 1
        self.notes: list[str] = []
        dropped = len(lengths) - len(keep)
        if dropped:
            self.notes.append(f"{dropped} items with fewer than {self.horizon + 3} points were not forecast.")
        requested = list(spec.algorithms or TIME_SERIES_ALGORITHMS)
        missing = [a for a in requested if a not in TRAINED]
        if missing and spec.algorithms:
            self.notes.append(
                f"The local AutoML backend does not train {', '.join(missing)}; they were skipped."
            )
        self.algorithms = [a for a in requested if a in TRAINED]
        if not self.algorithms:
            raise EngineDataError(
                f"None of the requested AutoMLAlgorithms {requested!r} is trained by the local backend; it "
                f"trains {', '.join(TRAINED)}."
            )
        self.default_max_candidates = len(self.algorithms) + (1 if len(self.algorithms) > 1 else 0)
        self.history = self.long.groupby("unique_id", group_keys=False).apply(
            lambda g: g.iloc[: -self.horizon]
        )
        self.holdout = self.long.groupby("unique_id", group_keys=False).apply(
            lambda g: g.iloc[-self.horizon :]
        )
        self._cache: dict[str, tuple[pd.DataFrame, Any]] = {}

    def analysis(self) -> dict[str, Any]:
        return {
            "problem_type": "TimeSeriesForecasting",
            "objective_metric": self.metric,
            "items": int(self.long["unique_id"].nunique()),
            "points": len(self.long),
            "frequency": self.freq,
            "season_length": self.season,
            "forecast_horizon": self.horizon,
            "quantiles": self.quantiles,
        }

    def definitions(self) -> list[dict[str, Any]]:
        return [{"algorithm": a, "model": TRAINED[a], "season_length": self.season} for a in self.algorithms]

    def feature_engineering(self) -> bool:
        return False

    def _scale(self) -> float:
        """MASE denominator: in-sample seasonal naive error over the history."""
        m = self.season
        errors = []
        for _, group in self.history.groupby("unique_id"):
            y = group["y"].to_numpy()
            if len(y) > m:
                errors.append(np.abs(y[m:] - y[:-m]))
        return float(np.mean(np.concatenate(errors))) if errors else 1.0

    def _evaluate(self, models: list[str], raw: pd.DataFrame) -> tuple[dict[str, float], pd.DataFrame]:
        forecast = combine(raw, models, self.quantiles)
        merged = self.holdout.merge(forecast, on=["unique_id", "ds"], how="inner")
        if merged.empty:
            raise EngineDataError(
                f"The backtest forecast dates do not line up with the data; check ForecastFrequency "
                f"{self.spec.time_series['ForecastFrequency']!r} against the timestamps."
            )
        metrics = forecast_metrics(
            merged["y"].to_numpy(),
            merged["mean"].to_numpy(),
            {q: merged[q].to_numpy() for q in self.quantiles},
            self._scale(),
        )
        return metrics, merged

    def _fit_one(self, name: str) -> tuple[pd.DataFrame, Any]:
        """Backtest forecast and full-data fit of one model, cached for the ensemble."""
        if name not in self._cache:
            levels = sorted({level for _, level in quantile_columns(self.quantiles).values() if level})
            raw = make_forecaster([name], self.season, self.freq).forecast(
                df=self.history, h=self.horizon, level=levels or None
            )
            fitted = make_forecaster([name], self.season, self.freq).fit(df=self.long)
            self._cache[name] = (raw, fitted)
        return self._cache[name]

    def _train(self, models: list[str]) -> TrainedModel:
        started = time.monotonic()
        parts = [self._fit_one(name) for name in models]
        metrics, merged = self._evaluate(models, merge_forecasts([raw for raw, _ in parts]))
        fitted = [f for _, f in parts]
        model = TimeSeriesModel(
            models=models,
            season=self.season,
            freq=self.freq,
            horizon=self.horizon,
            quantiles=self.quantiles,
            columns=self.columns,
            fitted=fitted,
        )
        return TrainedModel(
            model=model,
            metrics=metrics,
            objective=metrics[self.metric],
            details={
                "train_seconds": round(time.monotonic() - started, 3),
                "backtest_csv": merged.rename(columns={"y": "target"}).to_csv(index=False),
            },
        )

    def plans(self, ctx: Context, max_candidates: int) -> Iterator[CandidatePlan]:
        for algorithm in self.algorithms[:max_candidates]:
            name = TRAINED[algorithm]
            yield CandidatePlan(
                algorithm=algorithm,
                label=name,
                hyperparameters={"season_length": self.season},
                train=functools.partial(self._train, [name]),
            )
        if len(self.algorithms) > 1 and max_candidates > len(self.algorithms):
            names = [TRAINED[a] for a in self.algorithms]
            yield CandidatePlan(
                algorithm="ensemble",
                label="Ensemble",
                hyperparameters={"members": names, "season_length": self.season},
                train=functools.partial(self._train, names),
            )
