"""Autopilot facts the service model does not hold, from the SageMaker API reference.

A unit test checks every value here against botocore's SageMaker model where the model has it.
"""

from __future__ import annotations

PROBLEM_TYPE_CONFIG_KEYS: dict[str, str] = {
    "Tabular": "TabularJobConfig",
    "TimeSeriesForecasting": "TimeSeriesForecastingJobConfig",
    "TextClassification": "TextClassificationJobConfig",
    "ImageClassification": "ImageClassificationJobConfig",
    "TextGeneration": "TextGenerationJobConfig",
}
CONFIG_KEY_TO_NAME = {value: key for key, value in PROBLEM_TYPE_CONFIG_KEYS.items()}

CSV = "text/csv;header=present"
PARQUET = "x-application/vnd.amazon+parquet"

# AutoMLJobChannel.ContentType: allowed content types per problem type.
ALLOWED_CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "TabularJobConfig": (CSV, PARQUET),
    "TimeSeriesForecastingJobConfig": (CSV, PARQUET),
    "TextClassificationJobConfig": (CSV, PARQUET),
    "ImageClassificationJobConfig": ("image/png", "image/jpeg", "image/*"),
    "TextGenerationJobConfig": (CSV, PARQUET),
}
V1_CONTENT_TYPES: tuple[str, ...] = (CSV, PARQUET)
# "We allow the compression type Gzip for S3Prefix inputs on tabular data only."
GZIP_CONFIG_KEYS = frozenset({"TabularJobConfig"})
# AugmentedManifestFile is V2-only, for image/text classification and time-series forecasting.
AUGMENTED_MANIFEST_CONFIG_KEYS = frozenset(
    {"ImageClassificationJobConfig", "TextClassificationJobConfig", "TimeSeriesForecastingJobConfig"}
)

# AutoMLJobObjective.MetricName: metrics per problem type.
TABULAR_METRICS: dict[str, tuple[str, ...]] = {
    "BinaryClassification": ("Accuracy", "AUC", "BalancedAccuracy", "F1", "Precision", "Recall"),
    "MulticlassClassification": ("Accuracy", "BalancedAccuracy", "F1macro", "PrecisionMacro", "RecallMacro"),
    "Regression": ("MAE", "MSE", "R2", "RMSE"),
}
ALLOWED_METRICS: dict[str, tuple[str, ...]] = {
    "TabularJobConfig": tuple(sorted({m for ms in TABULAR_METRICS.values() for m in ms})),
    "TimeSeriesForecastingJobConfig": ("AverageWeightedQuantileLoss", "MAPE", "MASE", "RMSE", "WAPE"),
    "TextClassificationJobConfig": ("Accuracy",),
    "ImageClassificationJobConfig": ("Accuracy",),
    # Text generation fine-tunes against cross-entropy loss; it takes no objective metric.
    "TextGenerationJobConfig": (),
}

# AutoMLJobCompletionCriteria.MaxCandidates: "For text and image classification, time-series
# forecasting, as well as text generation problem types, the supported value is 1. For tabular
# problem types, the maximum value is 750."
MAX_CANDIDATES_LIMIT: dict[str, int] = {
    "TabularJobConfig": 750,
    "TimeSeriesForecastingJobConfig": 1,
    "TextClassificationJobConfig": 1,
    "ImageClassificationJobConfig": 1,
    "TextGenerationJobConfig": 1,
}

# AutoMLAlgorithmConfig.AutoMLAlgorithms: algorithms per training mode.
ALLOWED_ALGORITHMS: dict[str, tuple[str, ...]] = {
    "ENSEMBLING": (
        "catboost",
        "extra-trees",
        "fastai",
        "lightgbm",
        "linear-learner",
        "nn-torch",
        "randomforest",
        "xgboost",
    ),
    "HYPERPARAMETER_TUNING": ("linear-learner", "mlp", "xgboost"),
    "TimeSeriesForecasting": ("arima", "cnn-qr", "deepar", "ets", "npts", "prophet"),
}

# TextGenerationHyperParameters: the documented keys and their ranges (values are strings).
TEXT_GENERATION_HYPERPARAMETERS: dict[str, tuple[type, float, float]] = {
    "epochCount": (int, 1, 10),
    "batchSize": (int, 1, 64),
    "learningRate": (float, 0, 1),
    "learningRateWarmupSteps": (int, 0, 250),
}

# AutoMLOutputDataConfig.S3OutputPath: "Must be 512 characters or less" (the model allows 1024).
S3_OUTPUT_PATH_MAX_LENGTH = 512
# ContainerDefinition.Environment: "The maximum length of all keys and values in the map,
# combined, is 32 KB."
ENVIRONMENT_MAX_BYTES = 32 * 1024

# SAGEMAKER_INFERENCE_OUTPUT keys a classification candidate can answer with.
INFERENCE_RESPONSE_KEYS = ("predicted_label", "probability", "probabilities", "labels")
