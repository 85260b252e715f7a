"""The sdist and wheel build, hold the package, and install cleanly into an empty venv."""

from __future__ import annotations

import json
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from airflow_provider_automl import __version__
from airflow_provider_automl.get_provider_info import get_provider_info
from tests.packaging.conftest import ROOT, Dists, run, uv_binary

pytestmark = pytest.mark.packaging

PACKAGE = "airflow_provider_automl"
DIST_NAME = "airflow_provider_automl"


def package_sources() -> set[str]:
    """Every file of the package on disk (modules and data), relative to the repository root."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / PACKAGE).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def wheel_metadata(wheel: Path) -> tuple[set[str], dict[str, list[str]], str]:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = f"{DIST_NAME}-{__version__}.dist-info"
        message = Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    headers: dict[str, list[str]] = {}
    for key, value in message.items():
        headers.setdefault(key, []).append(value)
    return names, headers, entry_points


def test_file_names_carry_the_version(dists: Dists) -> None:
    assert dists.sdist.name == f"{DIST_NAME}-{__version__}.tar.gz"
    assert dists.wheel.name == f"{DIST_NAME}-{__version__}-py3-none-any.whl"


def test_wheel_holds_every_module_and_nothing_else(dists: Dists) -> None:
    names, _, _ = wheel_metadata(dists.wheel)
    dist_info = f"{DIST_NAME}-{__version__}.dist-info/"
    modules = {name for name in names if not name.startswith(dist_info)}
    assert modules == package_sources()
    assert f"{PACKAGE}/py.typed" in modules
    assert {f"{dist_info}licenses/LICENSE", f"{dist_info}licenses/NOTICE"} <= names


def test_twine_check_passes_for_the_sdist_and_the_wheel(dists: Dists) -> None:
    # What PyPI would reject (metadata, README rendering) fails here first.
    result = run(sys.executable, "-m", "twine", "check", "--strict", str(dists.sdist), str(dists.wheel))
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_wheel_metadata(dists: Dists) -> None:
    _, headers, entry_points = wheel_metadata(dists.wheel)
    assert headers["Name"] == ["airflow-provider-automl"]
    assert headers["Version"] == [__version__]
    assert headers["Summary"][0].startswith("Apache Airflow provider for Amazon SageMaker Autopilot")
    assert headers["Requires-Python"] == [">=3.10"]
    requires = headers["Requires-Dist"]
    assert "apache-airflow>=2.11.0" in requires
    assert any(req.startswith("apache-airflow-providers-amazon[aiobotocore]>=") for req in requires)
    assert "local" in headers["Provides-Extra"]
    # The local backend's ML stack is optional: nothing heavy is a hard requirement.
    hard = [req for req in requires if "extra ==" not in req]
    assert not [req for req in hard if req.split("[")[0].split(">")[0] in {"pandas", "scikit-learn", "moto"}]
    assert any(req.startswith("regex>=") for req in hard), "the validator needs regex for \\p{...} patterns"
    # Release basics: licence files, typed marker, project URLs, Python classifiers.
    assert headers["License-Expression"] == ["Apache-2.0"]
    assert {"LICENSE", "NOTICE"} <= set(headers["License-File"])
    urls = dict(url.split(", ", 1) for url in headers["Project-URL"])
    assert {"Homepage", "Documentation", "Source", "Issues", "Changelog"} <= set(urls)
    classifiers = set(headers["Classifier"])
    assert {f"Programming Language :: Python :: 3.{minor}" for minor in (10, 11, 12, 13)} <= classifiers
    assert {"Framework :: Apache Airflow :: Provider", "Typing :: Typed"} <= classifiers
    assert "[apache_airflow_provider]" in entry_points
    assert "provider_info = airflow_provider_automl.get_provider_info:get_provider_info" in entry_points
    # The emulator is its own distribution; the provider's [local] extra brings it.
    assert "automl-local" not in entry_points
    assert any(req.startswith("automl-local>=") and "local" in req.split(";", 1)[-1] for req in requires)


def test_sdist_holds_sources_docs_examples_and_tests(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as archive:
        prefix = f"{DIST_NAME}-{__version__}/"
        names = {name.removeprefix(prefix) for name in archive.getnames()}
    assert package_sources() <= names
    expected = {
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "NOTICE",
        "PKG-INFO",
        "docs/conf.py",
        "docs/index.md",
        "docs/xcom.md",
        "example_dags/example_automl_tabular.py",
        "tests/conftest.py",
    }
    assert expected <= names, f"missing from the sdist: {sorted(expected - names)}"
    assert not [name for name in names if "__pycache__" in name or name.startswith("docs/_build")]


INSPECT = """
import json
from importlib.metadata import distribution, entry_points

dist = distribution("airflow-provider-automl")
(ep,) = [ep for ep in entry_points(group="apache_airflow_provider") if ep.dist.name == dist.name]
print(json.dumps({
    "version": dist.version,
    "files": sorted(str(f) for f in dist.files),
    "provider_info": ep.load()(),
}))
"""


def test_wheel_installs_into_an_empty_venv(dists: Dists, tmp_path: Path) -> None:
    uv = uv_binary()
    venv = tmp_path / "venv"
    run(uv, "venv", "--quiet", "--python", sys.executable, str(venv))
    python = venv / "bin" / "python"
    run(uv, "pip", "install", "--quiet", "--no-deps", "--python", str(python), str(dists.wheel))

    # -I: isolated mode, so the checkout on sys.path cannot stand in for the installed package.
    installed = json.loads(run(str(python), "-I", "-c", INSPECT, cwd=tmp_path).stdout)

    assert installed["version"] == __version__
    files = set(installed["files"])
    assert package_sources() <= files, f"not installed: {sorted(package_sources() - files)}"
    assert installed["provider_info"] == get_provider_info()
    assert installed["provider_info"]["package-name"] == "airflow-provider-automl"
    assert installed["provider_info"]["versions"] == [__version__]


LOCAL_INSPECT = """
import json, sys
from importlib.metadata import distribution

dist = distribution("automl-local")
print(json.dumps({
    "version": dist.version,
    "requires": dist.requires,
    "scripts": [ep.value for ep in dist.entry_points if ep.group == "console_scripts"],
    "files": sorted(str(f) for f in dist.files),
}))
"""


def test_emulator_is_its_own_distribution_without_airflow(local_dists: Dists, tmp_path: Path) -> None:
    import automl_local

    assert local_dists.wheel.name == f"automl_local-{automl_local.__version__}-py3-none-any.whl"
    uv = uv_binary()
    venv = tmp_path / "venv"
    run(uv, "venv", "--quiet", "--python", sys.executable, str(venv))
    python = venv / "bin" / "python"
    run(uv, "pip", "install", "--quiet", "--no-deps", "--python", str(python), str(local_dists.wheel))
    installed = json.loads(run(str(python), "-I", "-c", LOCAL_INSPECT, cwd=tmp_path).stdout)
    assert installed["scripts"] == ["automl_local.__main__:main"]
    assert not [req for req in installed["requires"] if "airflow" in req]
    assert "automl_local/server.py" in installed["files"]
    assert not [f for f in installed["files"] if f.startswith("airflow_provider_automl")]
    # The console script answers without any of its heavy dependencies imported.
    usage = run(str(venv / "bin" / "automl-local"), "--help", cwd=tmp_path).stdout
    assert "serve" in usage and "predict" in usage
    with tarfile.open(local_dists.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"automl_local/__main__.py", "pyproject.toml", "README.md", "tests/conftest.py"} <= names
