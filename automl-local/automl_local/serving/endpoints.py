"""Endpoints whose production variants are candidates' models: Creating -> InService, updates, deletes.

CreateEndpoint reads the endpoint config and its models from moto; when every variant's model is a
candidate's, the endpoint is ours: a background worker loads and verifies each model (Creating),
keeps it in memory and the endpoint turns InService (or Failed, with the refusal as FailureReason).
UpdateEndpoint loads the new config's models while the old ones keep answering (Updating), then swaps
them; a failed update leaves the endpoint InService on its old config with a FailureReason, as
SageMaker rolls back. Endpoints are kept in the data dir: after a restart they load again.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from automl_local.candidates import ACCOUNT_ID
from automl_local.data import S3
from automl_local.errors import ValidationError
from automl_local.models import s3_fetch
from automl_local.serving.catalog import ServedModel, resolve
from automl_local.serving.moto import MotoSageMaker
from automl_local.serving.predictor import LoadError, Predictor, load_predictor
from automl_local.serving.records import Record, ResourceTable
from automl_local.store import JobStore, now

log = logging.getLogger("automl_local")

WORKERS = 2  # endpoints loading at once
ENDED = ("InService", "Failed")


def endpoint_arn(name: str, region: str) -> str:
    return f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:endpoint/{name.lower()}"


class NotServing(Exception):
    """InvokeEndpoint cannot reach this endpoint: the runtime's ValidationError says why."""


@dataclass
class Live:
    """An endpoint's loaded variants: what InvokeEndpoint uses, without touching disk."""

    predictors: dict[str, Predictor]  # variant name -> predictor
    weights: dict[str, float]

    def pick(self, target: str | None) -> tuple[str, Predictor]:
        if target is not None:
            if target not in self.predictors:
                raise NotServing(f"The variant {target} is not among the endpoint's production variants.")
            return target, self.predictors[target]
        names = list(self.predictors)
        weights = [self.weights.get(n, 1.0) for n in names]
        name = names[0] if len(names) == 1 or not any(weights) else random.choices(names, weights)[0]
        return name, self.predictors[name]


class Endpoints:
    def __init__(
        self,
        *,
        directory: Path,
        store: JobStore,
        s3_factory: Callable[[], S3],
        moto: MotoSageMaker,
        region: str,
        workers: int = WORKERS,
    ) -> None:
        self.table = ResourceTable(directory, "EndpointName")
        self.store = store
        self.s3_factory = s3_factory
        self.moto = moto
        self.region = region
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="automl-endpoint")
        self._live: dict[str, Live] = {}
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def load(self) -> None:
        """Endpoints of an earlier run come back: InService ones load again in the background."""
        for record in self.table.load():
            name = record["EndpointName"]
            if record["EndpointStatus"] == "Creating":
                self.executor.submit(self._create, name)
            elif record["EndpointStatus"] in ("InService", "Updating"):
                if record.get("Pending"):  # an update the restart interrupted: done again
                    self.executor.submit(self._update, name)
                else:
                    self.executor.submit(self._reload, name)

    def owns(self, name: Any) -> bool:
        return isinstance(name, str) and self.table.exists(name)

    # -- the variants of an endpoint config -----------------------------------------------------------
    def variants(self, config_name: str) -> list[dict[str, Any]] | None:
        """The config's variants with their candidates; None when a model is not a candidate's."""
        config = self.moto.describe_or_none("DescribeEndpointConfig", {"EndpointConfigName": config_name})
        if config is None:
            return None
        found = []
        for variant in config.get("ProductionVariants") or []:
            served = resolve(self.moto, self.store, variant.get("ModelName", ""))
            if served is None:
                return None
            entry: dict[str, Any] = {
                "VariantName": variant["VariantName"],
                "ModelName": variant["ModelName"],
                "Weight": float(variant.get("InitialVariantWeight", 1.0)),
                "Served": served.to_json(),
            }
            for key in ("InitialInstanceCount", "InstanceType", "ServerlessConfig"):
                if key in variant:
                    entry[key] = variant[key]
            found.append(entry)
        return found or None

    def _moto_has(self, name: str) -> bool:
        return self.moto.describe_or_none("DescribeEndpoint", {"EndpointName": name}) is not None

    # -- actions --------------------------------------------------------------------------------------------
    def create(self, body: dict[str, Any]) -> dict[str, Any] | None:
        name = body["EndpointName"]
        if self.table.exists(name) or self._moto_has(name):
            raise ValidationError(
                f'Cannot create already existing endpoint "{endpoint_arn(name, self.region)}".'
            )
        variants = self.variants(body["EndpointConfigName"])
        if variants is None:
            return None  # moto's endpoint (and moto's InService)
        created = now()
        record: Record = {
            "EndpointName": name,
            "EndpointArn": endpoint_arn(name, self.region),
            "EndpointConfigName": body["EndpointConfigName"],
            "EndpointStatus": "Creating",
            "CreationTime": created,
            "LastModifiedTime": created,
            "Variants": variants,
            "Tags": body.get("Tags", []),
        }
        if not self.table.create(record):
            raise ValidationError(f'Cannot create already existing endpoint "{record["EndpointArn"]}".')
        self.executor.submit(self._create, name)
        return {"EndpointArn": record["EndpointArn"]}

    def update(self, body: dict[str, Any]) -> dict[str, Any]:
        name = body["EndpointName"]
        record = self._record(name)
        if record["EndpointStatus"] != "InService":
            arn, status = record["EndpointArn"], record["EndpointStatus"]
            raise ValidationError(
                f'Cannot update in-progress endpoint "{arn}" (status {status}).'
                if status != "Failed"
                else f'Cannot update failed endpoint "{arn}"; delete it and create it again.'
            )
        variants = self.variants(body["EndpointConfigName"])
        if variants is None:
            raise ValidationError(
                f"Endpoint config {body['EndpointConfigName']!r} does not exist or has a model that was not "
                "made from a candidate of this local AutoML backend; it serves candidates only."
            )

        def change(live: Record) -> None:
            live["EndpointStatus"] = "Updating"
            live["Pending"] = {
                "EndpointConfigName": body["EndpointConfigName"],
                "Variants": variants,
                "StartTime": now(),
            }
            live.pop("FailureReason", None)

        self.table.update(name, change)
        self.executor.submit(self._update, name)
        return {"EndpointArn": record["EndpointArn"]}

    def delete(self, name: str) -> None:
        self._record(name)
        with self._lock:
            self._live.pop(name.lower(), None)
        self.table.delete(name)

    def describe(self, name: str) -> dict[str, Any]:
        return render(self._record(name))

    def summaries(self) -> list[dict[str, Any]]:
        return [
            {
                k: r[k]
                for k in ("EndpointName", "EndpointArn", "CreationTime", "LastModifiedTime", "EndpointStatus")
            }
            for r in self.table.all()
        ]

    def _record(self, name: str) -> Record:
        record = self.table.get(name)
        if record is None:
            raise ValidationError(f"Could not find endpoint '{endpoint_arn(name, self.region)}'.")
        return record

    # -- invoking ------------------------------------------------------------------------------------
    def live(self, name: str) -> Live:
        """The loaded variants of an InService endpoint; NotServing otherwise."""
        with self._lock:
            found = self._live.get(name.lower())
        if found is not None:
            return found
        record = self.table.get(name)
        if record is None:
            raise KeyError(name)
        if record["EndpointStatus"] not in ("InService", "Updating"):
            raise NotServing(
                f"Endpoint {record['EndpointName']} of account {ACCOUNT_ID} is {record['EndpointStatus']}; "
                "it answers once it is InService."
            )
        # Loaded after a restart and not yet warm: load it now (once, whoever asks first).
        with self._lock:
            gate = self._loading.setdefault(name.lower(), threading.Lock())
        with gate:
            with self._lock:
                found = self._live.get(name.lower())
            if found is None:
                found = self._load(record["Variants"])
                with self._lock:
                    self._live[name.lower()] = found
        return found

    # -- background work -----------------------------------------------------------------------------
    def _load(self, variants: list[dict[str, Any]]) -> Live:
        fetch = s3_fetch(self.s3_factory())
        predictors = {}
        for variant in variants:
            try:
                predictors[variant["VariantName"]] = load_predictor(
                    self.store, ServedModel.from_json(variant["Served"]), fetch
                )
            except LoadError as err:
                raise LoadError(
                    f"The model {variant['ModelName']} of production variant {variant['VariantName']} "
                    f"could not be loaded: {err}"
                ) from None
        return Live(predictors=predictors, weights={v["VariantName"]: v.get("Weight", 1.0) for v in variants})

    def _create(self, name: str) -> None:
        record = self.table.get(name)
        if record is None:
            return
        try:
            live = self._load(record["Variants"])
        except Exception as err:
            self._fail(name, err)
            return
        with self._lock:
            if not self.table.exists(name):  # deleted while it loaded
                return
            self._live[name.lower()] = live
        self.table.update(name, lambda r: r.update(EndpointStatus="InService"))
        log.info("endpoint %s: InService", name)

    def _reload(self, name: str) -> None:
        record = self.table.get(name)
        if record is None:
            return
        try:
            self.live(name)
        except Exception as err:  # it stays InService: invocations answer ModelError until fixed
            log.warning("endpoint %s could not be loaded again after a restart: %s", name, err)

    def _update(self, name: str) -> None:
        record = self.table.get(name)
        if record is None or not record.get("Pending"):
            return
        pending = record["Pending"]
        try:
            live = self._load(pending["Variants"])
        except Exception as err:
            reason = _reason(err)

            def rollback(r: Record) -> None:
                r["EndpointStatus"] = "InService"
                r["FailureReason"] = (
                    f"Update to endpoint config {pending['EndpointConfigName']} failed: {reason}"[:1024]
                )
                r.pop("Pending", None)

            self.table.update(name, rollback)
            log.warning("endpoint %s: update failed, rolled back: %s", name, reason)
            return
        with self._lock:
            if not self.table.exists(name):
                return
            self._live[name.lower()] = live

        def done(r: Record) -> None:
            r["EndpointStatus"] = "InService"
            r["EndpointConfigName"] = pending["EndpointConfigName"]
            r["Variants"] = pending["Variants"]
            r.pop("Pending", None)

        self.table.update(name, done)
        log.info("endpoint %s: updated to %s", name, pending["EndpointConfigName"])

    def _fail(self, name: str, err: Exception) -> None:
        reason = _reason(err)
        if not isinstance(err, LoadError):
            log.error("endpoint %s failed with an internal error\n%s", name, traceback.format_exc())

        def change(record: Record) -> None:
            record["EndpointStatus"] = "Failed"
            record["FailureReason"] = reason[:1024]

        self.table.update(name, change)
        log.info("endpoint %s: Failed: %s", name, reason)

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def _reason(err: Exception) -> str:
    if isinstance(err, LoadError):
        return str(err)
    return f"Internal error in the local AutoML backend: {err!r}"


def _deployed_images(variant: dict[str, Any], when: float) -> list[dict[str, Any]]:
    images = []
    for container in variant["Served"]["Containers"]:
        image = container.get("Image")
        if not image:
            continue
        digest = hashlib.sha256(image.encode()).hexdigest()
        images.append(
            {
                "SpecifiedImage": image,
                "ResolvedImage": f"{image.split(':')[0]}@sha256:{digest}",
                "ResolutionTime": when,
            }
        )
    return images


def _variant_summary(variant: dict[str, Any], status: str, when: float) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "VariantName": variant["VariantName"],
        "DeployedImages": _deployed_images(variant, when),
        "CurrentWeight": variant.get("Weight", 1.0),
        "DesiredWeight": variant.get("Weight", 1.0),
    }
    if "ServerlessConfig" in variant:
        summary["CurrentServerlessConfig"] = summary["DesiredServerlessConfig"] = variant["ServerlessConfig"]
    else:
        count = variant.get("InitialInstanceCount", 1)
        summary["CurrentInstanceCount"] = summary["DesiredInstanceCount"] = count
    if status in ("Creating", "Updating"):
        summary["VariantStatus"] = [{"Status": status, "StartTime": when}]
    return summary


def render(record: Record) -> dict[str, Any]:
    """DescribeEndpoint's answer."""
    status = record["EndpointStatus"]
    answer: dict[str, Any] = {
        "EndpointName": record["EndpointName"],
        "EndpointArn": record["EndpointArn"],
        "EndpointConfigName": record["EndpointConfigName"],
        "ProductionVariants": [
            _variant_summary(v, status if status == "Creating" else "", record["CreationTime"])
            for v in record["Variants"]
        ],
        "EndpointStatus": status,
        "CreationTime": record["CreationTime"],
        "LastModifiedTime": record["LastModifiedTime"],
    }
    if record.get("FailureReason"):
        answer["FailureReason"] = record["FailureReason"]
    pending = record.get("Pending")
    if pending:
        answer["PendingDeploymentSummary"] = {
            "EndpointConfigName": pending["EndpointConfigName"],
            "ProductionVariants": [
                {
                    k: v
                    for k, v in _variant_summary(variant, "Updating", pending["StartTime"]).items()
                    if k
                    in (
                        "VariantName",
                        "DeployedImages",
                        "DesiredWeight",
                        "DesiredInstanceCount",
                        "VariantStatus",
                    )
                }
                for variant in pending["Variants"]
            ],
            "StartTime": pending["StartTime"],
        }
    return answer


__all__ = ["Endpoints", "Live", "NotServing", "endpoint_arn", "render"]
