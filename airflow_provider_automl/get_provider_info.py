"""Provider metadata read by Airflow's provider discovery (``apache_airflow_provider`` entry point)."""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    from airflow_provider_automl import __version__

    return {
        "package-name": "airflow-provider-automl",
        "name": "Amazon SageMaker Autopilot (AutoML)",
        "description": (
            "Amazon SageMaker Autopilot for Apache Airflow: V1 and V2 AutoML jobs of every problem "
            "type, deferrable waiting, candidate listing and model registration."
        ),
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Amazon SageMaker Autopilot",
                "external-doc-url": "https://docs.aws.amazon.com/sagemaker/latest/dg/autopilot-automate-model-development.html",
                "tags": ["aws"],
            }
        ],
        "operators": [
            {
                "integration-name": "Amazon SageMaker Autopilot",
                "python-modules": [
                    "airflow_provider_automl.operators.automl",
                    "airflow_provider_automl.operators.model",
                ],
            }
        ],
        "sensors": [
            {
                "integration-name": "Amazon SageMaker Autopilot",
                "python-modules": ["airflow_provider_automl.sensors.automl"],
            }
        ],
        "hooks": [
            {
                "integration-name": "Amazon SageMaker Autopilot",
                "python-modules": ["airflow_provider_automl.hooks.automl"],
            }
        ],
        "triggers": [
            {
                "integration-name": "Amazon SageMaker Autopilot",
                "python-modules": ["airflow_provider_automl.triggers.automl"],
            }
        ],
        "extra-links": ["airflow_provider_automl.links.automl.SageMakerAutoMLJobLink"],
    }
