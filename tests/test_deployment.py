"""Production deployment (the `deployment` question): real PostgreSQL, real Dagster processes.

A `deployment=docker alerts=webhook` render runs against its own deploy/dagster.yaml with
a real PostgreSQL server and `dagster code-server`, `dagster-daemon` and
`dagster-webserver` as separate processes: a run submitted through the webserver is
QUEUED, launched by the daemon and succeeds, its events are rows in PostgreSQL, and the
daemon ticks the schedule and the sensors. Containers and Kubernetes cannot run here: the
compose file is validated against the Compose specification's schema, the Dockerfile and
the Helm values are parsed and checked for what Docker and the chart need.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from dagster import DagsterEventType
from dagster._grpc.client import DagsterGrpcClient
from pytest_httpserver import HTTPServer

from tests.conftest import ADLS_ANSWERS, PYTHON, project_env, render_project, run
from tests.ports import free_port
from tests.postgres import PostgresServer
from tests.processes import output_of, start, stop
from tests.readme_commands import section_commands
from tests.test_update import copy_at_old_version, leftovers, readme_command, releases

__all__ = ["releases"]  # a fixture, used by test_reanswering_switches_the_deployment
pytestmark = pytest.mark.xdist_group("deployment")
BIN = Path(PYTHON).parent
HOOK = "/hooks/deploy"
START_TIMEOUT = 120
RUN_TIMEOUT = 150
DOCKER_FILES = {
    ".dockerignore",
    "deploy/README.md",
    "deploy/dagster.yaml",
    "deploy/Dockerfile",
    "deploy/compose.yaml",
    "deploy/workspace.yaml",
}
KUBERNETES_FILES = {
    ".dockerignore",
    "deploy/README.md",
    "deploy/dagster.yaml",
    "deploy/Dockerfile",
    "deploy/helm/values.yaml",
}
ANSWERS = {
    "none": {},
    "docker": {"deployment": "docker", "alerts": "webhook"},
    "kubernetes": {"deployment": "kubernetes", **ADLS_ANSWERS},
}
EXPECTED_FILES = {"none": set(), "docker": DOCKER_FILES, "kubernetes": KUBERNETES_FILES}


@pytest.fixture(scope="module")
def projects(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("deployment")
    return {
        kind: render_project(template_src, folder / f"shop {kind}", **answers)
        for kind, answers in ANSWERS.items()
    }


def deploy_files(project: Path) -> set[str]:
    found = {str(p.relative_to(project)) for p in (project / "deploy").rglob("*") if p.is_file()}
    return found | ({".dockerignore"} if (project / ".dockerignore").exists() else set())


def dependencies(project: Path) -> list[str]:
    text = (project / "pyproject.toml").read_text()
    return re.findall(r'"(dagster-(?:postgres|k8s)[^"]*)"', text)


@pytest.mark.parametrize("kind", ["none", "docker", "kubernetes"])
def test_only_the_chosen_deployment_is_rendered(projects, kind):
    project = projects[kind]
    assert deploy_files(project) == EXPECTED_FILES[kind]
    expected = {
        "none": [],
        "docker": ["dagster-postgres>=0.29.27,<0.31"],
        "kubernetes": ["dagster-postgres>=0.29.27,<0.31", "dagster-k8s>=0.29.27,<0.31"],
    }
    assert dependencies(project) == expected[kind]
    readme = (project / "README.md").read_text()
    assert "## Deploying" in readme
    if kind == "none":
        assert 'make update VCS_REF=:current: DATA="deployment=docker"' in readme
        assert section_commands(readme, "Deploying") == []


def test_kubernetes_with_local_tables_is_refused_in_one_line(template_src, tmp_path):
    destination = tmp_path / "refused"
    with pytest.raises(ValueError, match="deployment=kubernetes") as refused:
        render_project(template_src, destination, deployment="kubernetes")
    message = str(refused.value).removeprefix("Invalid choice for 'deployment': ")
    assert message == (
        "deployment=kubernetes runs each asset in its own pod, which cannot share a local "
        "data/ folder: answer storage_backend=adls (or deployment=docker)."
    )
    assert not destination.exists()


def test_the_instance_config_is_dagsters_schema(projects):
    """deploy/dagster.yaml as Dagster itself validates and builds it (no server needed)."""
    instance = yaml.safe_load((projects["docker"] / "deploy" / "dagster.yaml").read_text())
    for storage, module in [
        ("run_storage", "dagster_postgres.run_storage"),
        ("event_log_storage", "dagster_postgres.event_log"),
        ("schedule_storage", "dagster_postgres.schedule_storage"),
    ]:
        assert instance[storage]["module"] == module
        database = instance[storage]["config"]["postgres_db"]
        assert database == {
            "hostname": {"env": "DAGSTER_POSTGRES_HOST"},
            "port": {"env": "DAGSTER_POSTGRES_PORT"},
            "username": {"env": "DAGSTER_POSTGRES_USER"},
            "password": {"env": "DAGSTER_POSTGRES_PASSWORD"},
            "db_name": {"env": "DAGSTER_POSTGRES_DB"},
            "scheme": "postgresql+psycopg2",
        }
    assert instance["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert instance["run_coordinator"]["config"]["max_concurrent_runs"] == 4
    assert instance["run_monitoring"]["enabled"] is True
    assert instance["retention"]["schedule"]["purge_after_days"] == 90
    assert instance["telemetry"] == {"enabled": False}
    code = (
        "import sys, yaml\n"
        "from dagster._core.instance.config import dagster_instance_config_schema\n"
        "from dagster._config import process_config\n"
        "result = process_config(dagster_instance_config_schema(),"
        " yaml.safe_load(open(sys.argv[1])))\n"
        "print(result.success, [e.message for e in result.errors or []])\n"
    )
    checked = run([PYTHON, "-c", code, "deploy/dagster.yaml"], projects["docker"])
    assert checked.stdout.strip() == "True []"


def test_the_compose_file_validates_against_the_compose_spec(projects):
    project = projects["docker"]
    result = run([str(BIN / "check-jsonschema"), *COMPOSE_CHECK, "deploy/compose.yaml"], project)
    assert "ok -- validation done" in result.stdout
    compose = yaml.safe_load((project / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "code-server", "webserver", "daemon"}
    assert all("healthcheck" in service for service in services.values())
    for name in ("webserver", "daemon"):
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "code-server": {"condition": "service_healthy"},
        }
    assert services["code-server"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    # The .env (ADLS keys, alert URLs) reaches the code server only; the UI stays local.
    assert [name for name, service in services.items() if "env_file" in service] == ["code-server"]
    assert services["webserver"]["ports"] == ["127.0.0.1:3000:3000"]
    assert set(compose["volumes"]) == {"postgres-data", "dagster-storage", "tables"}
    assert services["code-server"]["volumes"][-1] == "tables:/app/data"
    assert "--workspace=/app/deploy/workspace.yaml" in services["webserver"]["command"]
    workspace = yaml.safe_load((project / "deploy" / "workspace.yaml").read_text())
    assert workspace["load_from"] == [
        {"grpc_server": {"host": "code-server", "port": 4000, "location_name": "shop_pipeline"}}
    ]


COMPOSE_CHECK = ["--builtin-schema", "vendor.compose-spec"]


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


@pytest.mark.parametrize("kind", ["docker", "kubernetes"])
def test_the_dockerfile_is_small_locked_and_non_root(projects, kind):
    project = projects[kind]
    steps = dockerfile_instructions(project / "deploy" / "Dockerfile")
    froms = [args for op, args in steps if op == "FROM"]
    assert froms == ["python:${PYTHON_VERSION}-slim AS build", "python:${PYTHON_VERSION}-slim"]
    runs = [args for op, args in steps if op == "RUN"]
    assert "uv sync --frozen --no-dev --no-install-project" in runs
    assert "uv sync --frozen --no-dev" in runs
    (user,) = [args for op, args in steps if op == "USER"]
    assert user.split(":")[0] not in {"root", "0"}
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", user)  # numeric: runAsNonRoot can check it
    (healthcheck,) = [args for op, args in steps if op == "HEALTHCHECK"]
    assert '"grpc-health-check", "--port", "4000"' in healthcheck
    assert steps.index(("USER", user)) > max(i for i, (op, _) in enumerate(steps) if op == "RUN")
    # Every file the build copies from the project is there (uv.lock after `make setup`).
    copied = [args.split()[:-1] for op, args in steps if op == "COPY" and "--from" not in args]
    sources = {word for words in copied for word in words if not word.startswith("--")}
    assert sources == {
        "pyproject.toml",
        "uv.lock",
        "README.md",
        "src",
        "run_polster.py",
        "workspace.yaml",
        "deploy/dagster.yaml",
        "deploy",
    }
    assert all((project / source).exists() for source in sources - {"uv.lock"})
    assert "uv lock" in (project / "deploy" / "README.md").read_text()
    cmd = json.loads(next(args for op, args in steps if op == "CMD"))
    assert cmd[:3] == ["dagster", "code-server", "start"]
    ignored = (project / ".dockerignore").read_text().splitlines()
    assert {".env", ".env.*", "data/", ".venv/", ".dagster/"} <= set(ignored)


def test_the_helm_values_have_what_the_chart_needs(projects):
    project = projects["kubernetes"]
    values = yaml.safe_load((project / "deploy" / "helm" / "values.yaml").read_text())
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert values["dagster-user-deployments"]["enabled"] is True
    assert deployment["image"]["repository"] == "shop-pipeline"
    assert deployment["image"]["tag"] not in {"", "latest"}
    assert deployment["dagsterApiGrpcArgs"] == [
        "--module-name",
        "orchestration.definitions",
        "--working-directory",
        "/app/src",
        "--location-name",
        "shop_pipeline",
    ]
    assert deployment["port"] == 4000
    assert deployment["env"]["POLSTER_EXECUTOR"] == "k8s"
    assert deployment["env"]["STORAGE_BACKEND"] == "adls"
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is False
    assert values["postgresql"]["postgresqlHost"]
    assert values["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"
    assert values["generatePostgresqlPasswordSecret"] is False
    assert values["global"]["postgresqlSecretName"] == "dagster-postgresql-secret"
    coordinator = values["dagsterDaemon"]["runCoordinator"]
    assert coordinator["type"] == "QueuedRunCoordinator"
    assert coordinator["config"]["queuedRunCoordinator"]["maxConcurrentRuns"] == 10
    assert values["dagsterDaemon"]["runMonitoring"]["enabled"] is True
    # The chart's schema requires all four statuses when purgeAfterDays is a mapping.
    sensor = values["retention"]["sensor"]["purgeAfterDays"]
    assert set(sensor) == {"failure", "skipped", "started", "success"}
    assert values["telemetry"] == {"enabled": False}
    # The project's pods (code server, runs, steps): non-root, read-only, no privileges.
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"]
    for pod, container in [
        (deployment["podSecurityContext"], deployment["securityContext"]),
        (
            launcher["podSpecConfig"]["securityContext"],
            launcher["containerConfig"]["securityContext"],
        ),
    ]:
        assert pod["runAsNonRoot"] is True
        assert pod["runAsUser"] == 10001
        assert container["allowPrivilegeEscalation"] is False
        assert container["readOnlyRootFilesystem"] is True
        assert container["capabilities"] == {"drop": ["ALL"]}
    for service in ("dagsterWebserver", "dagsterDaemon"):
        assert values[service]["securityContext"]["allowPrivilegeEscalation"] is False
    assert values["dagsterWebserver"]["service"]["type"] == "ClusterIP"
    # The gRPC arguments load the definitions (the chart runs `dagster api grpc ARGS`).
    help_text = run([str(BIN / "dagster"), "api", "grpc", "--help"], project).stdout
    assert all(arg in help_text for arg in deployment["dagsterApiGrpcArgs"] if arg[:2] == "--")


def executor_of(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "from polster.orchestration.definitions import build_definitions\n"
        "executor = build_definitions().executor\n"
        "print(executor.name if executor else 'default')\n"
    )
    return run([PYTHON, "-c", code], project, check=False, env={**project_env(project), **env})


def test_kubernetes_runs_each_asset_in_its_own_pod(projects):
    project = projects["kubernetes"]
    selected = executor_of(project, POLSTER_EXECUTOR="k8s")
    assert selected.returncode == 0, selected.stderr
    assert selected.stdout.strip() == "k8s"  # dagster_k8s.k8s_job_executor
    default = executor_of(project)
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip() == "default"


def test_the_k8s_executor_with_local_tables_is_one_line(projects):
    project = projects["docker"]
    env = {**project_env(project), "POLSTER_EXECUTOR": "k8s"}
    result = run([PYTHON, "run_polster.py"], project, check=False, env=env)
    assert result.returncode == 1
    assert result.stderr == (
        "error: POLSTER_EXECUTOR=k8s runs each asset in its own pod, which cannot share "
        "local tables: set STORAGE_BACKEND=adls\n"
    )


@pytest.mark.parametrize("kind", ["docker", "kubernetes"])
def test_every_deploying_command_is_run_or_validated(projects, kind):
    """`cp` runs; Docker, kubectl and helm cannot here: what each reads is validated."""
    project = projects[kind]
    commands = section_commands((project / "README.md").read_text(), "Deploying")
    deploy_readme = (project / "deploy" / "README.md").read_text()
    assert commands
    for command in commands:
        assert command in deploy_readme or command.startswith("cp "), command
        words = shlex.split(command)
        if words[0] == "cp":
            run(words, project)
            assert (project / ".env").exists()
        elif words[:2] == ["docker", "compose"]:
            assert words[2:6] == ["--env-file", ".env", "-f", "deploy/compose.yaml"]
            assert (project / ".env").exists()
            run([str(BIN / "check-jsonschema"), *COMPOSE_CHECK, words[5]], project)
        elif words[:2] == ["docker", "build"]:
            assert words[2:4] == ["-f", "deploy/Dockerfile"]
            assert words[-1] == "."
            dockerfile_instructions(project / words[3])
        elif words[0] == "kubectl":
            assert words[1:4] == ["create", "secret", "generic"]
            for word in words:
                if word.startswith("--from-env-file="):
                    assert (project / ".env.example").exists()  # copied to .env first
        elif words[0] == "helm":
            assert words[-2] == "-f"
            yaml.safe_load((project / words[-1]).read_text())
            assert "dagster/dagster" in words
        else:
            pytest.fail(f"a Deploying command no test runs or validates: {command}")
    (project / ".env").unlink(missing_ok=True)


def test_the_rendered_projects_are_clean_and_their_tests_pass(projects):
    for kind in ("docker", "kubernetes"):
        run([PYTHON, "-m", "ruff", "check", "."], projects[kind])
        run([PYTHON, "-m", "ruff", "format", "--check", "."], projects[kind])
    # One run of the project's own tests (kubernetes: its settings and executor differ the
    # most); the docker render's pipeline runs for real in the PostgreSQL test below.
    project = projects["kubernetes"]
    tests = run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"],
        project,
        env=project_env(project),
    )
    assert re.search(r"^\d+ passed", tests.stdout, re.MULTILINE), tests.stdout


def test_reanswering_switches_the_deployment(releases, tmp_path):
    project = copy_at_old_version(releases, tmp_path / "shop_pipeline")
    assert deploy_files(project) == set()

    readme_command(project, 'make update VCS_REF=:current: DATA="deployment=docker"')
    assert deploy_files(project) == DOCKER_FILES
    assert dependencies(project) == ["dagster-postgres>=0.29.27,<0.31"]
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["deployment"] == "docker"
    run(["git", "add", "--all"], project)
    run(["git", "commit", "--quiet", "-m", "docker"], project)

    readme_command(project, 'make update VCS_REF=:current: DATA="deployment=none"')
    assert deploy_files(project) == set()
    assert not (project / "deploy").exists()
    assert dependencies(project) == []
    assert leftovers(project) == []


# --- The real thing: PostgreSQL, code server, daemon and webserver as separate processes.

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
STATUS = "query Status($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
LOCATIONS = """
{ workspaceOrError { ... on Workspace { locationEntries {
    name locationOrLoadError { __typename }
} } } }
"""


def graphql(port: int, query: str, **variables: object) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def wait_until(condition, timeout: float, what: str, processes: dict[str, subprocess.Popen]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, TypeError, KeyError):
            result = condition()
            if result:
                return result
        for name, process in processes.items():
            if process.poll() is not None:
                pytest.fail(
                    f"{name} exited ({process.returncode}) before {what}:\n{output_of(process)}"
                )
        time.sleep(1)
    pytest.fail(f"no {what} within {timeout}s")


def location_loaded(port: int) -> bool:
    entries = graphql(port, LOCATIONS)["workspaceOrError"]["locationEntries"]
    return [(entry["name"], entry["locationOrLoadError"]["__typename"]) for entry in entries] == [
        ("shop_pipeline", "RepositoryLocation")
    ]


def tick_types(server: PostgresServer, db: str) -> set[str]:
    rows = server.psql("SELECT DISTINCT type FROM job_ticks", db=db).split()
    return set(rows)


def ticks_of(server: PostgresServer, db: str, name: str) -> int:
    """Ticks recorded for one schedule or sensor (its name is in the tick's body)."""
    sql = f"SELECT count(*) FROM job_ticks WHERE tick_body LIKE '%\"{name}\"%'"
    return int(server.psql(sql, db=db).strip())


@pytest.fixture
def database(postgres: PostgresServer) -> str:
    name = f"deploy_{secrets.token_hex(4)}"
    postgres.psql(f"CREATE DATABASE {name}")
    return name


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


def test_a_queued_run_is_launched_by_the_daemon_and_recorded_in_postgres(
    projects, postgres: PostgresServer, database: str, httpserver: HTTPServer, tmp_path
):
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    project = projects["docker"]
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(project / "deploy" / "dagster.yaml", home / "dagster.yaml")
    grpc_port, ui_port = free_port(), free_port()
    # deploy/workspace.yaml, with the code server's address on this machine.
    workspace = yaml.safe_load((project / "deploy" / "workspace.yaml").read_text())
    workspace["load_from"][0]["grpc_server"].update(host="127.0.0.1", port=grpc_port)
    (home / "workspace.yaml").write_text(yaml.safe_dump(workspace))
    env = {
        **project_env(project),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DAGSTER_HOME": str(home),
        **postgres.dagster_env(database),
        "POLSTER_ENV": "prod",  # as compose.yaml runs it
        "POLSTER_ALERT_WEBHOOK_URL": httpserver.url_for(HOOK),
        "BRONZE_SCHEDULE_CRON": "* * * * *",  # a schedule tick within a minute
    }
    ws = str(home / "workspace.yaml")
    commands = {
        "code server": [
            *("dagster", "code-server", "start", "--host", "127.0.0.1", "--port", str(grpc_port)),
            *("--module-name", "orchestration.definitions", "--working-directory", "src"),
            *("--location-name", "shop_pipeline"),
        ],
        "daemon": ["dagster-daemon", "run", "--workspace", ws],
        "webserver": [
            *("dagster-webserver", "--host", "127.0.0.1", "--port", str(ui_port)),
            *("--workspace", ws),
        ],
    }
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            log = tmp_path / f"{name.replace(' ', '_')}.log"
            processes[name] = start([str(BIN / command[0]), *command[1:]], project, env, log)
            if name == "code server":  # the others load the code location from it
                # What `dagster api grpc-health-check` asks, from this process: a process
                # importing Dagster per poll costs seconds of CPU while the server starts.
                client = DagsterGrpcClient(port=grpc_port, host="127.0.0.1")
                wait_until(
                    lambda c=client: c.health_check_query() == "SERVING",
                    START_TIMEOUT,
                    "healthy code server",
                    processes,
                )
                # The compose file's healthcheck command answers so too.
                health = [str(BIN / "dagster"), "api", "grpc-health-check", "-p", str(grpc_port)]
                run(health, project, env=env)
        wait_until(lambda: location_loaded(ui_port), START_TIMEOUT, "code location", processes)

        selector = {
            "repositoryLocationName": "shop_pipeline",
            "repositoryName": "__repository__",
            "jobName": "__ASSET_JOB",
        }
        launched = graphql(ui_port, LAUNCH, params={"selector": selector, "runConfigData": {}})
        answer = launched["launchRun"]
        assert answer["__typename"] == "LaunchRunSuccess", answer
        run_id = answer["run"]["runId"]
        assert answer["run"]["status"] == "QUEUED"  # the webserver only queues it

        def finished() -> str | None:
            status = graphql(ui_port, STATUS, id=run_id)["runOrError"]["status"]
            return status if status in {"SUCCESS", "FAILURE", "CANCELED"} else None

        status = wait_until(finished, RUN_TIMEOUT, "finished run", processes)
        assert status == "SUCCESS", output_of(processes["code server"])
        wait_until(
            lambda: {"SCHEDULE", "SENSOR"} <= tick_types(postgres, database),
            RUN_TIMEOUT,
            "schedule and sensor ticks",
            processes,
        )
    finally:
        for process in reversed(processes.values()):
            stop(process)

    events = postgres.psql(
        f"SELECT DISTINCT dagster_event_type FROM event_logs WHERE run_id = '{run_id}'",
        db=database,
    ).split()
    # Queued (only the daemon takes runs off the queue), launched, started, succeeded.
    lifecycle = ["RUN_ENQUEUED", "RUN_STARTING", "RUN_START", "RUN_SUCCESS"]
    # The table stores their values (RUN_SUCCESS is PIPELINE_SUCCESS there).
    assert {DagsterEventType[name].value for name in lifecycle} <= set(events), events
    assert DagsterEventType.ASSET_MATERIALIZATION.value in events
    stored = postgres.psql(f"SELECT status FROM runs WHERE run_id = '{run_id}'", db=database)
    assert stored.strip() == "SUCCESS"
    assert ticks_of(postgres, database, "bronze_daily") > 0
    assert ticks_of(postgres, database, "polster_failure_alert") > 0  # it watches for failures
    assert httpserver.log == []  # nothing is sent for a successful run
    assert (project / "data" / "prod" / "gold").is_dir()  # POLSTER_ENV=prod's own tables
