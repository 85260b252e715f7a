"""What the text and image classification engines share: a fixed list of pipelines, scored alike.

Autopilot fine-tunes networks for TextClassification and ImageClassification; locally each stands
in with a few classic scikit-learn pipelines, one candidate each, fitted on a validation split that
keeps the label mix and scored with the tabular classification metrics. The engines differ in how
they read their data and fit; planning, splitting and scoring are here once.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from automl_local.engines.base import CandidatePlan, Context, EngineDataError, TrainedModel
from automl_local.engines.tabular import DEFAULT_VALIDATION_FRACTION, SEED, classification_metrics
from automl_local.spec import JobSpec


def split_validation(train: pd.DataFrame, label: str, spec: JobSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``train`` cut into (train, validation) by the job's fraction, stratified when every label can be."""
    from sklearn.model_selection import train_test_split

    fraction = spec.validation_fraction or DEFAULT_VALIDATION_FRACTION
    stratify = train[label] if train[label].value_counts().min() >= 2 else None
    found, validation = train_test_split(train, test_size=fraction, random_state=SEED, stratify=stratify)
    return found, validation


class PipelineClassifier:
    """An engine whose candidates are its ``pipelines``, in order, with no feature-engineering step.

    It has no tabular problem type, trains as soon as the data is read and by default trains every
    pipeline. A subclass sets ``classes``, ``kind``, ``metric`` and ``y_valid`` (labels as class indices) and
    fits one pipeline in ``_train``, handing its validation probabilities to ``_scored``.
    """

    training_status = "TrainingModels"
    problem_type = None
    pipelines: tuple[str, ...]
    example: str  # what one training example is called in messages ("row", "image")
    classes: list[Any]
    kind: str
    metric: str
    y_valid: np.ndarray

    @property
    def default_max_candidates(self) -> int:
        return len(self.pipelines)

    def definitions(self) -> list[dict[str, Any]]:
        return [{"pipeline": kind} for kind in self.pipelines]

    def feature_engineering(self) -> bool:
        return False

    def plans(self, ctx: Context, max_candidates: int) -> Iterator[CandidatePlan]:
        for kind in self.pipelines[:max_candidates]:
            yield CandidatePlan(
                algorithm=kind, label=kind, hyperparameters={}, train=functools.partial(self._train, kind)
            )

    def _train(self, kind: str) -> TrainedModel:
        raise NotImplementedError

    def _scored(self, model: Any, raw: np.ndarray, started: float) -> TrainedModel:
        """``model`` with the metrics of its validation probabilities ``raw``, trained since ``started``."""
        if raw.shape[1] != len(self.classes):
            raise EngineDataError(f"Every label needs at least one training {self.example}.")
        metrics = classification_metrics(
            self.y_valid, raw, np.asarray(self.classes, dtype=object), self.kind, None
        )
        return TrainedModel(
            model=model,
            metrics=metrics,
            objective=metrics[self.metric],
            details={"train_seconds": round(time.monotonic() - started, 3)},
        )


__all__ = ["PipelineClassifier", "split_validation"]
