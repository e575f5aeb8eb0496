"""Hand edits that break the layer rules are caught by the definitions and the generated test."""

import pytest

from tests.conftest import PYTHON, project_env, run

# (file to edit, text to replace, replacement, what the error must say)
HAND_EDITS = {
    "gold-on-bronze": (
        "gold_example.py",
        "def aggregate(silver_example",
        "def aggregate(bronze_example",
        "gold_example: gold assets may depend only on silver assets, but it depends on "
        "bronze_example",
    ),
    "silver-without-upstream": (
        "silver_example.py",
        "def transform(bronze_example: pl.LazyFrame)",
        "def transform()",
        "silver_example: silver assets need at least one bronze upstream",
    ),
    "missing-upstream": (
        "silver_example.py",
        "def transform(bronze_example: pl.LazyFrame)",
        "def transform(bronze_example: pl.LazyFrame, bronze_refunds: pl.LazyFrame)",
        "silver_example: its upstream bronze_refunds does not exist",
    ),
    "bronze-with-upstream": (
        "bronze_example.py",
        "def extract()",
        "def extract(silver_example)",
        "bronze_example: bronze assets ingest raw data and take no upstream",
    ),
}


@pytest.mark.parametrize("edit", sorted(HAND_EDITS))
def test_broken_rule_fails_the_tests_and_the_run(render, edit):
    filename, old, new, message = HAND_EDITS[edit]
    project = render()
    module = project / "src" / "core" / filename
    module.write_text(module.read_text().replace(old, new, 1))
    env = project_env(project)

    tests = run([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, False, env=env)
    assert tests.returncode != 0
    assert message in tests.stdout

    pipeline = run([PYTHON, "run_polster.py"], project, check=False, env=env)
    assert pipeline.returncode == 1
    assert pipeline.stderr.startswith("error: The pipeline breaks the medallion layer rules")
    assert message in pipeline.stderr
    assert not (project / "data").exists()
