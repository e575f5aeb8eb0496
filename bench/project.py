"""The template as it is in this working tree, and projects rendered from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
FAST_ANSWERS = ("setup_environment=false", "init_git=false")  # no uv sync, no git init
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Polster Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Polster Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def snapshot_template(destination: Path) -> Path:
    """A one-commit git copy of this working tree: Copier renders committed files only."""
    listing = git("ls-files", "--cached", "--others", "--exclude-standard", cwd=REPO)
    for relative in listing.splitlines():
        source = REPO / relative
        if source.is_file():
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    env = {**os.environ, **GIT_IDENTITY}
    commands = (["init", "--quiet", "--initial-branch=main"], ["add", "--all"])
    for args in (*commands, ["commit", "--quiet", "-m", "the template as in the working tree"]):
        subprocess.run(["git", *args], cwd=destination, check=True, env=env)
    return destination


def copier_command(template: Path, destination: Path, *answers: str) -> list[str]:
    """`copier copy` as a user runs it, with the default answers and no tasks."""
    data = [arg for answer in (*FAST_ANSWERS, *answers) for arg in ("--data", answer)]
    return [
        str(BIN / "copier"),
        "copy",
        "--trust",
        "--defaults",
        "--quiet",
        "--vcs-ref=HEAD",
        *data,
        str(template),
        str(destination),
    ]


def render(template: Path, destination: Path, *answers: str) -> Path:
    """Render a project with the default answers (examples included) and return it."""
    command = copier_command(template, destination, *answers)
    subprocess.run(command, check=True, capture_output=True)
    return destination


def child_env() -> dict[str, str]:
    """The environment of every measured command: this venv's tools, nothing project-specific.

    Bytecode is written (`PYTHONDONTWRITEBYTECODE` dropped), as on a user's machine, so
    that after the warm-up run no command pays for compiling its imports again. Dagster's
    CLIs do not ask PyPI for a newer version: none of the other commands goes online.
    """
    dropped = {"VIRTUAL_ENV", "DAGSTER_HOME", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env["DAGSTER_DG_UPDATE_CHECK_ENABLED"] = "0"
    return env


def project_env(project: Path, base: dict[str, str], **overrides: str) -> dict[str, str]:
    """`base` plus what runs a rendered project with this interpreter (nothing installed)."""
    python_path = os.pathsep.join([str(project / "src"), str(project)])
    return {**base, "PYTHONPATH": python_path, **overrides}


def add_assets(
    project: Path, env: dict[str, str], assets: tuple[tuple[str, ...], ...], logic: Path
) -> None:
    """Each of `assets` (layer, name, add-asset options...) added with `polster add-asset`,
    then given its function: the module of the same name in `logic`, where there is one."""
    for layer, name, *options in assets:
        command = [PYTHON, "-m", "polster", "add-asset", "--layer", layer, "--name", name]
        subprocess.run(
            [*command, *options],
            cwd=project,
            env=project_env(project, env),
            check=True,
            capture_output=True,
        )
        module = f"{layer}_{name}.py"
        if (logic / module).exists():
            shutil.copy(logic / module, project / "src" / "core" / module)
