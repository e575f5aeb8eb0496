"""Settings: the project's answers as defaults, the environment on top, clear errors."""

from pathlib import Path

import pytest

from core.settings import PROJECT_DEFAULTS, SettingsError, parse_settings


def test_the_projects_answers_are_the_defaults():
    settings = parse_settings(PROJECT_DEFAULTS)
    assert settings.storage_backend == PROJECT_DEFAULTS["STORAGE_BACKEND"]
    assert settings.bronze_schedule_cron == "0 0 * * *"


def test_environment_values_are_parsed():
    settings = parse_settings(
        {
            "STORAGE_BACKEND": " Local ",
            "POLSTER_DATA_DIR": "/tmp/tables",
            "POLSTER_EXAMPLE_ROWS": "10",
        }
    )
    assert settings.storage_backend == "local"
    assert settings.data_dir == Path("/tmp/tables")
    assert settings.example_rows == 10


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STORAGE_BACKEND": "s3"}, "STORAGE_BACKEND='s3' is not supported"),
        ({"POLSTER_EXAMPLE_ROWS": "many"}, "POLSTER_EXAMPLE_ROWS='many' is not a whole number"),
    ],
)
def test_bad_values_name_the_variable_and_the_fix(env, message):
    with pytest.raises(SettingsError, match=message):
        parse_settings(env)
