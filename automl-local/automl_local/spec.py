"""What a job asks for: one normalised view of V1 (CreateAutoMLJob) and V2 (CreateAutoMLJobV2) requests.

Also the V1 <-> V2 translations DescribeAutoMLJob / DescribeAutoMLJobV2 need, since SageMaker
describes V1-created jobs through the V2 API (and tabular V2 jobs through V1).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from automl_local.base_models import BASE_MODELS, DEFAULT_BASE_MODEL, parse_hyperparameters
from automl_local.errors import ValidationError, show
from automl_local.paths import BUCKET_RULE, KEY_RULE, bucket_problem, key_problem

TABULAR = "Tabular"
TIME_SERIES = "TimeSeriesForecasting"
TEXT_CLASSIFICATION = "TextClassification"
IMAGE_CLASSIFICATION = "ImageClassification"
TEXT_GENERATION = "TextGeneration"
PROBLEM_CONFIG_KEYS = {
    "TabularJobConfig": TABULAR,
    "TimeSeriesForecastingJobConfig": TIME_SERIES,
    "TextClassificationJobConfig": TEXT_CLASSIFICATION,
    "ImageClassificationJobConfig": IMAGE_CLASSIFICATION,
    "TextGenerationJobConfig": TEXT_GENERATION,
}

BINARY = "BinaryClassification"
MULTICLASS = "MulticlassClassification"
REGRESSION = "Regression"

# Objective metrics Autopilot accepts per problem type; the first is the default.
TABULAR_METRICS = {
    BINARY: ("F1", "Accuracy", "AUC", "BalancedAccuracy", "Precision", "Recall"),
    MULTICLASS: ("Accuracy", "BalancedAccuracy", "F1macro", "PrecisionMacro", "RecallMacro"),
    REGRESSION: ("MSE", "MAE", "R2", "RMSE"),
}
TIME_SERIES_METRICS = ("AverageWeightedQuantileLoss", "MAPE", "MASE", "RMSE", "WAPE")
TEXT_METRICS = ("Accuracy",)
IMAGE_METRICS = ("Accuracy",)
# Text generation has no objective to choose: Autopilot minimises the cross-entropy (ValidationLoss).
TEXT_GENERATION_METRIC = "ValidationLoss"
MINIMIZED_METRICS = frozenset(
    {
        "MSE",
        "RMSE",
        "MAE",
        "MAPE",
        "MASE",
        "WAPE",
        "AverageWeightedQuantileLoss",
        "LogLoss",
        "ValidationLoss",
        "TrainingLoss",
        "Perplexity",
    }
)

HPO_ALGORITHMS = ("xgboost", "linear-learner", "mlp")
ENSEMBLING_ALGORITHMS = (
    "lightgbm",
    "catboost",
    "xgboost",
    "randomforest",
    "extra-trees",
    "linear-learner",
    "nn-torch",
    "fastai",
)
TIME_SERIES_ALGORITHMS = ("cnn-qr", "deepar", "prophet", "npts", "arima", "ets")

CSV = "text/csv;header=present"
PARQUET = "x-application/vnd.amazon+parquet"
CONTENT_TYPES = (CSV, "text/csv", PARQUET)
IMAGE_CONTENT_TYPES = ("image/png", "image/jpeg", "image/*")
TABLE, IMAGES = "table", "images"  # what a channel's objects hold


def metric_type(metric: str) -> str:
    return "Minimize" if metric in MINIMIZED_METRICS else "Maximize"


@dataclass(frozen=True)
class Channel:
    channel_type: str
    s3_data_type: str
    s3_uri: str
    content_type: str | None
    compression: str | None
    media: str = TABLE  # IMAGES for image classification: read by image_data.py, not as CSV/Parquet


@dataclass(frozen=True)
class JobSpec:
    api_version: str
    name: str
    problem_config_name: str
    channels: tuple[Channel, ...]
    output_path: str
    objective_metric: str | None
    completion: dict[str, int] = field(default_factory=dict)
    validation_fraction: float | None = None
    target: str | None = None
    problem_type: str | None = None
    mode: str = "AUTO"
    sample_weight: str | None = None
    algorithms: tuple[str, ...] | None = None
    generate_definitions_only: bool = False
    time_series: dict[str, Any] = field(default_factory=dict)
    content_column: str | None = None
    base_model: str | None = None  # TextGeneration: BaseModelName (resolved to the default)
    accept_eula: bool | None = None  # TextGeneration: ModelAccessConfig.AcceptEula when given
    hyperparameters: dict[str, Any] = field(default_factory=dict)  # TextGeneration, as sent

    @property
    def training(self) -> Channel:
        return next(c for c in self.channels if c.channel_type == "training")

    @property
    def validation(self) -> Channel | None:
        return next((c for c in self.channels if c.channel_type == "validation"), None)

    @classmethod
    def from_request(cls, api_version: str, request: dict[str, Any]) -> JobSpec:
        spec = _from_v1(request) if api_version == "v1" else _from_v2(request)
        _check(spec)
        return spec


def _channels(entries: list[dict[str, Any]], media: str = TABLE) -> tuple[Channel, ...]:
    channels = []
    for entry in entries:
        source = entry["DataSource"]["S3DataSource"]
        channels.append(
            Channel(
                channel_type=entry.get("ChannelType", "training"),
                s3_data_type=source["S3DataType"],
                s3_uri=source["S3Uri"],
                content_type=entry.get("ContentType"),
                compression=entry.get("CompressionType"),
                media=media,
            )
        )
    return tuple(channels)


def _algorithms(generation: dict[str, Any] | None) -> tuple[str, ...] | None:
    configs = (generation or {}).get("AlgorithmsConfig") or []
    if len(configs) > 1:
        raise ValidationError(
            f"Invalid CandidateGenerationConfig.AlgorithmsConfig: {len(configs)} entries. "
            "Exactly one AutoMLAlgorithmsConfig entry is allowed."
        )
    return tuple(configs[0]["AutoMLAlgorithms"]) if configs else None


def _from_v1(request: dict[str, Any]) -> JobSpec:
    entries = request["InputDataConfig"]
    targets = {e["TargetAttributeName"] for e in entries}
    if len(targets) > 1:
        raise ValidationError(
            f"Invalid InputDataConfig.TargetAttributeName: {sorted(targets)!r}. "
            "Training and validation channels must name the same target column."
        )
    weights = {e.get("SampleWeightAttributeName") for e in entries}
    config = request.get("AutoMLJobConfig") or {}
    return JobSpec(
        api_version="v1",
        name=request["AutoMLJobName"],
        problem_config_name=TABULAR,
        channels=_channels(entries),
        output_path=request["OutputDataConfig"]["S3OutputPath"],
        objective_metric=(request.get("AutoMLJobObjective") or {}).get("MetricName"),
        completion=dict(config.get("CompletionCriteria") or {}),
        validation_fraction=(config.get("DataSplitConfig") or {}).get("ValidationFraction"),
        target=targets.pop(),
        problem_type=request.get("ProblemType"),
        mode=config.get("Mode", "AUTO"),
        sample_weight=next(iter(weights)) if len(weights) == 1 else None,
        algorithms=_algorithms(config.get("CandidateGenerationConfig")),
        generate_definitions_only=bool(request.get("GenerateCandidateDefinitionsOnly", False)),
    )


def _from_v2(request: dict[str, Any]) -> JobSpec:
    problem = request["AutoMLProblemTypeConfig"]
    if len(problem) != 1:
        raise ValidationError(
            f"Invalid AutoMLProblemTypeConfig: keys {sorted(problem)!r}. Exactly one of "
            f"{', '.join(PROBLEM_CONFIG_KEYS)} must be set."
        )
    key, config = next(iter(problem.items()))
    name = PROBLEM_CONFIG_KEYS[key]
    media = IMAGES if name == IMAGE_CLASSIFICATION else TABLE
    common: dict[str, Any] = dict(
        api_version="v2",
        name=request["AutoMLJobName"],
        problem_config_name=name,
        channels=_channels(request["AutoMLJobInputDataConfig"], media),
        output_path=request["OutputDataConfig"]["S3OutputPath"],
        objective_metric=(request.get("AutoMLJobObjective") or {}).get("MetricName"),
        completion=dict(config.get("CompletionCriteria") or {}),
        validation_fraction=(request.get("DataSplitConfig") or {}).get("ValidationFraction"),
    )
    if name == TABULAR:
        return JobSpec(
            **common,
            target=config["TargetAttributeName"],
            problem_type=config.get("ProblemType"),
            mode=config.get("Mode", "AUTO"),
            sample_weight=config.get("SampleWeightAttributeName"),
            algorithms=_algorithms(config.get("CandidateGenerationConfig")),
            generate_definitions_only=bool(config.get("GenerateCandidateDefinitionsOnly", False)),
        )
    if name == TIME_SERIES:
        return JobSpec(
            **common,
            target=config["TimeSeriesConfig"]["TargetAttributeName"],
            algorithms=_algorithms(config.get("CandidateGenerationConfig")),
            time_series={
                "ForecastFrequency": config["ForecastFrequency"],
                "ForecastHorizon": config["ForecastHorizon"],
                "ForecastQuantiles": list(config.get("ForecastQuantiles") or ["p10", "p50", "p90"]),
                "TimeSeriesConfig": dict(config["TimeSeriesConfig"]),
                "Transformations": dict(config.get("Transformations") or {}),
            },
        )
    if name == IMAGE_CLASSIFICATION:
        return JobSpec(**common)
    if name == TEXT_GENERATION:
        access = config.get("ModelAccessConfig")
        return JobSpec(
            **common,
            base_model=config.get("BaseModelName") or DEFAULT_BASE_MODEL,
            accept_eula=None if access is None else bool(access.get("AcceptEula")),
            hyperparameters=dict(config.get("TextGenerationHyperParameters") or {}),
        )
    return JobSpec(**common, target=config["TargetLabelColumn"], content_column=config["ContentColumn"])


def _check(spec: JobSpec) -> None:
    kinds = [c.channel_type for c in spec.channels]
    if kinds.count("training") != 1 or kinds.count("validation") > 1:
        raise ValidationError(
            f"Invalid input channels: ChannelType values {kinds!r}. Exactly one 'training' channel and at "
            "most one 'validation' channel are allowed."
        )
    if spec.validation is not None and spec.validation_fraction is not None:
        raise ValidationError(
            f"Invalid DataSplitConfig.ValidationFraction: {spec.validation_fraction!r}. It cannot be set "
            "together with a 'validation' channel."
        )
    channels_field = "InputDataConfig" if spec.api_version == "v1" else "AutoMLJobInputDataConfig"
    images = spec.problem_config_name == IMAGE_CLASSIFICATION
    allowed_types = IMAGE_CONTENT_TYPES if images else CONTENT_TYPES
    for index, channel in enumerate(spec.channels):
        where = f"{channels_field}[{index}]"
        if channel.s3_data_type == "AugmentedManifestFile" and not images:
            raise ValidationError(
                f"Invalid {where}.DataSource.S3DataSource.S3DataType: 'AugmentedManifestFile' for a "
                f"{spec.problem_config_name} job. Augmented manifests hold images with their labels "
                "(ImageClassification); this problem type reads S3Prefix and ManifestFile data."
            )
        if not channel.s3_uri.startswith("s3://"):
            raise ValidationError(
                f"Invalid S3Uri: {channel.s3_uri!r}. The local AutoML backend reads s3:// URIs."
            )
        _check_s3_location(f"{where}.DataSource.S3DataSource.S3Uri", channel.s3_uri)
        if channel.content_type is not None and channel.content_type.replace(" ", "") not in allowed_types:
            raise ValidationError(
                f"Invalid ContentType: {channel.content_type!r} for {spec.problem_config_name}. Allowed: "
                f"{', '.join(allowed_types)}."
            )
        if channel.compression == "Gzip" and spec.problem_config_name in (
            IMAGE_CLASSIFICATION,
            TEXT_GENERATION,
        ):
            raise ValidationError(
                f"Invalid {where}.CompressionType: 'Gzip' for {spec.problem_config_name}. Gzip is allowed "
                "for S3Prefix inputs of tabular data only; use 'None'."
            )
    contents = {(c.content_type or "image/*").replace(" ", "") for c in spec.channels}
    if images and len(contents) > 1:
        raise ValidationError(
            f"Invalid ContentType: {sorted(contents)!r}. Training and validation channels must share "
            "the same ContentType."
        )
    if not spec.output_path.startswith("s3://"):
        raise ValidationError(
            f"Invalid OutputDataConfig.S3OutputPath: {spec.output_path!r}. It must be an s3:// URI."
        )
    _check_s3_location("OutputDataConfig.S3OutputPath", spec.output_path)
    metric = spec.objective_metric
    if spec.problem_config_name == TABULAR:
        if (
            spec.problem_type is not None
            and metric is not None
            and metric not in TABULAR_METRICS[spec.problem_type]
        ):
            raise ValidationError(
                f"Invalid AutoMLJobObjective.MetricName: {metric!r} for ProblemType {spec.problem_type!r}. "
                f"Allowed: {', '.join(TABULAR_METRICS[spec.problem_type])}."
            )
        if metric is not None and metric not in {m for ms in TABULAR_METRICS.values() for m in ms}:
            raise ValidationError(
                f"Invalid AutoMLJobObjective.MetricName: {metric!r} for a Tabular job. Allowed: "
                f"{', '.join(sorted({m for ms in TABULAR_METRICS.values() for m in ms}))}."
            )
        if spec.generate_definitions_only and spec.mode == "ENSEMBLING":
            raise ValidationError(
                "Invalid GenerateCandidateDefinitionsOnly: True with Mode 'ENSEMBLING'. "
                "Candidate definitions "
                "are generated in HYPERPARAMETER_TUNING (or AUTO) mode only."
            )
        if spec.algorithms is not None:
            allowed: tuple[str, ...] = (
                HPO_ALGORITHMS if spec.mode == "HYPERPARAMETER_TUNING" else ENSEMBLING_ALGORITHMS
            )
            if spec.mode == "AUTO":
                allowed = tuple(dict.fromkeys(HPO_ALGORITHMS + ENSEMBLING_ALGORITHMS))
            bad = [a for a in spec.algorithms if a not in allowed]
            if bad:
                raise ValidationError(
                    f"Invalid AutoMLAlgorithms: {bad!r} for Mode {spec.mode!r}. "
                    f"Allowed: {', '.join(allowed)}."
                )
    elif spec.problem_config_name == TIME_SERIES:
        if metric is not None and metric not in TIME_SERIES_METRICS:
            raise ValidationError(
                f"Invalid AutoMLJobObjective.MetricName: {metric!r} for TimeSeriesForecasting. "
                f"Allowed: {', '.join(TIME_SERIES_METRICS)}."
            )
        bad = [a for a in spec.algorithms or () if a not in TIME_SERIES_ALGORITHMS]
        if bad:
            raise ValidationError(
                f"Invalid AutoMLAlgorithms: {bad!r} for TimeSeriesForecasting. "
                f"Allowed: {', '.join(TIME_SERIES_ALGORITHMS)}."
            )
        quantiles = spec.time_series["ForecastQuantiles"]
        if len(set(quantiles)) != len(quantiles):
            raise ValidationError(f"Invalid ForecastQuantiles: {quantiles!r}. Quantiles must be unique.")
    elif spec.problem_config_name == TEXT_GENERATION:
        _check_text_generation(spec)
    elif metric is not None and metric not in TEXT_METRICS:
        raise ValidationError(
            f"Invalid AutoMLJobObjective.MetricName: {metric!r} for {spec.problem_config_name}. "
            "Allowed: Accuracy."
        )


def _check_text_generation(spec: JobSpec) -> None:
    """Autopilot's rules for LLM fine-tuning requests (see base_models.py for the sources)."""
    if spec.objective_metric is not None:
        raise ValidationError(
            f"Invalid AutoMLJobObjective.MetricName: {spec.objective_metric!r} for TextGeneration. "
            "Fine-tuning minimises the cross-entropy loss; leave AutoMLJobObjective out."
        )
    model = BASE_MODELS.get(spec.base_model or "")
    if model is None:
        raise ValidationError(
            f"Invalid TextGenerationJobConfig.BaseModelName: {show(spec.base_model)}. Allowed: "
            f"{', '.join(BASE_MODELS)}."
        )
    if model.gated and not spec.accept_eula:
        given = "is not set" if spec.accept_eula is None else "is false"
        raise ValidationError(
            f"Invalid TextGenerationJobConfig.ModelAccessConfig: ModelAccessConfig.AcceptEula {given} for "
            f"BaseModelName {model.name!r}, whose end-user license agreement must be accepted. Set "
            "ModelAccessConfig to {'AcceptEula': true} after reviewing the model's license."
        )
    try:
        parse_hyperparameters(spec.hyperparameters)
    except ValueError as err:
        raise ValidationError(str(err)) from None
    candidates = spec.completion.get("MaxCandidates")
    if candidates is not None and candidates != 1:
        raise ValidationError(
            f"Invalid TextGenerationJobConfig.CompletionCriteria.MaxCandidates: {candidates!r}. Fine-tuning "
            "trains one model: the supported value is 1."
        )


def _check_s3_location(field: str, uri: str) -> None:
    """Refuse a bucket that breaks S3's naming rules, or a key the backend could not mirror to a path."""
    bucket, _, key = uri[len("s3://") :].partition("/")
    problem, rule = bucket_problem(bucket), BUCKET_RULE
    if problem is None:
        problem, rule = key_problem(key, prefix=True), KEY_RULE
    if problem is not None:
        raise ValidationError(f"Invalid {field}: {show(uri)}: {problem}. {rule}.")


# -- describe views ---------------------------------------------------------------------------------


def v2_view(api_version: str, request: dict[str, Any]) -> dict[str, Any]:
    """The V2 describe fields of a create request (V1 requests are translated)."""
    request = copy.deepcopy(request)
    keep = (
        "AutoMLJobObjective",
        "ModelDeployConfig",
        "SecurityConfig",
        "DataSplitConfig",
        "AutoMLComputeConfig",
    )
    if api_version == "v2":
        view = {k: request[k] for k in ("AutoMLJobInputDataConfig", "OutputDataConfig", "RoleArn")}
        view["AutoMLProblemTypeConfig"] = request["AutoMLProblemTypeConfig"]
        view.update({k: request[k] for k in keep if k in request})
        return view
    entries = request["InputDataConfig"]
    config = request.get("AutoMLJobConfig") or {}
    tabular: dict[str, Any] = {"TargetAttributeName": entries[0]["TargetAttributeName"]}
    if request.get("ProblemType"):
        tabular["ProblemType"] = request["ProblemType"]
    for key in ("CompletionCriteria", "Mode"):
        if key in config:
            tabular[key] = config[key]
    if "CandidateGenerationConfig" in config:
        generation = dict(config["CandidateGenerationConfig"])
        tabular["CandidateGenerationConfig"] = {
            k: v for k, v in generation.items() if k == "AlgorithmsConfig"
        }
        if "FeatureSpecificationS3Uri" in generation:
            tabular["FeatureSpecificationS3Uri"] = generation["FeatureSpecificationS3Uri"]
    if entries[0].get("SampleWeightAttributeName"):
        tabular["SampleWeightAttributeName"] = entries[0]["SampleWeightAttributeName"]
    if "GenerateCandidateDefinitionsOnly" in request:
        tabular["GenerateCandidateDefinitionsOnly"] = request["GenerateCandidateDefinitionsOnly"]
    view = {
        "AutoMLJobInputDataConfig": [
            {k: v for k, v in e.items() if k not in ("TargetAttributeName", "SampleWeightAttributeName")}
            for e in entries
        ],
        "OutputDataConfig": request["OutputDataConfig"],
        "RoleArn": request["RoleArn"],
        "AutoMLProblemTypeConfig": {"TabularJobConfig": tabular},
    }
    for key in ("AutoMLJobObjective", "ModelDeployConfig"):
        if key in request:
            view[key] = request[key]
    if "DataSplitConfig" in config:
        view["DataSplitConfig"] = config["DataSplitConfig"]
    if "SecurityConfig" in config:
        view["SecurityConfig"] = config["SecurityConfig"]
    return view


def v1_view(api_version: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """The V1 describe fields of a create request; None when V1 cannot describe it (non-tabular V2)."""
    request = copy.deepcopy(request)
    if api_version == "v1":
        keys = (
            "InputDataConfig",
            "OutputDataConfig",
            "RoleArn",
            "AutoMLJobObjective",
            "ProblemType",
            "AutoMLJobConfig",
            "GenerateCandidateDefinitionsOnly",
            "ModelDeployConfig",
        )
        return {k: request[k] for k in keys if k in request}
    tabular = request["AutoMLProblemTypeConfig"].get("TabularJobConfig")
    if tabular is None:
        return None
    channels = []
    for entry in request["AutoMLJobInputDataConfig"]:
        channel = dict(entry, TargetAttributeName=tabular["TargetAttributeName"])
        if tabular.get("SampleWeightAttributeName"):
            channel["SampleWeightAttributeName"] = tabular["SampleWeightAttributeName"]
        channels.append(channel)
    config: dict[str, Any] = {}
    for key in ("CompletionCriteria", "Mode"):
        if key in tabular:
            config[key] = tabular[key]
    if "CandidateGenerationConfig" in tabular or "FeatureSpecificationS3Uri" in tabular:
        generation = dict(tabular.get("CandidateGenerationConfig") or {})
        if "FeatureSpecificationS3Uri" in tabular:
            generation["FeatureSpecificationS3Uri"] = tabular["FeatureSpecificationS3Uri"]
        config["CandidateGenerationConfig"] = generation
    if "DataSplitConfig" in request:
        config["DataSplitConfig"] = request["DataSplitConfig"]
    if "SecurityConfig" in request:
        config["SecurityConfig"] = request["SecurityConfig"]
    view = {
        "InputDataConfig": channels,
        "OutputDataConfig": request["OutputDataConfig"],
        "RoleArn": request["RoleArn"],
    }
    if config:
        view["AutoMLJobConfig"] = config
    for key in ("AutoMLJobObjective", "ModelDeployConfig"):
        if key in request:
            view[key] = request[key]
    if tabular.get("ProblemType"):
        view["ProblemType"] = tabular["ProblemType"]
    if "GenerateCandidateDefinitionsOnly" in tabular:
        view["GenerateCandidateDefinitionsOnly"] = tabular["GenerateCandidateDefinitionsOnly"]
    return view
