"""Tabular candidates: scikit-learn pipelines and LightGBM, tuned by FLAML (HYPERPARAMETER_TUNING) or
trained as a model zoo plus a greedy weighted ensemble (ENSEMBLING, the scheme of AutoGluon's
WeightedEnsemble_L2).

Autopilot's algorithm names map to what is installed: ``xgboost`` (HPO) is LightGBM's gradient boosted
trees, ``mlp``/``nn-torch``/``fastai`` are scikit-learn's MLP, ``xgboost``/``catboost`` (ENSEMBLING) are
scikit-learn's HistGradientBoosting. docs/local-backend.md lists the mapping.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from automl_local.engines.base import CandidatePlan, Context, EngineDataError, TrainedModel
from automl_local.spec import (
    BINARY,
    ENSEMBLING_ALGORITHMS,
    HPO_ALGORITHMS,
    MULTICLASS,
    REGRESSION,
    TABULAR_METRICS,
    JobSpec,
    metric_type,
)

MIN_ROWS = 20
DEFAULT_VALIDATION_FRACTION = 0.2
DEFAULT_HPO_CANDIDATES = 10
SEED = 20
AUTO_ENSEMBLING_LIMIT_BYTES = 100 * 1024 * 1024  # Autopilot's AUTO picks ENSEMBLING below 100 MB

ENSEMBLE_MODELS = {  # Autopilot algorithm -> model name in the leaderboard (deduplicated)
    "lightgbm": "LightGBM",
    "randomforest": "RandomForest",
    "extra-trees": "ExtraTrees",
    "linear-learner": "LinearModel",
    "xgboost": "HistGradientBoosting",
    "catboost": "HistGradientBoosting",
    "nn-torch": "NeuralNet",
    "fastai": "NeuralNet",
}
HPO_LABELS = {"xgboost": "xgb", "linear-learner": "ll", "mlp": "mlp"}
HPO_DEFAULTS = {
    "xgboost": lambda classify: {
        "n_estimators": 100,
        "num_leaves": 31,
        "learning_rate": 0.1,
        "min_child_samples": 20,
        "colsample_bytree": 1.0,
        "reg_lambda": 1e-3,
    },
    "linear-learner": lambda classify: {"C": 1.0} if classify else {"alpha": 1.0},
    "mlp": lambda classify: {"width": 64, "layers": 1, "alpha": 1e-4, "learning_rate_init": 1e-3},
}


# -- problem analysis ------------------------------------------------------------------------------


def infer_problem_type(target: pd.Series) -> str:
    """Autopilot's rule of thumb: two values -> binary; numbers with many values -> regression."""
    values = target.dropna()
    unique = values.nunique()
    if unique == 2:
        return BINARY
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        integral = bool(np.all(np.mod(values.astype(float), 1) == 0))
        if not integral or unique > max(20, int(0.05 * len(values))):
            return REGRESSION
    return MULTICLASS


def classification_metrics(
    y_true: np.ndarray,
    proba: np.ndarray,
    classes: np.ndarray,
    problem_type: str,
    weights: np.ndarray | None,
    only: str | None = None,
) -> dict[str, float]:
    """Autopilot's validation metrics; ``only`` computes just one (the ensemble search needs speed)."""
    from sklearn import metrics

    labels = np.arange(len(classes))
    predicted = proba.argmax(axis=1)

    def log_loss() -> float:
        clipped = np.clip(proba, 1e-15, 1 - 1e-15)
        return float(
            metrics.log_loss(
                y_true, clipped / clipped.sum(axis=1, keepdims=True), labels=labels, sample_weight=weights
            )
        )

    def auc() -> float:
        if len(np.unique(y_true)) != 2:
            return 0.5
        return float(metrics.roc_auc_score(y_true, proba[:, 1], sample_weight=weights))

    def averaged(fn: Any) -> Any:
        if problem_type == BINARY:
            return lambda: fn(y_true, predicted, sample_weight=weights, zero_division=0)
        return lambda: fn(
            y_true, predicted, labels=labels, average="macro", sample_weight=weights, zero_division=0
        )

    table: dict[str, Any] = {
        "Accuracy": lambda: metrics.accuracy_score(y_true, predicted, sample_weight=weights),
        "BalancedAccuracy": lambda: metrics.balanced_accuracy_score(y_true, predicted, sample_weight=weights),
        "LogLoss": log_loss,
    }
    if problem_type == BINARY:
        table.update(
            F1=averaged(metrics.f1_score),
            Precision=averaged(metrics.precision_score),
            Recall=averaged(metrics.recall_score),
            AUC=auc,
        )
    else:
        table.update(
            F1macro=averaged(metrics.f1_score),
            PrecisionMacro=averaged(metrics.precision_score),
            RecallMacro=averaged(metrics.recall_score),
        )
    names = [only] if only else list(table)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # undefined precision on a class never predicted is 0, as sklearn says
        return {name: float(table[name]()) for name in names}


def regression_metrics(
    y_true: np.ndarray, predicted: np.ndarray, weights: np.ndarray | None
) -> dict[str, float]:
    from sklearn import metrics

    mse = metrics.mean_squared_error(y_true, predicted, sample_weight=weights)
    return {
        "MSE": float(mse),
        "RMSE": float(np.sqrt(mse)),
        "MAE": float(metrics.mean_absolute_error(y_true, predicted, sample_weight=weights)),
        "R2": float(metrics.r2_score(y_true, predicted, sample_weight=weights)),
    }


# -- models that travel in model.tar.gz -------------------------------------------------------------


def coerce_features(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """Same dtypes at fit and predict time, whatever the CSV reader guessed."""
    out = pd.DataFrame(index=frame.index)
    for column in numeric:
        out[column] = pd.to_numeric(frame[column], errors="coerce") if column in frame else np.nan
    for column in categorical:
        values = frame[column] if column in frame else pd.Series(np.nan, index=frame.index)
        out[column] = values.astype("object").where(values.notna(), "__missing__").astype(str)
    return out


class TabularModel:
    """A fitted scikit-learn pipeline plus the label mapping; what `predict` loads."""

    def __init__(
        self,
        *,
        pipeline: Any,
        numeric: list[str],
        categorical: list[str],
        problem_type: str,
        classes: list[Any] | None,
        algorithm: str,
    ) -> None:
        self.pipeline = pipeline
        self.numeric = numeric
        self.categorical = categorical
        self.problem_type = problem_type
        self.classes = classes
        self.algorithm = algorithm

    def features(self, frame: pd.DataFrame) -> pd.DataFrame:
        return coerce_features(frame, self.numeric, self.categorical)

    def predict_raw(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities (classification) or values (regression)."""
        features = self.features(frame)
        if self.problem_type == REGRESSION:
            return np.asarray(self.pipeline.predict(features), dtype=float)
        return np.asarray(self.pipeline.predict_proba(features), dtype=float)

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        return _output(self.predict_raw(frame), self.problem_type, self.classes)


class EnsembleModel:
    """Weighted average of member predictions (greedy ensemble selection, Caruana et al. 2004)."""

    def __init__(
        self,
        *,
        members: list[TabularModel],
        weights: list[float],
        problem_type: str,
        classes: list[Any] | None,
    ) -> None:
        self.members = members
        self.weights = weights
        self.problem_type = problem_type
        self.classes = classes
        self.algorithm = "ensemble"

    def predict_raw(self, frame: pd.DataFrame) -> np.ndarray:
        return sum(w * m.predict_raw(frame) for m, w in zip(self.members, self.weights, strict=True))  # type: ignore[return-value]

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        return _output(self.predict_raw(frame), self.problem_type, self.classes)


def _output(raw: np.ndarray, problem_type: str, classes: list[Any] | None) -> pd.DataFrame:
    if problem_type == REGRESSION or classes is None:
        return pd.DataFrame({"predicted_label": raw})
    index = raw.argmax(axis=1)
    return pd.DataFrame(
        {"predicted_label": np.asarray(classes, dtype=object)[index], "probability": raw.max(axis=1)}
    )


# -- the engine --------------------------------------------------------------------------------------


class TabularEngine:
    container_kind = "hpo"

    def __init__(
        self, *, spec: JobSpec, train: pd.DataFrame, validation: pd.DataFrame | None, data_bytes: int
    ) -> None:
        self.spec = spec
        target = spec.target
        assert target is not None
        frames = {"training": train} if validation is None else {"training": train, "validation": validation}
        for channel, frame in frames.items():
            for role, column in (
                ("TargetAttributeName", target),
                ("SampleWeightAttributeName", spec.sample_weight),
            ):
                if column is not None and column not in frame.columns:
                    raise EngineDataError(
                        f"{role} {column!r} is not a column of the {channel} data; columns are "
                        f"{list(frame.columns)!r}."
                    )
        train = train[train[target].notna()].reset_index(drop=True)
        if validation is not None:
            validation = validation[validation[target].notna()].reset_index(drop=True)
            if set(validation.columns) != set(train.columns):
                raise EngineDataError(
                    f"The validation channel's columns {list(validation.columns)!r} differ from the training "
                    f"channel's {list(train.columns)!r}."
                )
        if len(train) < MIN_ROWS:
            raise EngineDataError(
                f"The training data has {len(train)} rows with a value for {target!r}; the local backend "
                "needs "
                f"at least {MIN_ROWS}."
            )
        if train[target].nunique() < 2:
            raise EngineDataError(
                f"The target column {target!r} has a single value; there is nothing to learn."
            )

        inferred = infer_problem_type(train[target])
        self.problem_type = spec.problem_type or inferred
        if self.problem_type == BINARY and train[target].nunique() != 2:
            raise EngineDataError(
                f"ProblemType 'BinaryClassification' needs exactly 2 target values; {target!r} has "
                f"{train[target].nunique()}."
            )
        if self.problem_type == REGRESSION and not pd.api.types.is_numeric_dtype(train[target]):
            raise EngineDataError(
                f"ProblemType 'Regression' needs a numeric target; {target!r} is not numeric."
            )
        self.metric = spec.objective_metric or TABULAR_METRICS[self.problem_type][0]
        if self.metric not in TABULAR_METRICS[self.problem_type]:
            raise EngineDataError(
                f"Objective metric {self.metric!r} does not apply to the inferred problem type "
                f"{self.problem_type!r}; allowed: {', '.join(TABULAR_METRICS[self.problem_type])}."
            )

        mode = spec.mode
        if mode == "AUTO":
            mode = (
                "HYPERPARAMETER_TUNING"
                if (spec.generate_definitions_only or data_bytes >= AUTO_ENSEMBLING_LIMIT_BYTES)
                else "ENSEMBLING"
            )
        self.mode = mode
        self.container_kind = "hpo" if mode == "HYPERPARAMETER_TUNING" else "ensemble"
        self.training_status = "ModelTuning" if mode == "HYPERPARAMETER_TUNING" else "TrainingModels"
        allowed = HPO_ALGORITHMS if mode == "HYPERPARAMETER_TUNING" else ENSEMBLING_ALGORITHMS
        self.algorithms = [a for a in (spec.algorithms or allowed) if a in allowed] or list(allowed)
        if mode == "HYPERPARAMETER_TUNING":
            self.default_max_candidates = DEFAULT_HPO_CANDIDATES
        else:
            self.default_max_candidates = len({ENSEMBLE_MODELS[a] for a in self.algorithms}) + 1

        if validation is None:
            train, validation = self._split(train, spec.validation_fraction or DEFAULT_VALIDATION_FRACTION)
        self.train_frame = train
        self.valid_frame = validation
        excluded = {target, spec.sample_weight}
        self.numeric, self.categorical, self.dropped = self._column_types(train, excluded)
        if not self.numeric and not self.categorical:
            raise EngineDataError(f"No usable feature columns besides the target {target!r}.")

        y_train, y_valid = train[target], validation[target]
        if self.problem_type == REGRESSION:
            self.classes: list[Any] | None = None
            self.y_train = pd.to_numeric(y_train).to_numpy(dtype=float)
            self.y_valid = pd.to_numeric(y_valid, errors="coerce").to_numpy(dtype=float)
        else:
            self.classes = sorted(y_train.unique().tolist(), key=lambda v: (str(type(v)), v))
            lookup = {c: i for i, c in enumerate(self.classes)}
            unknown = set(y_valid.unique()) - set(lookup)
            if unknown:
                raise EngineDataError(
                    "The validation data has target values not in the training data: "
                    f"{sorted(map(str, unknown))!r}."
                )
            self.y_train = y_train.map(lookup).to_numpy(dtype=int)
            self.y_valid = y_valid.map(lookup).to_numpy(dtype=int)
        self.w_train = self._weights(train)
        self.w_valid = self._weights(validation)
        self.x_train = coerce_features(train, self.numeric, self.categorical)
        self.x_valid = coerce_features(validation, self.numeric, self.categorical)
        self._valid_raw: dict[str, tuple[np.ndarray, TabularModel, float]] = {}
        self.preprocessor: Any = None

    # -- analysis ------------------------------------------------------------------------------------
    def _split(self, frame: pd.DataFrame, fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        from sklearn.model_selection import train_test_split

        if not 0 < fraction < 1:
            raise EngineDataError(f"Invalid ValidationFraction: {fraction!r}. It must be between 0 and 1.")
        target = self.spec.target
        stratify = None
        if self.problem_type != REGRESSION and frame[target].value_counts().min() >= 2:
            stratify = frame[target]
        try:
            train, valid = train_test_split(frame, test_size=fraction, random_state=SEED, stratify=stratify)
        except ValueError:
            train, valid = train_test_split(frame, test_size=fraction, random_state=SEED)
        return train.reset_index(drop=True), valid.reset_index(drop=True)

    @staticmethod
    def _column_types(
        frame: pd.DataFrame, excluded: set[str | None]
    ) -> tuple[list[str], list[str], list[str]]:
        numeric, categorical, dropped = [], [], []
        for column in frame.columns:
            if column in excluded:
                continue
            values = frame[column]
            if pd.api.types.is_bool_dtype(values):
                categorical.append(column)
            elif pd.api.types.is_numeric_dtype(values):
                numeric.append(column)
            elif values.nunique() > 0.9 * len(values) and len(values) > 50:
                dropped.append(column)  # an identifier: one value per row teaches nothing
            else:
                categorical.append(column)
        return numeric, categorical, dropped

    def _weights(self, frame: pd.DataFrame) -> np.ndarray | None:
        if self.spec.sample_weight is None:
            return None
        weights = pd.to_numeric(frame[self.spec.sample_weight], errors="coerce").fillna(0).clip(lower=0)
        return weights.to_numpy(dtype=float)

    def analysis(self) -> dict[str, Any]:
        target = self.train_frame[self.spec.target]
        return {
            "problem_type": self.problem_type,
            "objective_metric": self.metric,
            "mode": self.mode,
            "training_rows": len(self.train_frame),
            "validation_rows": len(self.valid_frame),
            "numeric_columns": self.numeric,
            "categorical_columns": self.categorical,
            "dropped_columns": self.dropped,
            "target_summary": {str(k): v for k, v in target.describe().to_dict().items()},
        }

    def definitions(self) -> list[dict[str, Any]]:
        if self.mode != "HYPERPARAMETER_TUNING":
            return [{"algorithm": a, "model": ENSEMBLE_MODELS[a]} for a in self.algorithms]
        return [
            {
                "algorithm": a,
                "estimator": type(self._estimator(a, {})).__name__,
                "search_space": {k: repr(v) for k, v in self._space(a)[0].items()},
            }
            for a in self.algorithms
        ]

    # -- pipelines -----------------------------------------------------------------------------------
    def _preprocessor(self, *, scale: bool) -> Any:
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        numeric_steps: list[tuple[str, Any]] = [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True))
        ]
        if scale:
            numeric_steps.append(("scale", StandardScaler()))
        return ColumnTransformer(
            [
                ("numeric", Pipeline(numeric_steps), self.numeric),
                (
                    "categorical",
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist", max_categories=32, sparse_output=False
                    ),
                    self.categorical,
                ),
            ],
            remainder="drop",
        )

    def feature_engineering(self) -> bool:
        if self.mode != "HYPERPARAMETER_TUNING":
            return False
        # Autopilot's data-processing step: fitted once, shipped as the first inference container.
        self.preprocessor = self._preprocessor(scale=True).fit(self.x_train)
        return True

    def _classifier(self) -> bool:
        return self.problem_type != REGRESSION

    def _estimator(self, algorithm: str, params: dict[str, Any]) -> Any:
        import lightgbm
        from sklearn import ensemble, linear_model, neural_network

        classify = self._classifier()
        if algorithm in ("xgboost", "lightgbm") and (
            self.mode == "HYPERPARAMETER_TUNING" or algorithm == "lightgbm"
        ):
            cls = lightgbm.LGBMClassifier if classify else lightgbm.LGBMRegressor
            return cls(n_jobs=1, verbose=-1, random_state=SEED, **params)
        if algorithm in ("xgboost", "catboost"):
            cls = (
                ensemble.HistGradientBoostingClassifier
                if classify
                else ensemble.HistGradientBoostingRegressor
            )
            return cls(random_state=SEED, **params)
        if algorithm == "randomforest":
            cls = ensemble.RandomForestClassifier if classify else ensemble.RandomForestRegressor
            return cls(n_estimators=100, n_jobs=1, random_state=SEED, **params)
        if algorithm == "extra-trees":
            cls = ensemble.ExtraTreesClassifier if classify else ensemble.ExtraTreesRegressor
            return cls(n_estimators=100, n_jobs=1, random_state=SEED, **params)
        if algorithm == "linear-learner":
            if classify:
                return linear_model.LogisticRegression(max_iter=2000, **params)
            return linear_model.Ridge(**params)
        params = dict(params)
        width, layers = params.pop("width", 64), params.pop("layers", 2)
        cls = neural_network.MLPClassifier if classify else neural_network.MLPRegressor
        return cls(
            hidden_layer_sizes=(width,) * layers,
            max_iter=300,
            early_stopping=len(self.x_train) >= 100,
            random_state=SEED,
            **params,
        )

    def _space(self, algorithm: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """FLAML search space and its low-cost starting point, per HPO algorithm."""
        from flaml import tune

        if algorithm == "xgboost":
            return (
                {
                    "n_estimators": tune.lograndint(4, 512),
                    "num_leaves": tune.lograndint(4, 128),
                    "learning_rate": tune.loguniform(0.01, 1.0),
                    "min_child_samples": tune.lograndint(2, 64),
                    "colsample_bytree": tune.uniform(0.5, 1.0),
                    "reg_lambda": tune.loguniform(1e-3, 10.0),
                },
                {"n_estimators": 4, "num_leaves": 4},
            )
        if algorithm == "linear-learner":
            key = "C" if self._classifier() else "alpha"
            return {key: tune.loguniform(1e-3, 1e3)}, {}
        return (
            {
                "width": tune.lograndint(8, 128),
                "layers": tune.randint(1, 3),
                "alpha": tune.loguniform(1e-6, 1e-1),
                "learning_rate_init": tune.loguniform(1e-4, 1e-1),
            },
            {"width": 8, "layers": 1},
        )

    # -- training ------------------------------------------------------------------------------------
    def _fit(
        self, algorithm: str, params: dict[str, Any], *, fitted_preprocessor: Any = None
    ) -> TrainedModel:
        from sklearn.pipeline import Pipeline

        started = time.monotonic()
        if fitted_preprocessor is not None:
            from sklearn.preprocessing import FunctionTransformer

            # Autopilot's algorithm container sees the already transformed data; we keep both in one
            # pipeline so a single artifact predicts raw CSV rows.
            features = fitted_preprocessor.transform(self.x_train)
            estimator = self._estimator(algorithm, params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                estimator.fit(features, self.y_train, **self._fit_weights(algorithm))
            pipeline = Pipeline(
                [("preprocess", FunctionTransformer(fitted_preprocessor.transform)), ("model", estimator)]
            )
        else:
            scale = algorithm in ("linear-learner", "mlp", "nn-torch", "fastai")
            pipeline = Pipeline(
                [
                    ("preprocess", self._preprocessor(scale=scale)),
                    ("model", self._estimator(algorithm, params)),
                ]
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pipeline.fit(
                    self.x_train,
                    self.y_train,
                    **{f"model__{k}": v for k, v in self._fit_weights(algorithm).items()},
                )
        model = TabularModel(
            pipeline=pipeline,
            numeric=self.numeric,
            categorical=self.categorical,
            problem_type=self.problem_type,
            classes=self.classes,
            algorithm=algorithm,
        )
        raw = model.predict_raw(self.valid_frame)
        metrics = self._metrics(raw)
        return TrainedModel(
            model=model,
            metrics=metrics,
            objective=metrics[self.metric],
            explanation=self._importances(pipeline),
            details={"train_seconds": round(time.monotonic() - started, 3), "valid_raw": raw},
        )

    def _fit_weights(self, algorithm: str) -> dict[str, Any]:
        if self.w_train is None or algorithm in ("mlp", "nn-torch", "fastai"):
            return {}
        return {"sample_weight": self.w_train}

    def _metrics(self, raw: np.ndarray, only: str | None = None) -> dict[str, float]:
        if self.problem_type == REGRESSION:
            return regression_metrics(self.y_valid, raw, self.w_valid)
        assert self.classes is not None
        return classification_metrics(
            self.y_valid,
            raw,
            np.asarray(self.classes, dtype=object),
            self.problem_type,
            self.w_valid,
            only=only,
        )

    def _importances(self, pipeline: Any) -> dict[str, Any] | None:
        model = pipeline.named_steps["model"]
        values = getattr(model, "feature_importances_", None)
        if values is None and hasattr(model, "coef_"):
            values = np.abs(np.atleast_2d(model.coef_)).mean(axis=0)
        if values is None:
            return None
        try:
            names = pipeline.named_steps["preprocess"].get_feature_names_out()
        except Exception:
            names = [f"f{i}" for i in range(len(values))]
        total = float(np.sum(values)) or 1.0
        pairs = sorted(
            zip(map(str, names), (float(v) / total for v in values), strict=False), key=lambda p: -p[1]
        )
        return {"feature_importances": dict(pairs[:50])}

    def plans(self, ctx: Context, max_candidates: int) -> Iterator[CandidatePlan]:
        if self.mode == "HYPERPARAMETER_TUNING":
            yield from self._hpo_plans(ctx, max_candidates)
        else:
            yield from self._ensemble_plans(ctx, max_candidates)

    def _hpo_plans(self, ctx: Context, max_candidates: int) -> Iterator[CandidatePlan]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # flaml warns that its optional automl extra is absent
            from flaml import CFO

        searchers = {}
        for algorithm in self.algorithms:
            space, low_cost = self._space(algorithm)
            # Start from the library defaults (as Autopilot's tuning does), then let CFO search around.
            searchers[algorithm] = CFO(
                metric="loss",
                mode="min",
                space=space,
                low_cost_partial_config=low_cost or None,
                points_to_evaluate=[HPO_DEFAULTS[algorithm](self._classifier())],
                seed=SEED,
            )
        for index in range(max_candidates):
            algorithm = self.algorithms[index % len(self.algorithms)]
            searcher = searchers[algorithm]
            trial_id = str(index)
            config = searcher.suggest(trial_id)
            if config is None:  # FLAML's search for this algorithm converged
                continue
            params = dict(config)

            def train(algorithm: str = algorithm, params: dict[str, Any] = params) -> TrainedModel:
                trained = self._fit(algorithm, params, fitted_preprocessor=self.preprocessor)
                trained.preprocessor = self.preprocessor
                return trained

            def done(
                trained: TrainedModel,
                searcher: Any = searcher,
                trial_id: str = trial_id,
                config: dict[str, Any] = config,
            ) -> None:
                sign = -1.0 if metric_type(self.metric) == "Maximize" else 1.0
                searcher.on_trial_complete(
                    trial_id,
                    {
                        "loss": sign * trained.objective,
                        "config": config,
                        "time_total_s": trained.details["train_seconds"],
                    },
                )

            def failed(searcher: Any = searcher, trial_id: str = trial_id) -> None:
                searcher.on_trial_complete(trial_id, None, error=True)

            yield CandidatePlan(
                algorithm=algorithm,
                label=HPO_LABELS[algorithm],
                hyperparameters=params,
                train=train,
                on_success=done,
                on_failure=failed,
            )

    def _ensemble_plans(self, ctx: Context, max_candidates: int) -> Iterator[CandidatePlan]:
        labels: dict[str, str] = {}
        for algorithm in self.algorithms:
            labels.setdefault(ENSEMBLE_MODELS[algorithm], algorithm)
        base = list(labels.items())
        room = max_candidates - 1 if max_candidates >= 3 else max_candidates
        base = base[: max(1, room)]
        for label, algorithm in base:

            def train(algorithm: str = algorithm, label: str = label) -> TrainedModel:
                return self._fit(algorithm, {})

            def keep(trained: TrainedModel, label: str = label) -> None:
                self._valid_raw[label] = (trained.details["valid_raw"], trained.model, trained.objective)

            yield CandidatePlan(
                algorithm=algorithm, label=label, hyperparameters={}, train=train, on_success=keep
            )
        if len(base) >= 2 and max_candidates >= 3 and len(self._valid_raw) >= 2:
            yield CandidatePlan(
                algorithm="ensemble",
                label="WeightedEnsemble-L2",
                hyperparameters={"iterations": 25},
                train=self._fit_ensemble,
            )

    def _fit_ensemble(self) -> TrainedModel:
        started = time.monotonic()
        names = list(self._valid_raw)
        raws = [self._valid_raw[n][0] for n in names]
        maximize = metric_type(self.metric) == "Maximize"
        counts = [0] * len(names)
        current: np.ndarray | None = None
        for step in range(1, 26):
            best_score, best_index = None, 0
            for index, raw in enumerate(raws):
                blended = raw if current is None else (current * (step - 1) + raw) / step
                score = self._metrics(blended, only=self.metric)[self.metric]
                if best_score is None or (score > best_score if maximize else score < best_score):
                    best_score, best_index = score, index
            counts[best_index] += 1
            current = (
                raws[best_index] if current is None else (current * (step - 1) + raws[best_index]) / step
            )
        total = sum(counts)
        members = [(self._valid_raw[n][1], c / total) for n, c in zip(names, counts, strict=True) if c]
        model = EnsembleModel(
            members=[m for m, _ in members],
            weights=[w for _, w in members],
            problem_type=self.problem_type,
            classes=self.classes,
        )
        raw = model.predict_raw(self.valid_frame)
        metrics = self._metrics(raw)
        weights = {n: c / total for n, c in zip(names, counts, strict=True) if c}
        return TrainedModel(
            model=model,
            metrics=metrics,
            objective=metrics[self.metric],
            explanation={"ensemble_weights": weights},
            details={"train_seconds": round(time.monotonic() - started, 3), "weights": weights},
        )
