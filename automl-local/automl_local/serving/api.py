"""The SageMaker actions of batch transform and endpoints: ours when the model is a candidate's.

:meth:`ServingApi.handle` answers an action for our transform jobs and endpoints, and returns None
for everything else, which the server then hands to moto unchanged (moto's transform jobs and
endpoints behave as before). Lists merge ours with moto's.
"""

from __future__ import annotations

from typing import Any

from automl_local.errors import ApiError, ResourceNotFoundError, ValidationError
from automl_local.serving.endpoints import Endpoints
from automl_local.serving.listing import moto_items, page
from automl_local.serving.moto import MotoSageMaker, not_found
from automl_local.serving.transform import TransformJobs, transform_job_arn
from automl_local.shapes import validate_request

SERVING_ACTIONS = (
    "CreateTransformJob",
    "DescribeTransformJob",
    "ListTransformJobs",
    "StopTransformJob",
    "CreateEndpoint",
    "UpdateEndpoint",
    "DeleteEndpoint",
    "DescribeEndpoint",
    "ListEndpoints",
)


class ServingApi:
    def __init__(self, *, transforms: TransformJobs, endpoints: Endpoints, moto: MotoSageMaker) -> None:
        self.transforms = transforms
        self.endpoints = endpoints
        self.moto = moto

    @staticmethod
    def handles(action: str) -> bool:
        return action in SERVING_ACTIONS

    def handle(self, action: str, body: Any) -> dict[str, Any] | None:
        """Our answer, or None: moto answers (a resource that is not a candidate's model's)."""
        validate_request(action, body)
        if action == "CreateTransformJob":
            return self.transforms.create(body)
        if action == "DescribeTransformJob":
            name = body["TransformJobName"]
            return self.transforms.describe(name) if self.transforms.owns(name) else None
        if action == "StopTransformJob":
            return self._stop_transform(body["TransformJobName"])
        if action == "ListTransformJobs":
            items = self.transforms.summaries() + moto_items(
                lambda extra: self.moto.call("ListTransformJobs", extra), "TransformJobSummaries"
            )
            found, token = page(items, body, name_key="TransformJobName", status_key="TransformJobStatus")
            return {"TransformJobSummaries": found, **({"NextToken": token} if token else {})}
        if action == "CreateEndpoint":
            return self.endpoints.create(body)
        if action == "ListEndpoints":
            items = self.endpoints.summaries() + moto_items(
                lambda extra: self.moto.call("ListEndpoints", extra), "Endpoints"
            )
            found, token = page(items, body, name_key="EndpointName", status_key="EndpointStatus")
            return {"Endpoints": found, **({"NextToken": token} if token else {})}
        name = body["EndpointName"]
        if not self.endpoints.owns(name):
            return None
        if action == "DescribeEndpoint":
            return self.endpoints.describe(name)
        if action == "UpdateEndpoint":
            return self.endpoints.update(body)
        self.endpoints.delete(name)  # DeleteEndpoint
        return {}

    def _stop_transform(self, name: str) -> dict[str, Any]:
        if self.transforms.owns(name):
            self.transforms.stop(name)
            return {}
        try:  # moto has no StopTransformJob; its jobs are Completed at once
            described = self.moto.call("DescribeTransformJob", {"TransformJobName": name})
        except ApiError as err:
            if not_found(err):
                raise ResourceNotFoundError(
                    f"Could not find transform job '{transform_job_arn(name, self.transforms.region)}'."
                ) from None
            raise
        raise ValidationError(
            f"Transform job {name!r} is {described.get('TransformJobStatus', 'Completed')}; only "
            "InProgress jobs can be stopped."
        )


__all__ = ["SERVING_ACTIONS", "ServingApi"]
