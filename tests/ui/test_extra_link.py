"""The AutoML console link appears on the create task in the Airflow 3 UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.ui.conftest import DAG_ID, ApiServer, ExampleRun, needs_chromium

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TASK_ID = "create_automl_job"
LINK_NAME = "AutoML Job"


def console_url(job_name: str) -> str:
    return f"https://console.aws.amazon.com/sagemaker/home?region=us-east-1#/automl-jobs/{job_name}"


def test_rest_api_returns_the_console_link(api_server: ApiServer, example_run: ExampleRun) -> None:
    run_id = quote(example_run.run_id, safe="")
    links = api_server.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{TASK_ID}/links")
    assert links["extra_links"] == {LINK_NAME: console_url(example_run.job_name)}


@needs_chromium
def test_task_instance_page_shows_the_console_link(
    api_server: ApiServer, example_run: ExampleRun, browser: Any, tmp_path: Path, record_property: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    run_id = quote(example_run.run_id, safe="")
    # Airflow 3 lists a task instance's extra links on its Details tab.
    browser.get(f"{api_server.url}/dags/{DAG_ID}/runs/{run_id}/tasks/{TASK_ID}/details")
    screenshot = tmp_path / "task-instance-extra-link.png"
    record_property("screenshot", str(screenshot))
    try:
        links = WebDriverWait(browser, 60).until(
            lambda driver: driver.find_elements(By.XPATH, f"//a[normalize-space()='{LINK_NAME}']"),
            message=f"no '{LINK_NAME}' link on {browser.current_url}",
        )
    finally:
        # Taken on failure too: it shows what the page rendered instead.
        browser.save_screenshot(str(screenshot))
    assert len(links) == 1
    link = links[0]
    assert link.is_displayed()
    assert link.get_attribute("href") == console_url(example_run.job_name)
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "").split()
    assert screenshot.read_bytes().startswith(b"\x89PNG")
