"""How a candidate looks in the API: names, S3 artifact layout, inference containers, steps and metrics,
in the style of Autopilot's (images of the real us-east-1 repositories; they are not pulled locally).
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from automl_local.spec import MINIMIZED_METRICS, metric_type

SKLEARN_AUTOML_IMAGE = "683313688378.dkr.ecr.{region}.amazonaws.com/sagemaker-sklearn-automl:2.5-1-cpu-py3"
ALGORITHM_IMAGES = {
    "xgboost": "683313688378.dkr.ecr.{region}.amazonaws.com/sagemaker-xgboost:1.7-1",
    "linear-learner": "382416733822.dkr.ecr.{region}.amazonaws.com/linear-learner:1",
    "mlp": "763104351884.dkr.ecr.{region}.amazonaws.com/pytorch-inference:2.0.1-cpu-py310",
}
AUTOGLUON_IMAGE = (
    "763104351884.dkr.ecr.{region}.amazonaws.com/autogluon-inference:1.1.1-cpu-py311-ubuntu22.04"
)
TEXT_IMAGE = (
    "763104351884.dkr.ecr.{region}.amazonaws.com/"
    "huggingface-pytorch-inference:2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04"
)
# Image classification serves on the Hugging Face PyTorch inference images, CPU and GPU builds.
IMAGE_CPU_IMAGE = TEXT_IMAGE
IMAGE_GPU_IMAGE = (
    "763104351884.dkr.ecr.{region}.amazonaws.com/"
    "huggingface-pytorch-inference:2.1.0-transformers4.37.0-gpu-py310-cu118-ubuntu20.04"
)
# Fine-tuned LLMs serve on Hugging Face's text generation inference (TGI) image, GPU only.
TEXT_GENERATION_IMAGE = (
    "763104351884.dkr.ecr.{region}.amazonaws.com/"
    "huggingface-pytorch-tgi-inference:2.1.1-tgi1.4.0-gpu-py310-cu121-ubuntu22.04"
)
SAGEMAKER_SERVE = {"SAGEMAKER_PROGRAM": "sagemaker_serve", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"}
ACCOUNT_ID = "123456789012"  # moto's default account: any credentials land there

# Metrics whose names are outside AutoMLMetricEnum are reported by StandardMetricName only, as Autopilot does.
STANDARD_ONLY = frozenset(
    {
        "LogLoss",
        "InferenceLatency",
        "Rouge1",
        "Rouge2",
        "RougeL",
        "RougeLSum",
        "Perplexity",
        "ValidationLoss",
        "TrainingLoss",
    }
)


def digest(*parts: str, length: int = 8) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:length]


def job_arn(name: str, region: str) -> str:
    return f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:automl-job/{name.lower()}"


def candidate_name(job: str, index: int, label: str, kind: str) -> str:
    if kind == "hpo":
        return f"{job}-{label}-{index:03d}-{digest(job, label, str(index))}"
    return f"{job}-t{index}-{label}"[:64]


def output_root(output_path: str, job: str) -> str:
    return f"{output_path.rstrip('/')}/{job}"


def locations(output_path: str, job: str, candidate: str, *, label: str, kind: str) -> dict[str, str]:
    root = output_root(output_path, job)
    found = {
        "explainability": f"{root}/documentation/explainability/output/{candidate}",
        "model_insights": f"{root}/documentation/model_insights/output/{candidate}",
    }
    if kind == "hpo":
        found["model"] = f"{root}/tuning/{job}-dpp0-{label}/{candidate}/output/model.tar.gz"
        found["data_processor"] = data_processor_uri(output_path, job)
    else:
        found["model"] = f"{root}/sagemaker-automl-candidates/model/{candidate}/model.tar.gz"
    if kind == "timeseries":
        found["backtest"] = f"{root}/backtest_results/{candidate}"
    return found


def data_processor_uri(output_path: str, job: str) -> str:
    """The model of the data-processing training step, shared by all candidates of an HPO job."""
    step = step_names(job)["dpp_training"]
    return f"{output_root(output_path, job)}/data-processor-models/{step}/output/model.tar.gz"


def hpo_label(job: str, candidate: str) -> str:
    """The label in an HPO candidate's name (the inverse of :func:`candidate_name`)."""
    return candidate[len(job) + 1 :].rsplit("-", 2)[0]


def job_artifacts(output_path: str, job: str, *, definitions: bool) -> dict[str, str]:
    base = f"{output_root(output_path, job)}/sagemaker-automl-candidates/{job}-pr-1-{digest(job)}/notebooks"
    found = {"DataExplorationNotebookLocation": f"{base}/SageMakerAutopilotDataExplorationNotebook.ipynb"}
    if definitions:
        found["CandidateDefinitionNotebookLocation"] = (
            f"{base}/SageMakerAutopilotCandidateDefinitionNotebook.ipynb"
        )
    return found


def containers(
    *, kind: str, algorithm: str, label: str, problem_type: str | None, where: dict[str, str], region: str
) -> list[dict[str, Any]]:
    classify = problem_type not in (None, "Regression")
    if kind == "hpo":
        processing = {
            "Image": SKLEARN_AUTOML_IMAGE.format(region=region),
            "ModelDataUrl": where["data_processor"],
            "Environment": {
                "AUTOML_SPARSE_ENCODE_RECORDIO_PROTOBUF": "1",
                "AUTOML_TRANSFORM_MODE": "feature-transform",
                "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/x-recordio-protobuf",
                **SAGEMAKER_SERVE,
            },
        }
        model = {
            "Image": ALGORITHM_IMAGES[algorithm].format(region=region),
            "ModelDataUrl": where["model"],
            "Environment": {
                "MAX_CONTENT_LENGTH": "20971520",
                "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
                "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
                "SAGEMAKER_INFERENCE_SUPPORTED": (
                    "predicted_label,probability,probabilities" if classify else "predicted_label"
                ),
            },
        }
        if not classify:
            return [processing, model]
        inverse = {
            "Image": SKLEARN_AUTOML_IMAGE.format(region=region),
            "ModelDataUrl": where["data_processor"],
            "Environment": {
                "AUTOML_TRANSFORM_MODE": "inverse-label-transform",
                "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
                "SAGEMAKER_INFERENCE_INPUT": "predicted_label",
                "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
                "SAGEMAKER_INFERENCE_SUPPORTED": "predicted_label,probability,labels,probabilities",
                **SAGEMAKER_SERVE,
            },
        }
        return [processing, model, inverse]
    if kind == "text":
        return [classifier_container(TEXT_IMAGE.format(region=region), label, where["model"], "text/csv")]
    if kind == "image":
        image = IMAGE_CPU_IMAGE.format(region=region)
        return [classifier_container(image, label, where["model"], "application/json")]
    if kind == "textgen":
        return [text_generation_container(TEXT_GENERATION_IMAGE.format(region=region), label, where["model"])]
    if kind == "timeseries":
        return [
            {
                "Image": AUTOGLUON_IMAGE.format(region=region),
                "ModelDataUrl": where["model"],
                "Environment": {
                    "MODEL_NAME": label,
                    "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
                    "SAGEMAKER_PROGRAM": "timeseries_serve.py",
                    "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
                },
            }
        ]
    return [
        {
            "Image": AUTOGLUON_IMAGE.format(region=region),
            "ModelDataUrl": where["model"],
            "Environment": {
                "MODEL_NAME": label,
                "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
                "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
                "SAGEMAKER_INFERENCE_SUPPORTED": (
                    "predicted_label,probability,probabilities,labels" if classify else "predicted_label"
                ),
                "SAGEMAKER_PROGRAM": "tabular_serve.py",
                "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
            },
        }
    ]


def classifier_container(image: str, label: str, model_url: str, accept: str) -> dict[str, Any]:
    """The one container of a text or image classification candidate, answering ``accept`` by default.

    Autopilot serves both on the same ``sagemaker_serve`` program with the same inference outputs.
    """
    return {
        "Image": image,
        "ModelDataUrl": model_url,
        "Environment": {
            "MODEL_NAME": label,
            "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": accept,
            "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
            "SAGEMAKER_INFERENCE_SUPPORTED": "predicted_label,probability,labels,probabilities",
            **SAGEMAKER_SERVE,
        },
    }


def text_generation_container(image: str, label: str, model_url: str) -> dict[str, Any]:
    return {
        "Image": image,
        "ModelDataUrl": model_url,
        "Environment": {
            "HF_MODEL_ID": "/opt/ml/model",
            "MODEL_NAME": label,
            "SAGEMAKER_ENV": "1",
            "SAGEMAKER_MODEL_SERVER_TIMEOUT": "3600",
            "SAGEMAKER_PROGRAM": "inference.py",
            "SM_NUM_GPUS": "1",
        },
    }


def container_definitions(problem: str, containers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """``InferenceContainerDefinitions`` (by processing unit) of a V2 candidate, or None when Autopilot
    leaves it out (tabular and time series)."""
    if not containers:
        return None
    if problem == "TextClassification":
        return {"CPU": copy.deepcopy(containers)}
    if problem == "ImageClassification":
        gpu = IMAGE_GPU_IMAGE.format(region=_region(containers[0]["Image"]))
        return {
            "CPU": copy.deepcopy(containers),
            "GPU": [dict(copy.deepcopy(c), Image=gpu) for c in containers],
        }
    if problem == "TextGeneration":
        return {"GPU": copy.deepcopy(containers)}
    return None


def _region(image: str) -> str:
    """The region of an ECR image URI (``<account>.dkr.ecr.<region>.amazonaws.com/...``)."""
    return image.split(".dkr.ecr.", 1)[-1].split(".", 1)[0]


def steps(*, job: str, candidate: str, kind: str, region: str) -> list[dict[str, str]]:
    def step(step_type: str, resource: str, name: str) -> dict[str, str]:
        return {
            "CandidateStepType": f"AWS::SageMaker::{step_type}",
            "CandidateStepArn": f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{resource}/{name.lower()}",
            "CandidateStepName": name,
        }

    names = step_names(job)
    found = [step("ProcessingJob", "processing-job", names["data_split"])]
    if kind == "hpo":
        found += [
            step("TrainingJob", "training-job", names["dpp_training"]),
            step("TransformJob", "transform-job", names["dpp_transform"]),
        ]
    found.append(step("TrainingJob", "training-job", candidate if kind == "hpo" else names["training"]))
    return found


def step_names(job: str) -> dict[str, str]:
    """Names of the step jobs candidates share. Every step name starts with ``<job>-`` (steps.py
    relies on it to find the job of a step); an HPO candidate's own training job is named after it."""
    tag = digest(job)
    return {
        "data_split": f"{job}-db-1-{tag}",
        "dpp_training": f"{job}-dpp0-1-{tag}",
        "dpp_transform": f"{job}-dpp0-rpb-1-{tag}",
        "training": f"{job}-t1-{tag}",
    }


def metric_list(metrics: dict[str, float]) -> list[dict[str, Any]]:
    found = []
    for name, value in metrics.items():
        entry: dict[str, Any] = {"StandardMetricName": name, "Value": float(value), "Set": "Validation"}
        if name not in STANDARD_ONLY:
            entry["MetricName"] = name
        found.append(entry)
    return found


def objective(metric: str, value: float) -> dict[str, Any]:
    return {
        "Type": metric_type(metric),
        "MetricName": metric,
        "Value": float(value),
        "StandardMetricName": metric,
    }


def better(metric: str, a: float, b: float) -> bool:
    return a < b if metric in MINIMIZED_METRICS else a > b
