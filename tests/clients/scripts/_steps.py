"""Shared by the client scripts (they run in the clients' venvs, not the test's): record each step's
outcome so one failing call does not hide the others, and print one JSON result line at the end."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

RESULT_MARKER = "AUTOML-CLIENT-RESULT "


class Steps:
    def __init__(self) -> None:
        self.results: dict[str, dict[str, Any]] = {}

    def run(self, name: str, fn: Callable[[], dict[str, Any]], *, needs: tuple[str, ...] = ()) -> Any:
        missing = [n for n in needs if not self.results.get(n, {}).get("ok")]
        if missing:
            self.results[name] = {"ok": False, "error": f"not run: needs {', '.join(missing)}"}
            return None
        try:
            value = fn()
        except BaseException as err:  # the client's own error is the finding; keep going
            self.results[name] = {
                "ok": False,
                "error": f"{type(err).__module__}.{type(err).__name__}: {err}"[:3000],
                "traceback": traceback.format_exc()[-4000:],
            }
            print(f"step {name} failed: {err!r}", file=sys.stderr)
            return None
        self.results[name] = {"ok": True, **value}
        return value

    def emit(self, **extra: Any) -> None:
        print("\n" + RESULT_MARKER + json.dumps({"steps": self.results, **extra}, default=str))


def config() -> dict[str, Any]:
    return json.loads(sys.argv[1])
