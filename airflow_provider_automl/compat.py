"""The one place where Airflow 2.11 and Airflow 3 differ for this provider.

Everything here resolves through ``airflow.providers.common.compat``, which tries the
Airflow 3 (``airflow.sdk``) location first and falls back to the Airflow 2 one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    AirflowSkipException,
    Asset,
    BaseOperator,
    BaseOperatorLink,
    BaseSensorOperator,
    PokeReturnValue,
    XCom,
    conf,
)
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_0_PLUS
from airflow.triggers.base import BaseTrigger, TriggerEvent

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context, TaskInstanceKey

__all__ = [
    "AIRFLOW_V_3_0_PLUS",
    "AirflowException",
    "AirflowFailException",
    "AirflowSkipException",
    "Asset",
    "BaseOperator",
    "BaseOperatorLink",
    "BaseSensorOperator",
    "BaseTrigger",
    "Context",
    "PokeReturnValue",
    "TaskInstanceKey",
    "TriggerEvent",
    "XCom",
    "conf",
    "default_deferrable",
    "named_asset",
]


def named_asset(name: str) -> Asset:
    """An Asset known by name (Airflow 3), or the Dataset with that URI (Airflow 2.11)."""
    if AIRFLOW_V_3_0_PLUS:
        return Asset(name=name)
    return Asset(name)


def default_deferrable() -> bool:
    """``[operators] default_deferrable`` from the Airflow configuration, False when unset."""
    return conf.getboolean("operators", "default_deferrable", fallback=False)
