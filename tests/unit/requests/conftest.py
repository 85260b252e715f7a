from __future__ import annotations

from typing import Any

import botocore.session
import pytest


@pytest.fixture(scope="module")
def service_model() -> Any:
    return botocore.session.get_session().get_service_model("sagemaker")
