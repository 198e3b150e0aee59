"""`rasa data validate` on the domain and training data: no errors and no warnings."""

import subprocess

import pytest

from bot import engine
from bot.config import PROJECT_ROOT, load_settings

pytestmark = pytest.mark.slow


def test_rasa_validates_the_domain_and_data_without_warnings() -> None:
    result = subprocess.run(
        [str(engine.rasa_executable()), "data", "validate", "--domain", "nlu", "--data", "nlu",
         "-c", "config.yml", "--fail-on-warnings"],
        cwd=PROJECT_ROOT, env=engine.engine_env(load_settings()), capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "UserWarning" not in output, output[-3000:]
