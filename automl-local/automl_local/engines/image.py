"""Image classification candidates: hand-made image features with classic classifiers.

Autopilot fine-tunes pretrained vision networks for ImageClassification; locally, each image is
decoded (images.py, bounded), resized to 32 x 32 and described by three feature groups that fit a
2-core machine: a coarse 8 x 8 colour thumbnail, colour histograms (hue weighted by saturation,
saturation, value) and HOG-style gradient-orientation histograms over a 4 x 4 grid of cells. Three
classifiers are trained on them and scored on Accuracy, Autopilot's objective for this problem type.
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
from automl_local.images import ImageError, decode_image
from automl_local.spec import BINARY, IMAGE_METRICS, MULTICLASS, JobSpec

SIDE = 32  # every image is resized to SIDE x SIDE before its features are taken
CELL = 8  # HOG cell side in pixels: a 4 x 4 grid of cells
ORIENTATIONS = 9
MIN_IMAGES = 10
PIPELINES = ("linear", "lightgbm", "mlp")


def image_features(image: Any) -> np.ndarray:
    """The feature vector of one decoded RGB image (a PIL image)."""
    from PIL import Image

    small = image.resize((SIDE, SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    rgb = np.asarray(small, dtype=np.float32) / 255.0  # SIDE x SIDE x 3
    thumbnail = rgb.reshape(8, SIDE // 8, 8, SIDE // 8, 3).mean(axis=(1, 3)).ravel()
    hsv = np.asarray(small.convert("HSV"), dtype=np.float32) / 255.0
    hue, saturation, value = hsv[..., 0].ravel(), hsv[..., 1].ravel(), hsv[..., 2].ravel()
    hue_hist = np.histogram(hue, bins=12, range=(0, 1), weights=saturation)[0] / hue.size
    sat_hist = np.histogram(saturation, bins=4, range=(0, 1))[0] / hue.size
    val_hist = np.histogram(value, bins=4, range=(0, 1))[0] / hue.size
    moments = np.concatenate([rgb.reshape(-1, 3).mean(axis=0), rgb.reshape(-1, 3).std(axis=0)])
    return np.concatenate([thumbnail, hue_hist, sat_hist, val_hist, moments, _hog(rgb.mean(axis=2))])


def _hog(gray: np.ndarray) -> np.ndarray:
    """Unsigned gradient-orientation histograms per cell, each cell L2-normalised."""
    gy, gx = np.gradient(gray)
    magnitude = np.hypot(gx, gy)
    angle = np.mod(np.arctan2(gy, gx), np.pi)  # unsigned: 0..pi
    bins = np.minimum((angle / np.pi * ORIENTATIONS).astype(int), ORIENTATIONS - 1)
    cells = SIDE // CELL
    hist = np.zeros((cells, cells, ORIENTATIONS), dtype=np.float32)
    rows, cols = np.indices(gray.shape)
    np.add.at(hist, (rows // CELL, cols // CELL, bins), magnitude)
    norms = np.linalg.norm(hist, axis=2, keepdims=True)
    return (hist / np.maximum(norms, 1e-6)).ravel()


def featurise(images: list[bytes], sources: list[str] | None = None) -> np.ndarray:
    """Feature rows of encoded images; ImageError names the first image that cannot be decoded."""
    rows = []
    for index, data in enumerate(images):
        source = sources[index] if sources else f"image {index}"
        rows.append(image_features(decode_image(data, source=source, size=SIDE * 2)))
    return np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)


def build_pipeline(kind: str) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "linear":
        return Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(C=0.5, max_iter=3000))])
    if kind == "lightgbm":
        from lightgbm import LGBMClassifier

        return LGBMClassifier(
            n_estimators=150,
            learning_rate=0.1,
            num_leaves=15,
            min_child_samples=3,
            colsample_bytree=0.5,
            n_jobs=1,  # measured: 2 threads on 2 busy cores took 15x longer on small data
            random_state=SEED,
            verbose=-1,
        )
    mlp = MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-3, max_iter=400, random_state=SEED)
    return Pipeline([("scale", StandardScaler()), ("model", mlp)])


class ImageModel:
    """A trained image classifier: encoded PNG/JPEG bytes in, labels and probabilities out."""

    def __init__(self, *, pipeline: Any, classes: list[str], algorithm: str) -> None:
        self.pipeline = pipeline
        self.classes = classes
        self.algorithm = algorithm

    def predict_proba_images(self, images: list[bytes]) -> np.ndarray:
        features = featurise(images)
        if not len(features):
            return np.zeros((0, len(self.classes)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # LightGBM's feature-name warning on numpy input
            return np.asarray(self.pipeline.predict_proba(features), dtype=float)

    def predict_images(self, images: list[bytes]) -> pd.DataFrame:
        """One row per image: predicted_label, probability, probabilities, labels (as Autopilot's keys).

        Raises :class:`~automl_local.images.ImageError` (a ValueError) for bytes that are not a PNG or
        JPEG within the size limits.
        """
        raw = self.predict_proba_images(images)
        labels = np.asarray(self.classes, dtype=object)
        return pd.DataFrame(
            {
                "predicted_label": labels[raw.argmax(axis=1)] if len(raw) else [],
                "probability": raw.max(axis=1) if len(raw) else [],
                "probabilities": [list(map(float, row)) for row in raw],
                "labels": [list(self.classes) for _ in range(len(raw))],
            }
        )

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The ``image`` column (encoded bytes) of ``frame``, predicted as :meth:`predict_images`."""
        if "image" not in frame.columns:
            raise KeyError("an image model predicts a frame with an 'image' column of PNG/JPEG bytes")
        return self.predict_images(list(frame["image"]))


class ImageEngine(PipelineClassifier):
    container_kind = "image"
    pipelines = PIPELINES
    example = "image"

    def __init__(self, *, spec: JobSpec, train: pd.DataFrame, validation: pd.DataFrame | None) -> None:
        self.spec = spec
        self.metric = spec.objective_metric or IMAGE_METRICS[0]
        if len(train) < MIN_IMAGES:
            raise EngineDataError(f"The training data has {len(train)} images; at least {MIN_IMAGES} needed.")
        if train["label"].nunique() < 2:
            raise EngineDataError("Every training image has the same label; there is nothing to learn.")
        if validation is None:
            train, validation = split_validation(train, "label", spec)
        self.classes = sorted(train["label"].unique().tolist())
        self.kind = BINARY if len(self.classes) == 2 else MULTICLASS
        lookup = {label: i for i, label in enumerate(self.classes)}
        unknown = sorted(set(validation["label"]) - set(lookup))
        if unknown:
            raise EngineDataError(
                f"The validation images have labels not in the training images: {unknown!r}."
            )
        started = time.monotonic()
        try:  # decoded once for every candidate; a bad image fails the job naming it
            self.x_train = featurise(list(train["image"]), list(train["source"]))
            self.x_valid = featurise(list(validation["image"]), list(validation["source"]))
        except ImageError as err:
            raise EngineDataError(str(err)) from None
        self.feature_seconds = time.monotonic() - started
        self.y_train = train["label"].map(lookup).to_numpy(dtype=int)
        self.y_valid = validation["label"].map(lookup).to_numpy(dtype=int)
        self.label_counts = {str(k): int(v) for k, v in train["label"].value_counts().items()}

    def analysis(self) -> dict[str, Any]:
        return {
            "problem_type": "ImageClassification",
            "objective_metric": self.metric,
            "training_images": len(self.y_train),
            "validation_images": len(self.y_valid),
            "labels": self.label_counts,
            "features": {
                "resized_to": [SIDE, SIDE],
                "count": int(self.x_train.shape[1]),
                "groups": ["8x8 RGB thumbnail", "HSV histograms", "RGB mean/std", "HOG 4x4 cells x 9 bins"],
                "seconds": round(self.feature_seconds, 3),
            },
        }

    def _train(self, kind: str) -> TrainedModel:
        started = time.monotonic()
        pipeline = build_pipeline(kind)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings on tiny data
            pipeline.fit(self.x_train, self.y_train)
            raw = np.asarray(pipeline.predict_proba(self.x_valid), dtype=float)
        model = ImageModel(pipeline=pipeline, classes=self.classes, algorithm=kind)
        return self._scored(model, raw, started)
