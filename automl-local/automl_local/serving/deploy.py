"""Auto-deploy (``ModelDeployConfig``): when a job completes, its best candidate becomes an endpoint.

As Autopilot does: the job shows ``DeployingModel`` while the model (CreateModel), endpoint config
and endpoint are made, and ``ModelDeployResult.EndpointName`` once the endpoint is InService. When
deployment fails the job still completes with its candidates, its secondary status is
``ModelDeploymentError`` and the reason is in PartialFailureReasons. The model and endpoint config
are named ``<job>-model-<tag>`` and ``<job>-config-<tag>``; a generated endpoint name is
``<job>-endpoint-<tag>`` (``tag``: 8 hex characters from the job name).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from automl_local.candidates import digest
from automl_local.errors import ApiError, ValidationError
from automl_local.serving.endpoints import ENDED, Endpoints
from automl_local.serving.moto import MotoSageMaker
from automl_local.store import Record

log = logging.getLogger("automl_local")

DEPLOY_TIMEOUT = 600.0  # seconds to wait for the endpoint to come InService
INSTANCE_TYPE = "ml.m5.xlarge"
CONTAINER_KEYS = ("Image", "ModelDataUrl", "Environment")


def check_deploy_config(request: dict[str, Any]) -> None:
    """CreateAutoMLJob[V2]'s rule the service model cannot express: a generated name xor a given one."""
    config = request.get("ModelDeployConfig")
    if config is None:
        return
    generate = bool(config.get("AutoGenerateEndpointName", False))
    named = bool(config.get("EndpointName"))
    if generate == named:
        raise ValidationError(
            "Invalid ModelDeployConfig: set AutoGenerateEndpointName to true, or give an EndpointName with "
            "AutoGenerateEndpointName false (not both, not neither)."
        )


@dataclass(frozen=True)
class DeployResult:
    endpoint_name: str | None = None
    error: str | None = None


def names(job: str) -> dict[str, str]:
    tag = digest(job, "deploy")
    return {
        "model": f"{job}-model-{tag}",
        "config": f"{job}-config-{tag}",
        "endpoint": f"{job}-endpoint-{tag}",
    }


class Deployer:
    def __init__(self, *, endpoints: Endpoints, moto: MotoSageMaker, timeout: float = DEPLOY_TIMEOUT) -> None:
        self.endpoints = endpoints
        self.moto = moto
        self.timeout = timeout

    @staticmethod
    def wanted(record: Record) -> bool:
        config = record["Request"].get("ModelDeployConfig") or {}
        return bool(config.get("AutoGenerateEndpointName") or config.get("EndpointName"))

    def deploy(self, record: Record) -> DeployResult:
        """Create the model, endpoint config and endpoint of the best candidate; wait for InService."""
        from automl_local.api import AutoMLApi  # (api imports this module's package)

        job = record["AutoMLJobName"]
        best = AutoMLApi.best_candidate(record)
        if best is None or not best.get("InferenceContainers"):
            return DeployResult(
                error="Model deployment failed: the job has no completed candidate to deploy."
            )
        config = record["Request"].get("ModelDeployConfig") or {}
        made = names(job)
        endpoint = config.get("EndpointName") or made["endpoint"]
        containers = [{k: c[k] for k in CONTAINER_KEYS if k in c} for c in best["InferenceContainers"]]
        try:
            self.moto.call(
                "CreateModel",
                {
                    "ModelName": made["model"],
                    "ExecutionRoleArn": record["Request"]["RoleArn"],
                    "Containers": containers,
                },
            )
            self.moto.call(
                "CreateEndpointConfig",
                {
                    "EndpointConfigName": made["config"],
                    "ProductionVariants": [
                        {
                            "VariantName": "AllTraffic",
                            "ModelName": made["model"],
                            "InitialInstanceCount": 1,
                            "InstanceType": INSTANCE_TYPE,
                            "InitialVariantWeight": 1.0,
                        }
                    ],
                },
            )
            if (
                self.endpoints.create({"EndpointName": endpoint, "EndpointConfigName": made["config"]})
                is None
            ):
                return DeployResult(
                    error=f"Model deployment failed: model {made['model']} is not servable locally."
                )
        except ApiError as err:
            return DeployResult(error=f"Model deployment failed: {err.code}: {err.message}")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            record_now = self.endpoints.table.get(endpoint)
            status = record_now["EndpointStatus"] if record_now else "Deleted"
            if status == "InService":
                log.info("job %s deployed to endpoint %s", job, endpoint)
                return DeployResult(endpoint_name=endpoint)
            if status in ENDED or record_now is None:
                reason = (record_now or {}).get("FailureReason", "it was deleted while it was created")
                return DeployResult(
                    error=f"Model deployment failed: endpoint {endpoint} is {status}: {reason}"
                )
            time.sleep(0.05)
        return DeployResult(
            error=f"Model deployment failed: endpoint {endpoint} was not InService after {self.timeout:.0f}s."
        )


__all__ = ["DeployResult", "Deployer", "check_deploy_config", "names"]
