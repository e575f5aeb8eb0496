"""Every combination of answers renders a project that is lint-clean and passes its own tests."""

import re

import pytest

from tests.conftest import ADLS_ANSWERS, PYTHON, project_env, run

STORAGE = {"local": {"storage_backend": "local"}, "adls": ADLS_ANSWERS}


@pytest.mark.parametrize("include_examples", [True, False], ids=["examples", "no-examples"])
@pytest.mark.parametrize("ci_platform", ["github", "azure-devops", "gitlab", "none"])
@pytest.mark.parametrize("storage_backend", sorted(STORAGE))
def test_rendered_project_is_clean_and_its_tests_pass(
    render, storage_backend, ci_platform, include_examples
):
    project = render(
        **STORAGE[storage_backend], ci_platform=ci_platform, include_examples=include_examples
    )

    run([PYTHON, "-m", "ruff", "check", "."], project)
    run([PYTHON, "-m", "ruff", "format", "--check", "."], project)
    tests = run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, env=project_env(project)
    )
    expected = "28 passed" if include_examples else "20 passed, 2 skipped"  # skipped: no assets
    assert re.search(rf"^{expected} in ", tests.stdout, re.MULTILINE), tests.stdout
