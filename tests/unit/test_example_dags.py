from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_1_PLUS

EXAMPLES = Path(__file__).resolve().parents[2] / "example_dags"
EXPECTED = {
    "example_automl_batch_transform",
    "example_automl_endpoint",
    "example_automl_model_per_candidate",
    "example_automl_tabular",
    "example_automl_text_classification",
    "example_automl_timeseries",
    "example_automl_v1_legacy",
    # Asset watchers and human-in-the-loop operators: Airflow >= 3.1; the file defines no DAG before.
    *(["example_automl_job_events"] if AIRFLOW_V_3_1_PLUS else []),
}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.models import DagBag

    return DagBag(dag_folder=str(EXAMPLES))


def test_every_example_dag_loads_without_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == EXPECTED


def test_examples_mark_doc_snippets(dagbag):
    for path in EXAMPLES.glob("example_*.py"):
        text = path.read_text()
        starts = text.count("# [START ")
        assert starts >= 1, f"{path.name} has no [START ...] block for the docs"
        assert starts == text.count("# [END "), f"{path.name} has unbalanced [START]/[END] markers"


# Examples that show the amazon provider's own operators: importing those loads boto3 (their cost).
USES_AMAZON_OPERATORS = {"example_automl_batch_transform"}


@pytest.mark.parametrize(
    "path",
    sorted(p for p in EXAMPLES.glob("example_*.py") if p.stem not in USES_AMAZON_OPERATORS),
    ids=lambda p: p.stem,
)
def test_example_dag_file_imports_no_aws_sdk(path):
    # What the DAG processor pays per parse: the provider must not pull in boto3/botocore.
    code = (
        "import runpy, sys; import airflow; "
        f"runpy.run_path({str(path)!r}); "
        "heavy = [m for m in ('boto3', 'botocore', 'aiobotocore') if m in sys.modules]; "
        "print('HEAVY=' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY=\n" in out.stdout + "\n", out.stdout
