"""Packaging tests: build the distributions once per session, register the ``packaging`` marker."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "packaging: builds the sdist and wheel and installs them (needs uv and PyPI for the build backend)",
    )


def uv_binary() -> str:
    """uv next to this interpreter (the Makefile installs it there), else on PATH."""
    beside = Path(sys.executable).parent / "uv"
    if beside.exists():
        return str(beside)
    found = shutil.which("uv")
    if found is None:
        pytest.fail("uv is needed to build and install the distributions: pip install uv")
    return found


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path


def build(project: Path, out: Path) -> Dists:
    """``uv build``: the sdist, then the wheel built from the sdist (so the sdist must be complete)."""
    run(uv_binary(), "build", "--quiet", "--python", sys.executable, "--out-dir", str(out), str(project))
    sdists = sorted(out.glob("*.tar.gz"))
    wheels = sorted(out.glob("*.whl"))
    assert len(sdists) == 1, f"expected one sdist in {out}, found {sdists}"
    assert len(wheels) == 1, f"expected one wheel in {out}, found {wheels}"
    return Dists(sdist=sdists[0], wheel=wheels[0])


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """The provider's distributions."""
    return build(ROOT, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def local_dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """The emulator's distributions (automl-local/)."""
    return build(ROOT / "automl-local", tmp_path_factory.mktemp("dist-local"))
