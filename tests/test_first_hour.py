"""A newcomer's first hour: Copier's real prompts in a terminal, and a machine without uv.

Each test renders once through Copier's own command line and checks every message a new
user meets on that path.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import PYTHON, REPO, isolated_env, run

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PROMPT_TIMEOUT = 120


class Terminal:
    """A process in a pseudo-terminal: read what it shows, type keys."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        primary, secondary = pty.openpty()
        # Wide enough that no choice wraps (rows, columns, pixels unused).
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 400, 0, 0))
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=secondary, stdout=secondary, stderr=secondary
        )
        os.close(secondary)
        self.fd = primary
        self.screen = ""  # everything shown so far, escape sequences removed
        self.unread = ""

    def wait_for(self, text: str) -> str:
        """Read until `text` shows; return what showed since the last wait."""
        deadline = time.monotonic() + PROMPT_TIMEOUT
        while text not in self.unread:
            if time.monotonic() > deadline or self.process.poll() is not None:
                pytest.fail(f"{text!r} never showed; the terminal shows:\n{self.screen[-3000:]}")
            if select.select([self.fd], [], [], 0.2)[0]:
                data = os.read(self.fd, 65536).decode(errors="replace")
                if "\x1b[6n" in data:  # the prompt asks where the cursor is: say row 1
                    os.write(self.fd, b"\x1b[1;1R")
                shown = ANSI.sub("", data)
                self.screen += shown
                self.unread += shown
        seen, _, self.unread = self.unread.partition(text)
        return seen + text

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def close(self) -> None:
        """Stop the process (as Ctrl-C would: nothing is rendered before the last answer)."""
        self.process.kill()
        self.process.wait(timeout=PROMPT_TIMEOUT)
        os.close(self.fd)


def copier_in_a_terminal(template_src: Path, destination: Path, env: dict[str, str]) -> Terminal:
    command = [PYTHON, "-m", "copier", "copy", "--trust", "--vcs-ref", "HEAD"]
    env = {**env, "TERM": "xterm"}
    return Terminal([*command, str(template_src), str(destination)], destination.parent, env)


def test_the_prompt_offers_kubernetes_only_with_tables_every_pod_can_reach(template_src, tmp_path):
    """Copier runs no validator on a choice (copier#996): the choice itself is disabled."""
    destination = tmp_path / "first hour" / "shop_pipeline"
    destination.parent.mkdir()
    terminal = copier_in_a_terminal(template_src, destination, isolated_env(destination))
    for question in ("project name", "description", "full name", "e-mail address"):
        terminal.wait_for(question)
        terminal.type("\r")
    terminal.wait_for("Where the Delta Lake tables live")
    terminal.type("\r")  # Local folder (data/)
    for question in ("CI platform", "Include the example", "Where a failed run"):
        terminal.wait_for(question)
        terminal.type("\r")

    choices = terminal.wait_for("Kubernetes (Dagster's Helm chart, each asset in its own pod)")
    choices += terminal.wait_for("\n")
    terminal.type("\x1b[B\x1b[B\r")  # down twice: Kubernetes, were it offered
    shown = terminal.wait_for("Create the virtual environment")
    terminal.close()

    # Shown disabled, with the reason beside it; the answer Copier echoes is another one.
    assert "- Kubernetes" in choices, choices
    assert "cannot share a local data/ folder: answer storage_backend=adls" in choices
    answer = shown.rpartition("How production runs")[2]
    assert "Nowhere yet" in answer or "Docker Compose" in answer, answer
    assert "Kubernetes" not in answer, answer


def path_without_uv(tmp_path: Path) -> str:
    """PATH as it is, without uv (nor this suite's environment): each folder that holds uv is
    replaced by a folder of links to everything else in it."""
    folders = []
    suite_bin = Path(sys.executable).parent
    for number, entry in enumerate(os.environ["PATH"].split(os.pathsep)):
        folder = Path(entry)
        if not folder.is_dir() or folder == suite_bin:
            continue
        if not ((folder / "uv").exists() or (folder / "uvx").exists()):
            folders.append(entry)
            continue
        copy = tmp_path / f"path-{number}"
        copy.mkdir()
        for tool in folder.iterdir():
            if tool.name not in {"uv", "uvx"}:
                (copy / tool.name).symlink_to(tool)
        folders.append(str(copy))
    path = os.pathsep.join(folders)
    assert shutil.which("uv", path=path) is None
    return path


def test_without_uv_every_message_says_what_to_type(template_src, tmp_path):
    """No uv: the message after the copy leads with `make setup`; `make run` before it, and
    `python run_polster.py` in a Python without the project's environment, say so in one
    line."""
    env = isolated_env(tmp_path, PATH=path_without_uv(tmp_path))
    destination = tmp_path / "first hour" / "shop_pipeline"
    copy = [PYTHON, "-m", "copier", "copy", "--trust", "--defaults", "--vcs-ref", "HEAD"]
    copied = run(
        [*copy, "--data", "init_git=false", str(template_src), str(destination)], tmp_path, env=env
    )
    steps = [line.split()[:2] for line in copied.stderr.splitlines() if "make " in line]
    assert steps[:2] == [["make", "setup"], ["make", "run"]], copied.stderr

    make_run = run(["make", "run"], destination, check=False, env=env)
    assert make_run.returncode == 2, make_run.stderr  # make's own code for an error
    (line,) = make_run.stderr.strip().splitlines()
    assert "make: run: there is no .venv and uv is not installed: run `make setup` first" in line

    python = shutil.which("python3", path=env["PATH"])
    assert python, env["PATH"]
    script = run([python, "run_polster.py"], destination, check=False, env=env)
    assert script.returncode == 1, script.stderr
    (line,) = script.stderr.strip().splitlines()
    assert line.startswith("error: polster is not installed in "), line
    assert "run `make run` instead" in line


def test_make_demo_runs_quietly_with_another_environment_activated(tmp_path):
    """`make demo` right after trying a project (its .venv still activated): uv must not
    warn that VIRTUAL_ENV is not this repository's environment; `make setup` is demo's
    first step and runs uv the way every target does."""
    env = {**os.environ, "VIRTUAL_ENV": str(tmp_path / "demo project" / ".venv")}
    result = run(["make", "--no-print-directory", "setup"], REPO, env=env)

    assert "VIRTUAL_ENV" not in result.stdout + result.stderr, result.stderr
