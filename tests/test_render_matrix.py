"""Every combination of answers renders a project that is lint-clean and passes its own tests.

The CI platform changes only the CI files and the README (their own tests check those), so
the rendered project's own test suite runs once per storage backend and examples answer,
while every combination is rendered and linted.
"""

import pytest

from tests.conftest import (
    ADLS_ANSWERS,
    PYTHON,
    assert_generated_suite_passed,
    project_env,
    run,
)

STORAGE = {"local": {"storage_backend": "local"}, "adls": ADLS_ANSWERS}
CI_PLATFORMS = ["github", "azure-devops", "gitlab", "none"]
EXAMPLES = pytest.mark.parametrize(
    "include_examples", [True, False], ids=["examples", "no-examples"]
)
STORAGES = pytest.mark.parametrize("storage_backend", sorted(STORAGE))


def lint(project) -> None:
    run([PYTHON, "-m", "ruff", "check", "."], project)
    run([PYTHON, "-m", "ruff", "format", "--check", "."], project)


@EXAMPLES
@STORAGES
def test_every_ci_platform_renders_a_lint_clean_project(render, storage_backend, include_examples):
    for ci_platform in CI_PLATFORMS:
        lint(
            render(
                **STORAGE[storage_backend],
                ci_platform=ci_platform,
                include_examples=include_examples,
            )
        )


@EXAMPLES
@STORAGES
def test_rendered_project_passes_its_own_tests(render, storage_backend, include_examples):
    project = render(**STORAGE[storage_backend], include_examples=include_examples)

    tests = run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, env=project_env(project)
    )
    assert_generated_suite_passed(tests.stdout, examples=include_examples)
