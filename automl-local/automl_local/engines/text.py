"""Text classification candidates: scikit-learn TF-IDF features with linear models and naive Bayes.

Autopilot fine-tunes transformer models for TextClassification; locally, a few classic, fast
pipelines stand in, so a DAG can run end to end. Candidates are scored on Accuracy, the objective
Autopilot uses for this problem type.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from automl_local.engines.base import EngineDataError, TrainedModel
from automl_local.engines.classifiers import PipelineClassifier, split_validation
from automl_local.engines.tabular import SEED
from automl_local.spec import BINARY, MULTICLASS, TEXT_METRICS, JobSpec

MIN_ROWS = 20
PIPELINES = ("tfidf-logreg", "tfidf-sgd", "char-tfidf-logreg", "tfidf-complementnb")


def build_pipeline(kind: str) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.naive_bayes import ComplementNB
    from sklearn.pipeline import Pipeline

    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_features=200_000)
    if kind == "tfidf-logreg":
        return Pipeline([("features", words), ("model", LogisticRegression(C=4.0, max_iter=2000))])
    if kind == "tfidf-sgd":
        model = SGDClassifier(loss="modified_huber", alpha=1e-4, random_state=SEED)
        return Pipeline([("features", words), ("model", model)])
    if kind == "char-tfidf-logreg":
        chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, max_features=200_000
        )
        return Pipeline([("features", chars), ("model", LogisticRegression(C=4.0, max_iter=2000))])
    return Pipeline([("features", words), ("model", ComplementNB(alpha=0.3))])


class TextModel:
    def __init__(self, *, pipeline: Any, content_column: str, classes: list[Any], algorithm: str) -> None:
        self.pipeline = pipeline
        self.content_column = content_column
        self.classes = classes
        self.algorithm = algorithm

    def predict_raw(self, frame: pd.DataFrame) -> np.ndarray:
        texts = frame[self.content_column].fillna("").astype(str)
        return np.asarray(self.pipeline.predict_proba(texts), dtype=float)

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        raw = self.predict_raw(frame)
        labels = np.asarray(self.classes, dtype=object)[raw.argmax(axis=1)]
        return pd.DataFrame({"predicted_label": labels, "probability": raw.max(axis=1)})


class TextEngine(PipelineClassifier):
    container_kind = "text"
    pipelines = PIPELINES
    example = "row"

    def __init__(self, *, spec: JobSpec, train: pd.DataFrame, validation: pd.DataFrame | None) -> None:
        self.spec = spec
        self.content = spec.content_column or ""
        self.label = spec.target or ""
        for channel, frame in (("training", train), ("validation", validation)):
            if frame is None:
                continue
            for role, column in (("ContentColumn", self.content), ("TargetLabelColumn", self.label)):
                if column not in frame.columns:
                    raise EngineDataError(
                        f"{role} {column!r} is not a column of the {channel} data; columns are "
                        f"{list(frame.columns)!r}."
                    )
        train = train[train[self.label].notna()].reset_index(drop=True)
        if len(train) < MIN_ROWS:
            raise EngineDataError(
                f"The training data has {len(train)} labelled rows; at least {MIN_ROWS} needed."
            )
        if train[self.label].nunique() < 2:
            raise EngineDataError(
                f"The label column {self.label!r} has a single value; there is nothing to learn."
            )
        if validation is None:
            train, validation = split_validation(train, self.label, spec)
        validation = validation[validation[self.label].notna()]
        self.metric = spec.objective_metric or TEXT_METRICS[0]
        self.classes = sorted(train[self.label].unique().tolist(), key=str)
        self.kind = BINARY if len(self.classes) == 2 else MULTICLASS
        lookup = {c: i for i, c in enumerate(self.classes)}
        unknown = set(validation[self.label].unique()) - set(lookup)
        if unknown:
            raise EngineDataError(
                f"The validation data has labels not in the training data: {sorted(map(str, unknown))!r}."
            )
        self.x_train = train[self.content].fillna("").astype(str)
        self.y_train = train[self.label].map(lookup).to_numpy(dtype=int)
        self.valid = validation.reset_index(drop=True)
        self.y_valid = self.valid[self.label].map(lookup).to_numpy(dtype=int)

    def analysis(self) -> dict[str, Any]:
        lengths = self.x_train.str.split().str.len()
        return {
            "problem_type": "TextClassification",
            "objective_metric": self.metric,
            "training_rows": len(self.x_train),
            "validation_rows": len(self.valid),
            "labels": [str(c) for c in self.classes],
            "mean_words_per_text": float(lengths.mean()),
        }

    def _train(self, kind: str) -> TrainedModel:
        started = time.monotonic()
        pipeline = build_pipeline(kind)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipeline.fit(self.x_train, self.y_train)
        model = TextModel(
            pipeline=pipeline, content_column=self.content, classes=self.classes, algorithm=kind
        )
        return self._scored(model, model.predict_raw(self.valid), started)
