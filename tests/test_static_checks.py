"""ruff and mypy keep the code as the house rules say (configuration in pyproject.toml).

They run as part of the suite so that `make test` (and CI) stays the one command: a lint
finding or a type error fails here with the tool's own report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["bot", "actions", "channels", "scheduler", "ransel"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing_in_the_packages() -> None:
    result = _run("ruff", "check", "--no-cache", *PACKAGES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_no_type_errors_in_the_packages() -> None:
    result = _run("mypy")  # files and options: [tool.mypy] in pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr
