"""Settings: the project's answers as defaults, the environment on top, clear errors."""

from pathlib import Path

import pytest
from polster.core.settings import (
    SettingsError,
    parse_settings,
    project_defaults,
    project_name,
)


def test_the_projects_answers_are_the_defaults():
    answers = {"storage_backend": "adls", "adls_account_name": "lake", "adls_container": "c"}
    defaults = project_defaults({**answers, "alerts": "none", "unrelated": "x"})
    assert defaults == {
        "STORAGE_BACKEND": "adls",
        "ADLS_ACCOUNT_NAME": "lake",
        "ADLS_CONTAINER": "c",
        "POLSTER_ALERTS": "none",
    }
    settings = parse_settings({}, defaults)
    assert (settings.storage_backend, settings.adls_account_name) == ("adls", "lake")
    assert settings.bronze_schedule_cron == "0 0 * * *"


def test_the_project_is_named_in_its_pyproject():
    assert project_name() == "sample_project"


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
        ({"POLSTER_EXAMPLE_ROWS": "-3"}, "POLSTER_EXAMPLE_ROWS='-3' is not a whole number"),
        ({"POLSTER_LOCK_TIMEOUT": "9" * 30}, "POLSTER_LOCK_TIMEOUT='9{30}' is not a whole number"),
        ({"POLSTER_EXAMPLE_ROWS": "²"}, "POLSTER_EXAMPLE_ROWS='²' is not a whole number"),
        ({"POLSTER_LOCK_LEASE_SECONDS": "5"}, "POLSTER_LOCK_LEASE_SECONDS=5 is outside what Azure"),
    ],
)
def test_bad_values_name_the_variable_and_the_fix(env, message):
    with pytest.raises(SettingsError, match=message):
        parse_settings(env)


def test_dev_keeps_the_root_and_other_environments_get_their_own():
    dev = parse_settings({})
    staging = parse_settings({"POLSTER_ENV": "staging"})
    assert (dev.environment, staging.environment) == ("dev", "staging")
    assert staging.data_dir == dev.data_dir / "staging"


def test_an_environment_sets_its_own_root_or_adds_its_name_to_the_shared_one():
    shared = {"POLSTER_DATA_DIR": "/srv/tables"}
    prod = parse_settings({"POLSTER_ENV": "prod"}, shared)
    assert prod.data_dir == Path("/srv/tables/prod")
    own = parse_settings({"POLSTER_ENV": "prod", "POLSTER_DATA_DIR": "/srv/prod"}, shared)
    assert own.data_dir == Path("/srv/prod")
    adls = {"STORAGE_BACKEND": "adls", "ADLS_ACCOUNT_NAME": "lake", "ADLS_CONTAINER": "c"}
    remote = parse_settings({"POLSTER_ENV": "prod"}, {**adls, "ADLS_BASE_PATH": "shop/data"})
    assert remote.adls_base_path == "shop/data/prod"


def test_an_environment_may_not_use_the_default_environments_tables():
    shared = {"POLSTER_DATA_DIR": "/srv/tables"}
    with pytest.raises(SettingsError, match="would use the tables of dev"):
        parse_settings({"POLSTER_ENV": "prod", "POLSTER_DATA_DIR": "/srv/tables"}, shared)


def test_a_misspelt_environment_is_one_line_listing_the_environments():
    with pytest.raises(SettingsError) as error:
        parse_settings({"POLSTER_ENV": "prdo"})
    assert str(error.value) == (
        "POLSTER_ENV='prdo' is not an environment of this project: use one of dev, staging, "
        "prod (POLSTER_ENVIRONMENTS in .env names them)"
    )


def test_environment_names_are_configurable_and_the_first_is_the_default():
    names = {"POLSTER_ENVIRONMENTS": "local, test, live"}
    assert parse_settings(names).environment == "local"
    assert parse_settings({**names, "POLSTER_ENV": "live"}).data_dir.name == "live"
    with pytest.raises(SettingsError, match="use one of local, test, live"):
        parse_settings({**names, "POLSTER_ENV": "prod"})


@pytest.mark.parametrize(
    ("env", "running"),
    [
        ({}, True),
        ({"POLSTER_ENV": "staging"}, False),
        ({"POLSTER_ENV": "prod"}, True),
        ({"POLSTER_ENV": "staging", "POLSTER_AUTOMATION": "running"}, True),
        ({"POLSTER_AUTOMATION": "stopped"}, False),
    ],
)
def test_schedules_and_sensors_run_where_the_environment_says(env, running):
    assert parse_settings(env).automation_running is running
