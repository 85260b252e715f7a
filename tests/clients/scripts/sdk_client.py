"""SageMaker Python SDK 2.x against the local backend: AutoML (V1) and AutoMLV2, as a user writes them.

Runs in the SDK's own venv. The SDK gets explicit SageMaker clients with the backend's endpoint_url;
S3 (upload_data, the default bucket) goes through its boto3 session, which takes the endpoint from
AWS_ENDPOINT_URL_S3 in the environment: ``sagemaker.Session`` has no S3 client argument.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import sagemaker
from _steps import Steps, config
from sagemaker.automl.automl import AutoML
from sagemaker.automl.automlv2 import (
    AutoMLDataChannel,
    AutoMLTabularConfig,
    AutoMLV2,
    LocalAutoMLDataChannel,
)
from sagemaker.automl.candidate_estimator import CandidateEstimator
from sagemaker.deserializers import CSVDeserializer
from sagemaker.predictor import Predictor
from sagemaker.serializers import CSVSerializer

TERMINAL = ("Completed", "Failed", "Stopped")
TAGS = [{"Key": "client", "Value": "sagemaker-sdk"}]


def candidate(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": entry["CandidateName"],
        "status": entry["CandidateStatus"],
        "objective": entry.get("FinalAutoMLJobObjectiveMetric", {}).get("Value"),
        "creation": entry["CreationTime"],
        "containers": [
            {"image": c["Image"], "model_data_url": c.get("ModelDataUrl"), "env": c.get("Environment", {})}
            for c in entry.get("InferenceContainers", [])
        ],
        "steps": [
            {"name": s["CandidateStepName"], "type": s["CandidateStepType"]}
            for s in entry.get("CandidateSteps", [])
        ],
    }


def model_containers(sm: Any, name: str) -> list[dict[str, Any]]:
    described = sm.describe_model(ModelName=name)
    containers = described.get("Containers") or [described["PrimaryContainer"]]
    return [
        {"image": c["Image"], "model_data_url": c.get("ModelDataUrl"), "env": c.get("Environment", {})}
        for c in containers
    ]


def main() -> None:
    cfg = config()
    names = cfg["names"]
    steps = Steps()
    boto_session = boto3.Session(region_name=cfg["region"])
    sm = boto_session.client("sagemaker", endpoint_url=cfg["endpoint_url"])
    runtime = boto_session.client("sagemaker-runtime", endpoint_url=cfg["endpoint_url"])
    session = sagemaker.Session(
        boto_session=boto_session,
        sagemaker_client=sm,
        sagemaker_runtime_client=runtime,
        default_bucket=cfg["bucket"],
    )
    state: dict[str, Any] = {}

    # -- V2: fit(wait=True) with the default logs=True. The SDK re-describes only every 30 s while
    # "tailing" (AutoML jobs have no log streams), so it runs in a thread beside the other steps, with
    # its own Session.
    def v2_fit_wait_logs() -> dict[str, Any]:
        own = sagemaker.Session(
            boto_session=boto_session,
            sagemaker_client=boto_session.client("sagemaker", endpoint_url=cfg["endpoint_url"]),
            sagemaker_runtime_client=runtime,
            default_bucket=cfg["bucket"],
        )
        automl = AutoMLV2(
            problem_config=AutoMLTabularConfig(
                target_attribute_name="target", mode="HYPERPARAMETER_TUNING", max_candidates=2
            ),
            role=cfg["role_arn"],
            output_path=f"s3://{cfg['bucket']}/sdk-v2-logs/",
            sagemaker_session=own,
        )
        started = time.monotonic()
        automl.fit(
            inputs=AutoMLDataChannel(s3_data_type="S3Prefix", s3_uri=cfg["train_uri"]),
            wait=True,
            job_name=names["v2_logs"],
        )
        described = automl.describe_auto_ml_job()
        return {
            "waited": time.monotonic() - started,
            "status": described["AutoMLJobStatus"],
            "best": candidate(automl.best_candidate()),
        }

    logs_thread = threading.Thread(target=steps.run, args=("v2_fit_wait_logs", v2_fit_wait_logs))
    logs_thread.start()

    # -- V1: AutoML.fit from a local CSV (the SDK uploads it), waiting --------------------------------
    def v1_fit_wait() -> dict[str, Any]:
        automl = AutoML(
            role=cfg["role_arn"],
            target_attribute_name="target",
            sagemaker_session=session,
            output_path=f"s3://{cfg['bucket']}/sdk-v1/",
            problem_type="BinaryClassification",
            job_objective={"MetricName": "F1"},
            max_candidates=3,
            mode="HYPERPARAMETER_TUNING",
            tags=TAGS,
        )
        automl.fit(inputs=cfg["train_csv"], wait=True, logs=False, job_name=names["v1"])
        state["v1"] = automl
        described = automl.describe_auto_ml_job()
        best = automl.best_candidate()
        state["v1_best"] = best
        return {
            "job": described["AutoMLJobName"],
            "status": described["AutoMLJobStatus"],
            "input_uri": described["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"],
            "best": candidate(best),
        }

    def v1_list_candidates() -> dict[str, Any]:
        automl = state["v1"]
        best_name = state["v1_best"]["CandidateName"]
        return {
            "by_objective_desc": [
                candidate(c)
                for c in automl.list_candidates(sort_by="FinalObjectiveMetricValue", sort_order="Descending")
            ],
            "by_objective_asc": [
                candidate(c)
                for c in automl.list_candidates(sort_by="FinalObjectiveMetricValue", sort_order="Ascending")
            ],
            "completed_by_time": [
                candidate(c)
                for c in automl.list_candidates(status_equals="Completed", sort_by="CreationTime")
            ],
            "named_best": [candidate(c) for c in automl.list_candidates(candidate_name=best_name)],
            "first_only": [
                candidate(c)
                for c in automl.list_candidates(
                    max_results=1, sort_by="FinalObjectiveMetricValue", sort_order="Descending"
                )
            ],
        }

    def v1_list_candidates_by_arn() -> dict[str, Any]:
        # The SDK documents candidate_arn; the API has no CandidateArnEquals (recorded as a client bug).
        state["v1"].list_candidates(candidate_arn=f"arn:aws:sagemaker:{cfg['region']}:123456789012:x/y")
        return {}

    def v1_create_model() -> dict[str, Any]:
        model = state["v1"].create_model(
            name=names["v1_model"], inference_response_keys=["predicted_label", "probability"]
        )
        model.create(instance_type="ml.m5.large")
        state["v1_model"] = model
        return {"model": names["v1_model"], "containers": model_containers(sm, names["v1_model"])}

    def v1_attach() -> dict[str, Any]:
        attached = AutoML.attach(names["v1"], sagemaker_session=session)
        return {
            "best": attached.best_candidate()["CandidateName"],
            "status": attached.describe_auto_ml_job()["AutoMLJobStatus"],
            "tags": attached.tags,
            "mode": attached.mode,
            "max_candidates": attached.max_candidate,
            "target": attached.target_attribute_name,
        }

    def v1_candidate_steps() -> dict[str, Any]:
        estimator = CandidateEstimator(state["v1_best"], sagemaker_session=session)
        return {
            "steps": [
                {"name": s.name, "type": s.type, "described": sorted(s.description)}
                for s in estimator.get_steps()
            ]
        }

    steps.run("v1_fit_wait", v1_fit_wait)
    steps.run("v1_list_candidates", v1_list_candidates, needs=("v1_fit_wait",))
    steps.run("v1_list_candidates_by_arn", v1_list_candidates_by_arn, needs=("v1_fit_wait",))
    steps.run("v1_create_model", v1_create_model, needs=("v1_fit_wait",))
    steps.run("v1_attach", v1_attach, needs=("v1_fit_wait",))
    steps.run("v1_candidate_steps", v1_candidate_steps, needs=("v1_fit_wait",))

    # -- V1 model: batch transform (Transformer) and an endpoint (deploy + Predictor) ------------------
    # In a thread: deploy(wait=True) re-describes the endpoint only every 30 s.
    def serving_rows() -> list[list[str]]:
        with open(cfg["train_csv"]) as f:
            lines = f.read().splitlines()
        target = lines[0].split(",").index("target")
        return [[v for i, v in enumerate(line.split(",")) if i != target] for line in lines[1:]]

    def v1_transformer() -> dict[str, Any]:
        rows = serving_rows()
        key = f"sdk-transform-in-{names['v1_transform']}/rows.csv"
        input_uri = session.upload_string_as_file_body(
            "\n".join(",".join(r) for r in rows) + "\n", cfg["bucket"], key
        )
        output_path = f"s3://{cfg['bucket']}/sdk-transform-out-{names['v1_transform']}"
        transformer = state["v1_model"].transformer(
            instance_count=1,
            instance_type="ml.m5.large",
            output_path=output_path,
            accept="text/csv",
            assemble_with="Line",
        )
        started = time.monotonic()
        transformer.transform(
            input_uri,
            content_type="text/csv",
            split_type="Line",
            job_name=names["v1_transform"],
            wait=True,
            logs=False,
        )
        waited = time.monotonic() - started
        described = sm.describe_transform_job(TransformJobName=names["v1_transform"])
        out_prefix = f"sdk-transform-out-{names['v1_transform']}/"
        listed = session.list_s3_files(cfg["bucket"], out_prefix)
        body = session.read_s3_file(cfg["bucket"], out_prefix + "rows.csv.out")
        return {
            "job": transformer.latest_transform_job.job_name,
            "status": described["TransformJobStatus"],
            "model": described["ModelName"],
            "waited": waited,
            "rows": len(rows),
            "output_keys": listed,
            "lines": body.splitlines(),
        }

    def v1_predictor() -> dict[str, Any]:
        rows = serving_rows()[:20]
        model = state["v1_model"]
        started = time.monotonic()
        returned = model.deploy(
            initial_instance_count=1,
            instance_type="ml.m5.large",
            endpoint_name=names["v1_endpoint"],
            wait=True,
        )
        deployed_after = time.monotonic() - started
        status = sm.describe_endpoint(EndpointName=names["v1_endpoint"])["EndpointStatus"]
        predictor = Predictor(
            names["v1_endpoint"],
            sagemaker_session=session,
            serializer=CSVSerializer(),
            deserializer=CSVDeserializer(),
        )
        try:
            predictions = predictor.predict(rows)
            # One row of strings: CSVSerializer takes each str for a row (str is "sequence-like"),
            # so the endpoint gets one value per line. An SDK bug; the workaround is a list of one row.
            single_payload = CSVSerializer().serialize(rows[0])
            try:
                predictor.predict(rows[0])
                single_error = None
            except Exception as err:  # the SDK's error is the finding
                single_error = f"{type(err).__name__}: {err}"
            single = predictor.predict([rows[0]])
        finally:
            predictor.delete_endpoint()
        remaining = [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]]
        return {
            "deploy_returned": type(returned).__name__,
            "deployed_after": deployed_after,
            "status": status,
            "rows": len(rows),
            "predictions": predictions,
            "single_payload": single_payload,
            "single_error": single_error,
            "single": single,
            "endpoint_left": names["v1_endpoint"] in remaining,
        }

    def serving() -> None:
        steps.run("v1_transformer", v1_transformer, needs=("v1_create_model",))
        steps.run("v1_predictor", v1_predictor, needs=("v1_create_model",))

    serving_thread = threading.Thread(target=serving)
    serving_thread.start()

    # -- V2: AutoMLV2.fit on an S3 channel without waiting, then poll like a notebook ----------------
    def v2_fit_no_wait() -> dict[str, Any]:
        automl = AutoMLV2(
            problem_config=AutoMLTabularConfig(
                target_attribute_name="target",
                problem_type="BinaryClassification",
                mode="ENSEMBLING",
                max_candidates=2,
            ),
            role=cfg["role_arn"],
            output_path=f"s3://{cfg['bucket']}/sdk-v2/",
            job_objective={"MetricName": "F1"},
            tags=TAGS,
            sagemaker_session=session,
        )
        started = time.monotonic()
        automl.fit(
            inputs=AutoMLDataChannel(
                s3_data_type="S3Prefix",
                s3_uri=cfg["train_uri"],
                channel_type="training",
                content_type="text/csv;header=present",
            ),
            wait=False,
            job_name=names["v2"],
        )
        returned_after = time.monotonic() - started
        first = automl.describe_auto_ml_job()["AutoMLJobStatus"]
        deadline = time.monotonic() + 180
        while True:
            described = automl.describe_auto_ml_job()
            if described["AutoMLJobStatus"] in TERMINAL or time.monotonic() > deadline:
                break
            time.sleep(1)
        state["v2"] = automl
        best = automl.best_candidate()
        state["v2_best"] = best
        return {
            "fit_returned_after": returned_after,
            "status_after_fit": first,
            "status": described["AutoMLJobStatus"],
            "problem_config": described["AutoMLProblemTypeConfigName"],
            "best": candidate(best),
            "by_objective_desc": [
                candidate(c)
                for c in automl.list_candidates(sort_by="FinalObjectiveMetricValue", sort_order="Descending")
            ],
        }

    def v2_create_model() -> dict[str, Any]:
        model = state["v2"].create_model(name=names["v2_model"])
        model.create(instance_type="ml.m5.large")
        return {"model": names["v2_model"], "containers": model_containers(sm, names["v2_model"])}

    def v2_attach() -> dict[str, Any]:
        attached = AutoMLV2.attach(names["v2"], sagemaker_session=session)
        return {
            "best": attached.best_candidate()["CandidateName"],
            "tags": attached.tags,
            "mode": attached.problem_config.mode,
            "target": attached.problem_config.target_attribute_name,
            "inputs": [i.s3_uri for i in attached.inputs],
        }

    steps.run("v2_fit_no_wait", v2_fit_no_wait)
    steps.run("v2_create_model", v2_create_model, needs=("v2_fit_no_wait",))
    steps.run("v2_attach", v2_attach, needs=("v2_fit_no_wait",))

    # -- V2: fit from a local file (uploaded by the SDK), waiting without logs ----------------------
    def v2_fit_wait_no_logs() -> dict[str, Any]:
        automl = AutoMLV2(
            problem_config=AutoMLTabularConfig(
                target_attribute_name="target", mode="HYPERPARAMETER_TUNING", max_candidates=2
            ),
            role=cfg["role_arn"],
            output_path=f"s3://{cfg['bucket']}/sdk-v2-wait/",
            sagemaker_session=session,
        )
        state["v2_wait"] = automl
        automl.fit(
            inputs=LocalAutoMLDataChannel(
                data_type="S3Prefix", path=cfg["train_csv"], content_type="text/csv;header=present"
            ),
            wait=True,
            logs=False,
            job_name=names["v2_wait"],
        )
        return {}

    def v2_wait_workaround() -> dict[str, Any]:
        # The job was created before fit() failed to wait: wait through the Session, positionally.
        automl = state["v2_wait"]
        session.wait_for_auto_ml_job(names["v2_wait"], poll=1)
        described = automl.describe_auto_ml_job(job_name=names["v2_wait"])
        return {
            "status": described["AutoMLJobStatus"],
            "input_uri": described["AutoMLJobInputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"],
            "problem_type": described["ResolvedAttributes"]["AutoMLProblemTypeResolvedAttributes"][
                "TabularResolvedAttributes"
            ]["ProblemType"],
            "best": candidate(automl.best_candidate(job_name=names["v2_wait"])),
        }

    steps.run("v2_fit_wait_no_logs", v2_fit_wait_no_logs)
    steps.run("v2_wait_workaround", v2_wait_workaround)
    logs_thread.join()
    serving_thread.join()
    steps.emit(version=sagemaker.__version__, boto3=boto3.__version__)


if __name__ == "__main__":
    main()
