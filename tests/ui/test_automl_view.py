"""The AutoML view on a real ``airflow api-server`` after the tabular example ran on the local
backend: its API, the task instance tab and the jobs page in headless Chromium, and who may see it."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from tests.ui.conftest import DAG_ID, ApiServer, ExampleRun, needs_chromium, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CREATE = "create_automl_job"
LIST = "list_top_candidates"
REGISTER = "register_best_candidate"


def task_query(run: ExampleRun, task_id: str) -> str:
    return urlencode({"dag_id": DAG_ID, "run_id": run.run_id, "task_id": task_id, "map_index": "{MAP_INDEX}"})


@pytest.fixture(scope="module")
def candidates(example_run: ExampleRun) -> list[dict[str, Any]]:
    """The job's candidates as boto3 lists them, best first (F1 is maximised)."""
    import boto3

    sagemaker = boto3.client(
        "sagemaker",
        endpoint_url=example_run.backend_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    found = sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=example_run.job_name)["Candidates"]
    assert len(found) >= 3, [c["CandidateName"] for c in found]
    return sorted(found, key=lambda c: -c["FinalAutoMLJobObjectiveMetric"]["Value"])


# -- the API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("task_id", [CREATE, LIST])
def test_api_shows_the_job_the_task_ran(
    api_server: ApiServer, example_run: ExampleRun, candidates: list[dict[str, Any]], task_id: str
) -> None:
    doc = api_server.get(f"/automl/api/task/job?{task_query(example_run, task_id)}")
    assert doc["job"]["name"] == example_run.job_name
    assert doc["job"]["status"] == "Completed"
    assert doc["backend"]["kind"] == "local" and doc["console_url"] is None
    assert doc["source"]["task_id"] == task_id and doc["source"]["aws_conn_id"] == "aws_default"
    rows = doc["leaderboard"]["rows"]
    assert [r["name"] for r in rows] == [c["CandidateName"] for c in candidates]
    assert [r["rank"] for r in rows] == list(range(1, len(candidates) + 1))
    assert rows[0]["best"] and rows[0]["name"] == doc["best"]["name"]
    assert rows[0]["objective"] == pytest.approx(candidates[0]["FinalAutoMLJobObjectiveMetric"]["Value"])
    metrics = candidates[0]["CandidateProperties"]["CandidateMetrics"]
    # Every entry, those outside AutoMLMetricEnum (LogLoss) by their StandardMetricName.
    metric_names = {m.get("MetricName") or m["StandardMetricName"] for m in metrics}
    assert "LogLoss" in metric_names
    assert set(rows[0]["metrics"]) == metric_names
    assert all(r["containers"] >= 1 and r["training_seconds"] > 0 for r in rows)
    assert [p["key"] for p in doc["timeline"]["phases"]] == ["analysis", "training", "reports"]
    assert len(doc["timeline"]["candidates"]) == len(candidates)
    (package,) = doc["model_packages"]
    assert package["task"]["task_id"] == REGISTER
    assert package["approval_status"] == "Approved"
    assert package["candidate"] == doc["best"]["name"]


def test_api_reads_the_best_candidates_artifacts(api_server: ApiServer, example_run: ExampleRun) -> None:
    doc = api_server.get(f"/automl/api/task/artifacts?{task_query(example_run, CREATE)}")
    kinds = {location["kind"]: location for location in doc["locations"]}
    assert {"Explainability", "ModelInsights"} <= set(kinds)
    (importance,) = [f["rendered"] for f in kinds["Explainability"]["files"] if f.get("rendered")]
    assert importance["type"] == "bars" and len(importance["items"]) >= 3
    assert all(location["error"] is None for location in doc["locations"])


def test_a_task_that_ran_no_job_says_so(api_server: ApiServer, example_run: ExampleRun) -> None:
    code, body = api_server.call(f"/automl/api/task/job?{task_query(example_run, 'upload_training_data')}")
    assert code == 404
    assert "runs no AutoML job" in body["detail"]


def test_api_lists_the_connections_jobs_with_the_task_that_ran_each(
    api_server: ApiServer, example_run: ExampleRun
) -> None:
    doc = api_server.get("/automl/api/connections/aws_default/jobs")
    (job,) = doc["jobs"]
    assert job["name"] == example_run.job_name
    assert job["task"] == {"dag_id": DAG_ID, "run_id": example_run.run_id, "task_id": CREATE, "map_index": -1}
    one = api_server.get(f"/automl/api/connections/aws_default/jobs/{example_run.job_name}")
    assert one["job"]["name"] == example_run.job_name


# -- who may see it -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "task_code", "connection_code"),
    [
        ("admin", 200, 200),
        ("viewer", 200, 403),  # reads DAGs, not connections
        ("outsider", 403, 403),  # no role: may not read the DAG
        (None, 401, 401),
    ],
)
def test_access_follows_airflows_permissions(
    api_server: ApiServer, example_run: ExampleRun, user: str | None, task_code: int, connection_code: int
) -> None:
    for path in ("job", "artifacts"):
        code, body = api_server.call(f"/automl/api/task/{path}?{task_query(example_run, CREATE)}", user=user)
        assert code == task_code, body
        if code != 200:
            assert example_run.job_name not in str(body)  # nothing of the job leaks
    code, _ = api_server.call("/automl/api/connections/aws_default/jobs", user=user)
    assert code == connection_code
    code, _ = api_server.call(f"/automl/api/connections/aws_default/jobs/{example_run.job_name}", user=user)
    assert code == connection_code


def test_no_credential_reaches_the_page(api_server: ApiServer, example_run: ExampleRun) -> None:
    for path in (
        f"/automl/api/task/job?{task_query(example_run, CREATE)}",
        f"/automl/api/task/artifacts?{task_query(example_run, CREATE)}",
        "/automl/api/connections/aws_default/jobs",
    ):
        _, body = api_server.call(path)
        text = str(body)
        # The connection's password and the backend's address stay on the server.
        assert "testing" not in text
        assert example_run.backend_url not in text


# -- the browser ----------------------------------------------------------------------------------


def wait_ready(browser: Any, timeout: float = 60) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout).until(
        lambda driver: driver.execute_script("return document.body.dataset.ready"),
        message=f"the view did not load: {browser.find_element('tag name', 'body').text[:500]}",
    )


def wait_artifacts(browser: Any, timeout: float = 60) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout).until(
        lambda driver: driver.execute_script("return !!document.querySelector('#artifacts .artifact')"),
        message="the artifacts did not load",
    )


def leaderboard_names(browser: Any) -> list[str]:
    return list(
        browser.execute_script(
            "return [...document.querySelectorAll('#leaderboard tbody tr')].map(tr => tr.dataset.candidate)"
        )
    )


PAINTED = """
const canvas = document.getElementById(arguments[0]);
if (!canvas) return null;
const chart = window.Chart && window.Chart.getChart(canvas);
const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
let painted = 0;
for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
return {points: chart ? chart.data.datasets[0].data.length : 0, labels: chart ? chart.data.labels : [],
        painted, area: canvas.width * canvas.height};
"""


def assert_chart_drawn(browser: Any, canvas_id: str, points: int) -> dict[str, Any]:
    found = browser.execute_script(PAINTED, canvas_id)
    assert found is not None, f"no canvas #{canvas_id}"
    assert found["points"] == points, found
    # Bars, axes and labels cover a good part of the canvas; an empty chart paints nothing.
    assert found["painted"] > 0.02 * found["area"], found
    return dict(found)


def open_task_tab(browser: Any, server: ApiServer, run: ExampleRun, task_id: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server.url}/dags/{DAG_ID}/runs/{quote(run.run_id, safe='')}/tasks/{task_id}/plugin/automl")
    frame = WebDriverWait(browser, 60).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, "iframe[title='AutoML']"),
        message=f"no AutoML tab on {browser.current_url}",
    )[0]
    browser.switch_to.frame(frame)


@needs_chromium
def test_task_tab_shows_leaderboard_charts_and_artifacts(
    api_server: ApiServer,
    example_run: ExampleRun,
    candidates: list[dict[str, Any]],
    browser: Any,
    screenshots: Path,
) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, api_server, "admin")
    open_task_tab(browser, api_server, example_run, CREATE)
    wait_ready(browser)
    wait_artifacts(browser)
    browser.switch_to.default_content()
    browser.save_screenshot(str(screenshots / "automl-view-task.png"))
    browser.switch_to.frame(browser.find_element(By.CSS_SELECTOR, "iframe[title='AutoML']"))

    expected = [c["CandidateName"] for c in candidates]
    assert browser.find_element(By.ID, "job-name").text == example_run.job_name
    assert leaderboard_names(browser) == expected
    assert (
        browser.find_element(By.CSS_SELECTOR, "#leaderboard tbody tr.best").get_attribute("data-candidate")
        == expected[0]
    )
    # One bar per candidate in the objective chart, one per metric value in the metric chart.
    objective = assert_chart_drawn(browser, "objective-chart", len(candidates))
    # Chart labels drop the job-name prefix of candidate names.
    assert [f"{example_run.job_name}-{label}" for label in objective["labels"]] == expected
    assert_chart_drawn(browser, "metric-chart", len(candidates))
    assert_chart_drawn(browser, "timeline-chart", len(candidates) + 4)  # 3 phases, the task
    importance = assert_chart_drawn(browser, "importance-chart-0", 6)
    assert "numeric__tenure_months" in importance["labels"]
    assert browser.find_element(By.ID, "model-packages").text.count("register_best_candidate") == 1

    # Sorting: the objective column ascending puts the worst first; again, best first.
    objective_header = browser.find_element(By.CSS_SELECTOR, "th[data-sort-key='objective'] button")
    objective_header.click()
    assert leaderboard_names(browser) == expected[::-1]
    header = browser.find_element(By.CSS_SELECTOR, "th[data-sort-key='objective']")
    assert header.get_attribute("aria-sort") == "ascending"
    objective_header.click()
    assert leaderboard_names(browser) == expected
    assert header.get_attribute("aria-sort") == "descending"
    browser.find_element(By.CSS_SELECTOR, "th[data-sort-key='name'] button").click()
    assert leaderboard_names(browser) == sorted(expected)

    # A chosen metric redraws its chart.
    browser.execute_script(
        "const s = document.getElementById('metric-select'); s.value = 'AUC';"
        "s.dispatchEvent(new Event('change'));"
    )
    assert (
        browser.execute_script(
            "return Chart.getChart(document.getElementById('metric-chart')).data.datasets[0].label"
        )
        == "AUC"
    )

    # Figures for the docs: the view's sections, from the page itself in a window tall enough.
    browser.switch_to.default_content()
    browser.set_window_size(1360, 3600)
    browser.get(f"{api_server.url}/automl/task?{task_query(example_run, CREATE)}")
    wait_ready(browser)
    wait_artifacts(browser)
    for section, name in (
        ("timeline", "automl-view-timeline.png"),
        ("leaderboard-section", "automl-view-leaderboard.png"),
        ("charts", "automl-view-charts.png"),
        ("candidate", "automl-view-candidate.png"),
        ("model-packages", "automl-view-packages.png"),
    ):
        browser.find_element(By.ID, section).screenshot(str(screenshots / name))


@needs_chromium
def test_jobs_page_lists_the_job_and_opens_it(
    api_server: ApiServer,
    example_run: ExampleRun,
    candidates: list[dict[str, Any]],
    browser: Any,
    screenshots: Path,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, api_server, "admin")
    browser.get(f"{api_server.url}/plugin/automl-jobs")
    frame = WebDriverWait(browser, 60).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, "iframe[title='AutoML jobs']"),
        message=f"no AutoML jobs page on {browser.current_url}",
    )[0]
    browser.switch_to.frame(frame)
    wait_ready(browser)
    rows = browser.find_elements(By.CSS_SELECTOR, "#jobs-table tbody tr")
    assert [row.get_attribute("data-job") for row in rows] == [example_run.job_name]
    task_link = rows[0].find_element(By.TAG_NAME, "a")
    assert task_link.text == f"{DAG_ID} / {CREATE}"
    assert task_link.get_attribute("href").endswith(f"/tasks/{CREATE}/plugin/automl")

    rows[0].find_element(By.TAG_NAME, "button").click()
    WebDriverWait(browser, 60).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, "#job-detail #leaderboard tbody tr"),
        message="the job did not open",
    )
    wait_artifacts(browser)
    assert leaderboard_names(browser) == [c["CandidateName"] for c in candidates]
    assert_chart_drawn(browser, "objective-chart", len(candidates))
    browser.switch_to.default_content()
    browser.save_screenshot(str(screenshots / "automl-view-jobs.png"))


@needs_chromium
def test_a_user_without_access_to_the_dag_is_refused(
    api_server: ApiServer, example_run: ExampleRun, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, api_server, "outsider")
    browser.get(f"{api_server.url}/automl/task?{task_query(example_run, CREATE)}")
    wait_ready(browser)
    text = browser.find_element(By.ID, "app").text
    assert "Access denied" in text
    assert example_run.job_name not in text
    assert not browser.find_elements(By.ID, "leaderboard")
    browser.save_screenshot(str(tmp_path / "automl-view-refused.png"))
