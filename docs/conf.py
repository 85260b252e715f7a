"""Sphinx configuration: MyST markdown pages, API reference from the package's docstrings.

Build (warnings are errors)::

    sphinx-build -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

# autodoc imports the package, which imports Airflow: give it a throwaway home so a docs
# build never writes ~/airflow or reads a developer's configuration.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="automl-docs-airflow-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow_provider_automl import __version__  # noqa: E402

project = "airflow-provider-automl"
author = "airflow-provider-automl contributors"
copyright = "2026, airflow-provider-automl contributors"
version = release = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["colon_fence", "deflist"]
# Pages link to each other's sections as `xcom.md#the-job-record`.
myst_heading_anchors = 3

autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
    "member-order": "bysource",
}
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autodoc_preserve_defaults = True

html_theme = "furo"
html_static_path = ["_static"]
html_title = f"airflow-provider-automl {release}"

# Pages written by other parts of the project: listed in the toctree when present. Set
# AUTOML_DOCS_REQUIRE_ALL=1 (CI, once they all exist) to make a missing one an error.
OPTIONAL_PAGES = (
    "local-backend",
    "local-security",
    "local-clients",
    "benchmarks",
    "reliability",
    "system-test",
)
TOCTREE_MARKER = "<!-- optional-pages -->"


def optional_pages() -> list[str]:
    present = [page for page in OPTIONAL_PAGES if (DOCS / f"{page}.md").exists()]
    missing = sorted(set(OPTIONAL_PAGES) - set(present))
    if missing and os.environ.get("AUTOML_DOCS_REQUIRE_ALL") == "1":
        raise RuntimeError(f"AUTOML_DOCS_REQUIRE_ALL=1 but these pages are missing: {', '.join(missing)}")
    if missing:
        print(f"docs: optional pages not present, left out of the toctree: {', '.join(missing)}")
    return present


def _insert_optional_pages(app: Any, docname: str, source: list[str]) -> None:
    if docname == root_doc:
        source[0] = source[0].replace(TOCTREE_MARKER, "\n".join(optional_pages()))


def _public_bases(app: Any, name: str, obj: Any, options: Any, bases: list[type]) -> None:
    # Show a private base (``_AutoMLOperator``) as the public classes it stands for.
    resolved: list[type] = []
    for base in bases:
        resolved.extend(base.__bases__ if base.__name__.startswith("_") else (base,))
    bases[:] = list(dict.fromkeys(resolved))


def setup(app: Any) -> None:
    app.connect("source-read", _insert_optional_pages)
    app.connect("autodoc-process-bases", _public_bases)
