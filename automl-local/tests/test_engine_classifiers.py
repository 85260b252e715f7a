"""automl_local.engines.classifiers: the split, plans and scoring the text and image engines share."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from automl_local.engines.base import EngineDataError, TrainedModel
from automl_local.engines.classifiers import PipelineClassifier, split_validation


class _Engine(PipelineClassifier):
    pipelines = ("first", "second", "third")
    example = "row"

    def __init__(self) -> None:
        self.classes = ["a", "b"]
        self.kind = "BinaryClassification"
        self.metric = "Accuracy"
        self.y_valid = np.array([0, 1, 1])

    def _train(self, kind: str) -> TrainedModel:
        return self._scored(kind, np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]]), 0.0)


def test_split_keeps_the_label_mix() -> None:
    frame = pd.DataFrame({"x": range(40), "label": ["a"] * 20 + ["b"] * 20})
    spec: Any = SimpleNamespace(validation_fraction=0.25)
    train, validation = split_validation(frame, "label", spec)
    assert len(validation) == 10 and set(validation["label"].value_counts()) == {5}
    assert len(train) == 30


def test_one_plan_per_pipeline_scored_on_the_objective() -> None:
    engine = _Engine()
    assert engine.definitions() == [{"pipeline": k} for k in _Engine.pipelines]
    assert not engine.feature_engineering()
    assert engine.default_max_candidates == 3 and engine.problem_type is None
    plans = list(engine.plans(SimpleNamespace(), 2))
    assert [p.algorithm for p in plans] == ["first", "second"]
    trained = plans[0].train()
    assert trained.model == "first" and trained.objective == trained.metrics["Accuracy"] == 1.0


def test_a_label_without_training_examples_is_refused() -> None:
    engine = _Engine()
    with pytest.raises(EngineDataError, match="at least one training row"):
        engine._scored("m", np.array([[1.0], [1.0], [1.0]]), 0.0)
