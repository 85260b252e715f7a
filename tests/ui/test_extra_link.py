"""The AutoML Job extra link on the create task: on the local backend it opens the AutoML view."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.ui.conftest import DAG_ID, ApiServer, ExampleRun, needs_chromium, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TASK_ID = "create_automl_job"
LINK_NAME = "AutoML Job"


def view_path(run_id: str) -> str:
    return f"/dags/{DAG_ID}/runs/{quote(run_id, safe='')}/tasks/{TASK_ID}/plugin/automl"


def test_rest_api_returns_the_view_link(api_server: ApiServer, example_run: ExampleRun) -> None:
    run_id = quote(example_run.run_id, safe="")
    links = api_server.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{TASK_ID}/links")
    # The task's connection points at the local backend, whose jobs the AWS console cannot show.
    assert links["extra_links"] == {LINK_NAME: view_path(example_run.run_id)}


@needs_chromium
def test_task_instance_page_links_to_the_automl_view(
    api_server: ApiServer, example_run: ExampleRun, browser: Any, screenshots: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, api_server, "admin")
    run_id = quote(example_run.run_id, safe="")
    # Airflow 3 lists a task instance's extra links on its Details tab.
    browser.get(f"{api_server.url}/dags/{DAG_ID}/runs/{run_id}/tasks/{TASK_ID}/details")
    screenshot = screenshots / "ui-extra-link.png"
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
    assert link.get_attribute("href") == api_server.url + view_path(example_run.run_id)
    # A link into Airflow itself opens in the same window (the console link opens a new one).
    assert link.get_attribute("target") == "_self"
    assert screenshot.read_bytes().startswith(b"\x89PNG")

    # Following it opens the task's AutoML tab on the job.
    browser.get(link.get_attribute("href"))
    frame = WebDriverWait(browser, 60).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, "iframe[title='AutoML']"),
        message="the AutoML tab shows no view",
    )[0]
    browser.switch_to.frame(frame)
    name = WebDriverWait(browser, 60).until(lambda driver: driver.find_elements(By.ID, "job-name"))[0]
    assert name.text == example_run.job_name
