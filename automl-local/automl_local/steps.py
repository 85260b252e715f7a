"""The step jobs a candidate names in ``CandidateSteps``, answered from the job record.

Clients follow ``CandidateSteps`` (the SageMaker SDK's ``CandidateEstimator.get_steps()`` describes each
one), but the steps are not jobs moto knows. DescribeTrainingJob / DescribeProcessingJob /
DescribeTransformJob of a step name come here and are rendered from the candidate's real run: its
status and times, its algorithm image, hyperparameters and model artifact, the job's input channels and
role. Any other name goes to moto.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from automl_local import candidates as cand
from automl_local.errors import ResourceNotFoundError, show
from automl_local.store import JobStore, Record

# action -> (request member with the name, CandidateStepType suffix)
STEP_ACTIONS = {
    "DescribeTrainingJob": ("TrainingJobName", "TrainingJob"),
    "DescribeProcessingJob": ("ProcessingJobName", "ProcessingJob"),
    "DescribeTransformJob": ("TransformJobName", "TransformJob"),
}
# Autopilot's usual instances: what the steps would have run on.
TRAINING_INSTANCE = "ml.m5.4xlarge"
PROCESSING_INSTANCE = "ml.m5.2xlarge"
TRANSFORM_INSTANCE = "ml.m5.4xlarge"
VOLUME_GB = 50
DEFAULT_MAX_RUNTIME = 86400  # a training job's default MaxRuntimeInSeconds
ENDED = ("Completed", "Failed", "Stopped")
MAX_HYPERPARAMETERS = 100
MAX_HYPERPARAMETER_CHARS = 2500


@dataclass(frozen=True)
class Found:
    """A step job: its job record, its CandidateSteps entry and the candidates that list it."""

    record: Record
    step: dict[str, str]
    owners: list[dict[str, Any]]

    @property
    def name(self) -> str:
        return self.step["CandidateStepName"]


class CandidateStepJobs:
    def __init__(self, *, store: JobStore) -> None:
        self.store = store

    def find(self, action: str, body: Any) -> Found | None:
        """The step ``body`` names, when it is a step of a candidate of a stored job."""
        if action not in STEP_ACTIONS or not isinstance(body, dict):
            return None
        member, step_type = STEP_ACTIONS[action]
        name = body.get(member)
        if not isinstance(name, str) or len(name) > 63:
            return None
        wanted = name.lower()
        # Every step name starts with "<job>-" (candidates.step_names): try each such prefix, so
        # a lookup costs a few dict probes however many jobs the store holds.
        parts = name.split("-")
        for end in range(1, len(parts)):
            record = self.store.get("-".join(parts[:end]))
            if record is None:
                continue
            owners, step = [], None
            for entry in record.get("Candidates", []):
                for candidate_step in entry.get("CandidateSteps", []):
                    if (
                        candidate_step["CandidateStepName"].lower() == wanted
                        and candidate_step["CandidateStepType"] == f"AWS::SageMaker::{step_type}"
                    ):
                        owners.append(entry)
                        step = candidate_step
            if step is not None:
                return Found(record=record, step=step, owners=owners)
        return None

    def describe(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        found = self.find(action, body)
        if found is None:
            member, step_type = STEP_ACTIONS[action]
            raise ResourceNotFoundError(f"Could not find {step_type} {show(body.get(member))}.")
        if action == "DescribeProcessingJob":
            return _processing(found)
        if action == "DescribeTransformJob":
            return _transform(found)
        return _training(found)


# -- shared pieces ---------------------------------------------------------------------------------
def _request(found: Found) -> dict[str, Any]:
    return dict(found.record.get("Request") or {})


def _security(found: Found) -> dict[str, Any]:
    request = _request(found)
    return dict(
        request.get("SecurityConfig") or (request.get("AutoMLJobConfig") or {}).get("SecurityConfig") or {}
    )


def _output_path(found: Found) -> str:
    return str(_request(found)["OutputDataConfig"]["S3OutputPath"])


def _root(found: Found) -> str:
    return cand.output_root(_output_path(found), found.record["AutoMLJobName"])


def _channels(found: Found) -> list[dict[str, Any]]:
    request = _request(found)
    return list(request.get("AutoMLJobInputDataConfig") or request.get("InputDataConfig") or [])


def _channel_name(entry: dict[str, Any]) -> str:
    return "validation" if entry.get("ChannelType") == "validation" else "train"


def _source(entry: dict[str, Any]) -> dict[str, Any]:
    return dict(entry["DataSource"]["S3DataSource"])


def _completion(found: Found) -> dict[str, Any]:
    return dict((found.record.get("Resolved") or {}).get("CompletionCriteria") or {})


def _first_started(found: Found) -> float:
    return float(min(entry["CreationTime"] for entry in found.owners))


def _shared_window(found: Found, index: int, count: int) -> tuple[float, float]:
    """Start and end of the index-th of ``count`` steps run one after another before the first
    candidate trained: data split, then (HPO) feature processing and its transform."""
    start = float(found.record["CreationTime"])
    span = max(0.0, _first_started(found) - start) / count
    return round(start + index * span, 3), round(start + (index + 1) * span, 3)


def _common(found: Found, arn_key: str) -> dict[str, Any]:
    found_arn = found.step["CandidateStepArn"]
    response = {arn_key: found_arn, "AutoMLJobArn": found.record["AutoMLJobArn"]}
    role = _request(found).get("RoleArn")
    if role:
        response["RoleArn"] = role
    return response


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _hyperparameters(values: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in list(values.items())[:MAX_HYPERPARAMETERS]:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        # The model's pattern is Java's ".*": no line terminators.
        found[str(key)[:256]] = " ".join(text.splitlines())[:MAX_HYPERPARAMETER_CHARS]
    return found


# -- training --------------------------------------------------------------------------------------
def _training(found: Found) -> dict[str, Any]:
    record = found.record
    job = record["AutoMLJobName"]
    names = cand.step_names(job)
    own = next((e for e in found.owners if e["CandidateName"].lower() == found.name.lower()), None)
    if own is not None:  # an HPO candidate's own training job
        status = own["CandidateStatus"]
        created = float(own["CreationTime"])
        ended = own.get("EndTime")
        modified = own.get("LastModifiedTime", created)
        image = _algorithm_image(found, own, hpo=True)
        model = (
            _container_url(own)
            or cand.locations(
                _output_path(found),
                job,
                own["CandidateName"],
                label=cand.hpo_label(job, own["CandidateName"]),
                kind="hpo",
            )["model"]
        )
        hyperparameters = _hyperparameters(own.get("Hyperparameters") or {})
        best: dict[str, Any] | None = own
    elif found.name.lower() == names["dpp_training"].lower():  # HPO: the data-processing model
        status = "Completed"
        created, ended = _shared_window(found, 1, 3)
        modified = ended
        image = cand.SKLEARN_AUTOML_IMAGE.format(region=_region(record))
        model = cand.data_processor_uri(_output_path(found), job)
        hyperparameters = {
            "processor_module": "candidate_data_processors.dpp0",
            "sagemaker_program": "candidate_data_processors/trainer.py",
        }
        best = None
    else:  # ensembling, text, time series: one training job trains every candidate
        statuses = {e["CandidateStatus"] for e in found.owners}
        status = next(
            (s for s in ("InProgress", "Stopping", "Completed", "Stopped") if s in statuses), "Failed"
        )
        created = _first_started(found)
        ends = [e["EndTime"] for e in found.owners if e.get("EndTime")]
        ended = max(ends) if ends and status in ENDED else None
        modified = max(e.get("LastModifiedTime", created) for e in found.owners)
        best = _best(found)
        image = _algorithm_image(found, best or found.owners[0], hpo=False)
        model = (_container_url(best) if best else None) or (
            f"{_root(found)}/sagemaker-automl-candidates/model/"
        )
        algorithms = sorted({str(e.get("Algorithm")) for e in found.owners if e.get("Algorithm")})
        hyperparameters = {"algorithms": ",".join(algorithms)} if algorithms else {}
    security = _security(found)
    resource: dict[str, Any] = {
        "InstanceType": TRAINING_INSTANCE,
        "InstanceCount": 1,
        "VolumeSizeInGB": VOLUME_GB,
    }
    if security.get("VolumeKmsKeyId"):
        resource["VolumeKmsKeyId"] = security["VolumeKmsKeyId"]
    output: dict[str, Any] = {"S3OutputPath": _output_dir(model, found.name)}
    if _request(found)["OutputDataConfig"].get("KmsKeyId"):
        output["KmsKeyId"] = _request(found)["OutputDataConfig"]["KmsKeyId"]
    response: dict[str, Any] = {
        "TrainingJobName": found.name,
        **_common(found, "TrainingJobArn"),
        "ModelArtifacts": {"S3ModelArtifacts": model},
        "TrainingJobStatus": status,
        "SecondaryStatus": _secondary(status),
        "AlgorithmSpecification": {
            "TrainingImage": image,
            "TrainingInputMode": "File",
            "EnableSageMakerMetricsTimeSeries": False,
        },
        "InputDataConfig": [
            {
                "ChannelName": _channel_name(entry),
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": _source(entry)["S3DataType"],
                        "S3Uri": _source(entry)["S3Uri"],
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
                "ContentType": entry.get("ContentType") or "text/csv;header=present",
                "CompressionType": entry.get("CompressionType") or "None",
                "RecordWrapperType": "None",
                "InputMode": "File",
            }
            for entry in _channels(found)
        ],
        "OutputDataConfig": output,
        "ResourceConfig": resource,
        "StoppingCondition": {
            "MaxRuntimeInSeconds": int(
                _completion(found).get("MaxRuntimePerTrainingJobInSeconds") or DEFAULT_MAX_RUNTIME
            )
        },
        "CreationTime": created,
        "TrainingStartTime": created,
        "LastModifiedTime": modified,
        "SecondaryStatusTransitions": _transitions(status, created, ended),
        "EnableNetworkIsolation": False,
        "EnableInterContainerTrafficEncryption": bool(security.get("EnableInterContainerTrafficEncryption")),
        "EnableManagedSpotTraining": False,
    }
    if not response["InputDataConfig"]:
        del response["InputDataConfig"]
    if hyperparameters:
        response["HyperParameters"] = hyperparameters
    if security.get("VpcConfig"):
        response["VpcConfig"] = security["VpcConfig"]
    if ended is not None:
        response["TrainingEndTime"] = ended
        seconds = max(1, round(float(ended) - created))
        response["TrainingTimeInSeconds"] = response["BillableTimeInSeconds"] = seconds
    if best is not None and _finite(best.get("ObjectiveValue")):
        metric = (best.get("FinalAutoMLJobObjectiveMetric") or {}).get("MetricName") or (
            record.get("Resolved") or {}
        ).get("MetricName")
        if metric:
            entry: dict[str, Any] = {"MetricName": metric, "Value": float(best["ObjectiveValue"])}
            if best.get("EndTime"):
                entry["Timestamp"] = best["EndTime"]
            response["FinalMetricDataList"] = [entry]
    if status == "Failed":
        reasons = [e["FailureReason"] for e in found.owners if e.get("FailureReason")]
        response["FailureReason"] = (reasons[0] if reasons else "The candidate failed.")[:1024]
    return response


def _best(found: Found) -> dict[str, Any] | None:
    metric = (found.record.get("Resolved") or {}).get("MetricName") or ""
    best = None
    for entry in found.owners:
        if entry["CandidateStatus"] != "Completed" or not _finite(entry.get("ObjectiveValue")):
            continue
        if best is None or cand.better(metric, entry["ObjectiveValue"], best["ObjectiveValue"]):
            best = entry
    return best


def _algorithm_image(found: Found, entry: dict[str, Any], *, hpo: bool) -> str:
    """The candidate's model container image (not the data-processing ones around it)."""
    region = _region(found.record)
    processing = cand.SKLEARN_AUTOML_IMAGE.format(region=region)
    for container in entry.get("InferenceContainers") or []:
        if container.get("Image") and container["Image"] != processing:
            return str(container["Image"])
    # No containers yet (training, or failed): the image its algorithm would have been served with.
    if hpo and entry.get("Algorithm") in cand.ALGORITHM_IMAGES:
        return cand.ALGORITHM_IMAGES[entry["Algorithm"]].format(region=region)
    if found.record.get("ProblemTypeConfigName") == "TextClassification":
        return cand.TEXT_IMAGE.format(region=region)
    return cand.AUTOGLUON_IMAGE.format(region=region)


def _container_url(entry: dict[str, Any]) -> str | None:
    """The model artifact among the candidate's containers (the data processor's is shared)."""
    containers = entry.get("InferenceContainers") or []
    model = containers[1] if len(containers) > 1 else (containers[0] if containers else None)
    return str(model["ModelDataUrl"]) if model and model.get("ModelDataUrl") else None


def _output_dir(model: str, name: str) -> str:
    """SageMaker writes <S3OutputPath>/<job>/output/model.tar.gz; other layouts: the object's folder."""
    suffix = f"/{name}/output/model.tar.gz"
    if model.lower().endswith(suffix.lower()):
        return model[: -len(suffix)]
    return model.rsplit("/", 1)[0] if not model.endswith("/") else model.rstrip("/")


def _region(record: Record) -> str:
    return str(record["AutoMLJobArn"].split(":")[3])


def _secondary(status: str) -> str:
    return {"InProgress": "Training", "Stopping": "Stopping"}.get(status, status)


def _transitions(status: str, created: float, ended: Any) -> list[dict[str, Any]]:
    starting: dict[str, Any] = {"Status": "Starting", "StartTime": created, "EndTime": created}
    training: dict[str, Any] = {"Status": "Training", "StartTime": created}
    found = [starting, training]
    if ended is not None:
        training["EndTime"] = ended
        found.append({"Status": _secondary(status), "StartTime": ended, "EndTime": ended})
    elif status == "Stopping":
        found.append({"Status": "Stopping", "StartTime": created})
    return found


# -- processing ------------------------------------------------------------------------------------
def _processing(found: Found) -> dict[str, Any]:
    """The data split that runs before any candidate trains (Autopilot's ``-db-`` job)."""
    created, ended = _shared_window(found, 0, 3)
    inputs = []
    for entry in _channels(found):
        source = _source(entry)
        inputs.append(
            {
                "InputName": _channel_name(entry),
                "AppManaged": False,
                "S3Input": {
                    "S3Uri": source["S3Uri"],
                    "LocalPath": f"/opt/ml/processing/input/{_channel_name(entry)}",
                    "S3DataType": "S3Prefix" if source["S3DataType"] == "S3Prefix" else "ManifestFile",
                    "S3InputMode": "File",
                    "S3DataDistributionType": "FullyReplicated",
                    "S3CompressionType": entry.get("CompressionType") or "None",
                },
            }
        )
    output = f"{_root(found)}/preprocessed-data/{found.name}"
    security = _security(found)
    cluster: dict[str, Any] = {
        "InstanceCount": 1,
        "InstanceType": PROCESSING_INSTANCE,
        "VolumeSizeInGB": VOLUME_GB,
    }
    if security.get("VolumeKmsKeyId"):
        cluster["VolumeKmsKeyId"] = security["VolumeKmsKeyId"]
    response: dict[str, Any] = {
        "ProcessingInputs": inputs,
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": name,
                    "S3Output": {
                        "S3Uri": f"{output}/{name}",
                        "LocalPath": f"/opt/ml/processing/output/{name}",
                        "S3UploadMode": "EndOfJob",
                    },
                    "AppManaged": False,
                }
                for name in ("train", "validation")
            ]
        },
        "ProcessingJobName": found.name,
        "ProcessingResources": {"ClusterConfig": cluster},
        "StoppingCondition": {"MaxRuntimeInSeconds": DEFAULT_MAX_RUNTIME},
        "AppSpecification": {"ImageUri": cand.SKLEARN_AUTOML_IMAGE.format(region=_region(found.record))},
        **_common(found, "ProcessingJobArn"),
        "ProcessingJobStatus": "Completed",
        "ProcessingStartTime": created,
        "ProcessingEndTime": ended,
        "LastModifiedTime": ended,
        "CreationTime": created,
    }
    if not inputs:
        del response["ProcessingInputs"]
    return response


# -- transform -------------------------------------------------------------------------------------
def _transform(found: Found) -> dict[str, Any]:
    """HPO: the data processor applied to the data, written as RecordIO-protobuf for the algorithms."""
    created, ended = _shared_window(found, 2, 3)
    channels = _channels(found)
    training = next((e for e in channels if _channel_name(e) == "train"), channels[0] if channels else None)
    if training is None:
        raise ResourceNotFoundError(f"Could not find TransformJob {show(found.name)}.")
    source = _source(training)
    job = found.record["AutoMLJobName"]
    response: dict[str, Any] = {
        "TransformJobName": found.name,
        **_common(found, "TransformJobArn"),
        "TransformJobStatus": "Completed",
        "ModelName": cand.step_names(job)["dpp_training"],
        "MaxConcurrentTransforms": 1,
        "MaxPayloadInMB": 6,
        "BatchStrategy": "MultiRecord",
        "Environment": {
            "AUTOML_TRANSFORM_MODE": "feature-transform",
            "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/x-recordio-protobuf",
        },
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": source["S3DataType"], "S3Uri": source["S3Uri"]}},
            "ContentType": training.get("ContentType") or "text/csv;header=present",
            "CompressionType": training.get("CompressionType") or "None",
            "SplitType": "Line",
        },
        "TransformOutput": {
            "S3OutputPath": f"{_root(found)}/preprocessed-data/{found.name}",
            "Accept": "application/x-recordio-protobuf",
            "AssembleWith": "None",
        },
        "TransformResources": {"InstanceType": TRANSFORM_INSTANCE, "InstanceCount": 1},
        "DataProcessing": {"InputFilter": "$", "OutputFilter": "$", "JoinSource": "None"},
        "CreationTime": created,
        "TransformStartTime": created,
        "TransformEndTime": ended,
    }
    response.pop("RoleArn", None)  # not a member of DescribeTransformJob's answer
    kms = _security(found).get("VolumeKmsKeyId")
    if kms:
        response["TransformResources"]["VolumeKmsKeyId"] = kms
    return response


__all__ = ["STEP_ACTIONS", "CandidateStepJobs", "Found"]
