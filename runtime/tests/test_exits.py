"""Every entry point ends the same way: one line, `error: ...`, exit code 1."""

import sys

from conftest import run

EXPECTED = (
    "error: STORAGE_BACKEND='s3' is not supported: set it to 'local' or 'adls' in .env or "
    "the environment"
)


def test_run_polster_the_polster_command_and_a_standalone_module_say_it_alike(project):
    commands = {
        "run_polster.py": [sys.executable, "run_polster.py"],
        "polster": [sys.executable, "-m", "polster", "history", "bronze_orders"],
        "standalone": [sys.executable, "src/core/bronze_orders.py"],
    }
    for name, command in commands.items():
        result = run(command, project, STORAGE_BACKEND="s3")
        assert (result.returncode, result.stderr.strip()) == (1, EXPECTED), name


def test_verbose_adds_the_traceback(project):
    result = run(
        [sys.executable, "src/core/bronze_orders.py", "--verbose"], project, STORAGE_BACKEND="s3"
    )
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == EXPECTED
