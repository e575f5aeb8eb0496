"""Typed settings, read once from the environment and the project's `.env` files.

Settings come in layers, each winning over the one before: the answers given when the
project was created, `.env`, `.env.<environment>` (`.env.staging`, `.env.prod`), then
the process environment. `POLSTER_ENV` picks the environment (the process environment's,
else `.env`'s, else the first of `POLSTER_ENVIRONMENTS`: dev).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values

from polster.contract.errors import PolsterError
from polster.core import paths
from polster.core.paths import project_config, project_root, resolve

StorageBackend = Literal["local", "adls"]
STORAGE_BACKENDS: tuple[StorageBackend, ...] = ("local", "adls")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
ADLS_ACCOUNT_PATTERN = re.compile(r"^[a-z0-9]{3,24}$")
# The environments a project has; the first is the default and keeps the tables' root.
ENVIRONMENTS = ("dev", "staging", "prod")
ENVIRONMENT_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*$")
RESERVED_NAMES = frozenset({"bronze", "silver", "gold", "adls_samples"})  # folders under data/
# Settings that place the tables: an environment other than the default one takes them
# from its own layers (`.env.<env>`, the process environment), else adds `/<env>` to them.
ROOT_SETTINGS = ("POLSTER_DATA_DIR", "ADLS_BASE_PATH")
AUTOMATION_STATES = ("running", "stopped")
# Where a failed run is reported (the `alerts` answer; POLSTER_ALERTS), and the setting
# that holds each destination's URL (a secret: .env or the environment only).
ALERT_KINDS = ("none", "slack", "teams", "webhook")
ALERT_URL_SETTINGS = {
    "slack": "POLSTER_ALERT_SLACK_WEBHOOK_URL",
    "teams": "POLSTER_ALERT_TEAMS_WEBHOOK_URL",
    "webhook": "POLSTER_ALERT_WEBHOOK_URL",
}
# How a Dagster run executes its assets (POLSTER_EXECUTOR): Dagster's default executor
# (one process per asset, on the run's machine), or k8s (dagster-k8s' k8s_job_executor:
# one Kubernetes pod per asset; set by deploy/helm/values.yaml, needs tables on ADLS).
EXECUTORS = ("default", "k8s")
# The answers given when the project was created ([tool.polster] in pyproject.toml) and the
# setting each one is the default of; `.env` and the environment win.
ANSWER_SETTINGS = {
    "storage_backend": "STORAGE_BACKEND",
    "alerts": "POLSTER_ALERTS",
    "adls_account_name": "ADLS_ACCOUNT_NAME",
    "adls_container": "ADLS_CONTAINER",
    "adls_base_path": "ADLS_BASE_PATH",
}


def project_defaults(config: Mapping[str, object]) -> dict[str, str]:
    """The settings the project's answers ([tool.polster]) give, as environment variables."""
    return {
        setting: str(config[answer])
        for answer, setting in ANSWER_SETTINGS.items()
        if answer in config
    }


def project_name() -> str:
    """The project's name, as answered when it was created."""
    return str(project_config().get("project_name", project_root().name))


class SettingsError(PolsterError, ValueError):
    """A setting in the environment or `.env` has a value that cannot work."""


@dataclass(frozen=True)
class Settings:
    """Every setting the pipeline reads; see `.env.example` for what each means."""

    environment: str = ENVIRONMENTS[0]
    environments: tuple[str, ...] = ENVIRONMENTS
    storage_backend: StorageBackend = "local"
    data_dir: Path = field(default_factory=paths.data_dir)
    adls_account_name: str = ""
    adls_container: str = ""
    adls_base_path: str = ""
    adls_account_key: str = field(default="", repr=False)
    adls_sas_token: str = field(default="", repr=False)
    adls_endpoint: str = ""
    dual_write_sample_size: int = 50
    disable_local_sample: bool = False
    adls_fallback_to_local: bool = False
    bronze_schedule_cron: str = "0 0 * * *"
    # Whether schedules and sensors start RUNNING (until someone switches them in the UI).
    automation_running: bool = True
    alerts: str = "none"  # none | slack | teams | webhook
    alert_url: str = field(default="", repr=False)  # a webhook URL is a secret
    ui_url: str = ""  # the Dagster UI's address, for the link in an alert
    maintenance_schedule_cron: str = ""  # empty: no maintenance schedule (the default)
    executor: str = "default"  # default | k8s
    example_rows: int = 1_000
    lock_timeout: int = 600  # seconds a write waits for another process writing its table
    # On ADLS: seconds after which the lock of a writer that died expires (Azure: 15 to 60).
    lock_lease_seconds: int = 30


def parse_settings(env: Mapping[str, str], shared: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from environment variables (pure; raises SettingsError).

    `env` holds the environment's own layers (`.env.<env>` and the process environment),
    `shared` the layers every environment shares (the answers and `.env`). An environment
    other than the default one gets its own tables: the root it sets itself, or the shared
    root with `/<env>` added, so that it never writes the default environment's tables.
    """
    shared = shared or {}
    merged = {**shared, **env}
    environments = parse_environments(merged)
    environment = parse_environment(merged, environments)
    backend = merged.get("STORAGE_BACKEND", "").strip().lower() or Settings.storage_backend
    if backend not in STORAGE_BACKENDS:
        msg = (
            f"STORAGE_BACKEND={backend!r} is not supported: set it to 'local' or 'adls' "
            "in .env or the environment"
        )
        raise SettingsError(msg)
    own = environment == environments[0]
    roots = {name: _root_setting(name, env, shared, environment, own) for name in ROOT_SETTINGS}
    defaults = Settings()
    settings = Settings(
        environment=environment,
        environments=environments,
        storage_backend=backend,  # type: ignore[arg-type]  # checked just above
        # A relative folder is taken from the project root, wherever the command runs.
        data_dir=resolve(roots["POLSTER_DATA_DIR"]),
        adls_account_name=merged.get("ADLS_ACCOUNT_NAME", "").strip(),
        adls_container=merged.get("ADLS_CONTAINER", "").strip(),
        adls_base_path=roots["ADLS_BASE_PATH"],
        adls_account_key=merged.get("ADLS_ACCOUNT_KEY", ""),
        adls_sas_token=merged.get("ADLS_SAS_TOKEN", ""),
        adls_endpoint=merged.get("ADLS_ENDPOINT", "").strip().rstrip("/"),
        dual_write_sample_size=_parse_int(
            merged, "DUAL_WRITE_SAMPLE_SIZE", defaults.dual_write_sample_size
        ),
        disable_local_sample=_parse_bool(merged, "DISABLE_LOCAL_SAMPLE"),
        adls_fallback_to_local=_parse_bool(merged, "ADLS_FALLBACK_TO_LOCAL"),
        bronze_schedule_cron=merged.get("BRONZE_SCHEDULE_CRON", "").strip()
        or defaults.bronze_schedule_cron,
        automation_running=_parse_automation(merged, environment, environments),
        **_parse_alerts(merged),
        maintenance_schedule_cron=merged.get("MAINTENANCE_SCHEDULE_CRON", "").strip(),
        executor=_parse_executor(merged, backend),
        example_rows=_parse_int(merged, "POLSTER_EXAMPLE_ROWS", defaults.example_rows),
        lock_timeout=_parse_int(merged, "POLSTER_LOCK_TIMEOUT", defaults.lock_timeout),
        lock_lease_seconds=_parse_lease(merged, defaults.lock_lease_seconds),
    )
    if not own:
        _check_separate_roots(settings, shared)
    if backend == "adls":
        _check_adls(settings)
    return settings


def parse_environments(env: Mapping[str, str]) -> tuple[str, ...]:
    """The project's environments, from POLSTER_ENVIRONMENTS (default: dev,staging,prod)."""
    value = env.get("POLSTER_ENVIRONMENTS", "").strip()
    names = tuple(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))
    if not value:
        return ENVIRONMENTS
    bad = [n for n in names if not ENVIRONMENT_PATTERN.match(n) or n in RESERVED_NAMES]
    if bad or not names:
        msg = (
            f"POLSTER_ENVIRONMENTS={value!r} is not a list of environment names: use "
            "lowercase names separated by commas, the default first, e.g. dev,staging,prod "
            "(not bronze, silver, gold or adls_samples)"
        )
        raise SettingsError(msg)
    return names


def parse_environment(env: Mapping[str, str], environments: tuple[str, ...]) -> str:
    """The environment POLSTER_ENV names (default: the first of `environments`)."""
    name = env.get("POLSTER_ENV", "").strip().lower() or environments[0]
    if name not in environments:
        msg = (
            f"POLSTER_ENV={name!r} is not an environment of this project: use one of "
            f"{', '.join(environments)} (POLSTER_ENVIRONMENTS in .env names them)"
        )
        raise SettingsError(msg)
    return name


def _root_setting(
    name: str, env: Mapping[str, str], shared: Mapping[str, str], environment: str, own: bool
) -> str:
    """Where the environment's tables live (POLSTER_DATA_DIR or ADLS_BASE_PATH)."""
    default = str(paths.data_dir()) if name == "POLSTER_DATA_DIR" else ""
    value = (env.get(name) or "").strip() or (shared.get(name) or "").strip() or default
    if not own and not (env.get(name) or "").strip():
        value = f"{value.rstrip('/')}/{environment}"
    return value.strip("/") if name == "ADLS_BASE_PATH" else value


def _check_separate_roots(settings: Settings, shared: Mapping[str, str]) -> None:
    """Refuse an environment whose tables are the default environment's tables."""
    default_env = settings.environments[0]
    if settings.storage_backend == "local":
        default_root = resolve(shared.get("POLSTER_DATA_DIR", "").strip() or paths.data_dir())
        same, variable = settings.data_dir == default_root, "POLSTER_DATA_DIR"
    else:
        default_root = shared.get("ADLS_BASE_PATH", "").strip().strip("/")
        where = (shared.get("ADLS_ACCOUNT_NAME", ""), shared.get("ADLS_CONTAINER", ""))
        same = (settings.adls_account_name, settings.adls_container) == tuple(
            value.strip() for value in where
        ) and settings.adls_base_path == default_root
        variable = "ADLS_BASE_PATH"
    if same:
        msg = (
            f"POLSTER_ENV={settings.environment} would use the tables of {default_env} "
            f"({variable}={default_root}): give it its own {variable} in "
            f".env.{settings.environment}, or leave it unset there"
        )
        raise SettingsError(msg)


def _parse_alerts(env: Mapping[str, str]) -> dict[str, str]:
    """POLSTER_ALERTS, its destination's URL and POLSTER_UI_URL (for the run's link)."""
    kind = env.get("POLSTER_ALERTS", "").strip().lower() or "none"
    if kind not in ALERT_KINDS:
        msg = f"POLSTER_ALERTS={kind!r} is not supported: set it to {', '.join(ALERT_KINDS)}"
        raise SettingsError(msg)
    url = env.get(ALERT_URL_SETTINGS[kind], "").strip() if kind != "none" else ""
    if url and not url.startswith(("http://", "https://")):
        msg = (  # the value itself is a secret: never in a message
            f"{ALERT_URL_SETTINGS[kind]} is not a URL: paste the webhook's whole address, "
            "https://..., into .env"
        )
        raise SettingsError(msg)
    ui_url = env.get("POLSTER_UI_URL", "").strip().rstrip("/")
    if ui_url and not ui_url.startswith(("http://", "https://")):
        msg = f"POLSTER_UI_URL={ui_url!r} must be a URL, such as http://127.0.0.1:3000"
        raise SettingsError(msg)
    return {"alerts": kind, "alert_url": url, "ui_url": ui_url}


def _parse_executor(env: Mapping[str, str], backend: str) -> str:
    """POLSTER_EXECUTOR (default | k8s); pods of the k8s executor share no local folder."""
    value = env.get("POLSTER_EXECUTOR", "").strip().lower() or Settings.executor
    if value not in EXECUTORS:
        msg = f"POLSTER_EXECUTOR={value!r} is not an executor: set it to {' or '.join(EXECUTORS)}"
        raise SettingsError(msg)
    if value == "k8s" and backend != "adls":
        msg = (
            "POLSTER_EXECUTOR=k8s runs each asset in its own pod, which cannot share local "
            "tables: set STORAGE_BACKEND=adls"
        )
        raise SettingsError(msg)
    return value


def _parse_automation(
    env: Mapping[str, str], environment: str, environments: tuple[str, ...]
) -> bool:
    """POLSTER_AUTOMATION (running | stopped). By default schedules and sensors run in the
    first environment (dev: `run_polster.py --ui` runs the factory by itself) and in the
    last (prod: nobody is there to switch them on), and wait in the ones between (staging:
    its runs read the same sources as prod; someone switches them on to try a release)."""
    value = env.get("POLSTER_AUTOMATION", "").strip().lower()
    if not value:
        return environment in (environments[0], environments[-1])
    if value not in AUTOMATION_STATES:
        msg = f"POLSTER_AUTOMATION={value!r} is not a state: set it to running or stopped"
        raise SettingsError(msg)
    return value == "running"


def _check_adls(settings: Settings) -> None:
    """Refuse ADLS settings that cannot work, before any work starts."""
    missing = [
        name
        for name, value in (
            ("ADLS_ACCOUNT_NAME", settings.adls_account_name),
            ("ADLS_CONTAINER", settings.adls_container),
        )
        if not value
    ]
    if missing:
        msg = f"STORAGE_BACKEND=adls needs {' and '.join(missing)}: set them in .env"
        raise SettingsError(msg)
    if not ADLS_ACCOUNT_PATTERN.match(settings.adls_account_name):
        msg = (
            f"ADLS_ACCOUNT_NAME={settings.adls_account_name!r} is not a storage account name: "
            "use the account's name from the Azure portal (3-24 lowercase letters and digits)"
        )
        raise SettingsError(msg)
    if settings.adls_account_key and settings.adls_sas_token:
        msg = "both ADLS_ACCOUNT_KEY and ADLS_SAS_TOKEN are set: keep only one of them in .env"
        raise SettingsError(msg)
    if settings.adls_endpoint and not settings.adls_endpoint.startswith(("http://", "https://")):
        msg = (
            f"ADLS_ENDPOINT={settings.adls_endpoint!r} must be a URL, "
            "such as http://127.0.0.1:10000/devstoreaccount1 for the Azurite emulator"
        )
        raise SettingsError(msg)


def _parse_bool(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    msg = f"{name}={value!r} is not a boolean: set it to true or false"
    raise SettingsError(msg)


def _parse_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or int(value) > LARGEST_SETTING:
        msg = (
            f"{name}={value!r} is not a whole number from 0 to {LARGEST_SETTING:,}: set it "
            f"to a number such as {default}"
        )
        raise SettingsError(msg)
    return int(value)


def _parse_lease(env: Mapping[str, str], default: int) -> int:
    seconds = _parse_int(env, "POLSTER_LOCK_LEASE_SECONDS", default)
    if not 15 <= seconds <= 60:
        msg = (
            f"POLSTER_LOCK_LEASE_SECONDS={seconds} is outside what Azure allows for a lease: "
            f"set it to 15 to 60 seconds (default {default})"
        )
        raise SettingsError(msg)
    return seconds


LARGEST_SETTING = 2**31 - 1  # what the libraries given a count or a timeout all take


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The project's settings, from its answers, `.env`, `.env.<env>` and the environment.

    The files' values are also put into the environment (where it has none), so that
    `secret()`, Dagster's EnvVar and every process started from here see them; the root of
    the tables is left out, so that a process started from here resolves it the same way.
    """
    real = dict(os.environ)
    env_values = read_env_file(paths.env_file())
    shared = {**project_defaults(project_config()), **env_values}
    environment = parse_environment({**shared, **real}, parse_environments({**shared, **real}))
    own_file = read_env_file(env_file_of(environment))
    settings = parse_settings({**own_file, **real}, shared)
    loaded = {k: v for k, v in env_values.items() if k not in ROOT_SETTINGS}
    for name, value in {**loaded, **own_file}.items():
        os.environ.setdefault(name, value)
    return settings


def env_file_of(environment: str) -> Path:
    """The file of one environment's settings: `.env.<environment>` in the project."""
    return project_root() / f".env.{environment}"


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of a dotenv file; empty when it does not exist."""
    if not path.is_file():
        return {}
    try:
        values = dotenv_values(path, encoding="utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        msg = (
            f"{path.name} line {line} has bytes that are not UTF-8 text: save the file as "
            "UTF-8 (or retype that line)"
        )
        raise SettingsError(msg) from None
    except OSError as error:
        msg = f"cannot read {path} ({error.strerror}): make it readable"
        raise SettingsError(msg) from None
    return {name: value or "" for name, value in values.items()}


def secret(name: str) -> str:
    """A source's secret (`<NAME>_API_TOKEN`, `<NAME>_DATABASE_URL`) from the environment or
    `.env`; empty when unset. Never logged: callers keep it out of every message."""
    get_settings()  # loads .env once
    return os.environ.get(name, "").strip()
