"""The questions: derived names, validators with fix-it messages, nothing written on error."""

import importlib.util

import pytest
import yaml

from tests.conftest import ADLS_ANSWERS, REPO, render_project


def load_extensions():
    spec = importlib.util.spec_from_file_location("context", REPO / "extensions" / "context.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


extensions = load_extensions()


@pytest.mark.parametrize(
    ("project_name", "package", "distribution"),
    [
        ("shop_pipeline", "shop_pipeline", "shop-pipeline"),
        ("Sales Analytics", "sales_analytics", "sales-analytics"),
        ("my-Pipeline 2", "my_pipeline_2", "my-pipeline-2"),
    ],
)
def test_derived_names(project_name, package, distribution):
    assert extensions.package_name(project_name) == package
    assert extensions.distribution_name(project_name) == distribution
    assert extensions.project_name_error(project_name) == ""


@pytest.mark.parametrize(
    ("project_name", "message"),
    [
        ("", "The project name is empty"),
        ("   ", "The project name is empty"),
        ("9lives", "start with a letter"),
        ("my/pipeline", "start with a letter"),
        ("../escape", "start with a letter"),
        ('quote"name', "start with a letter"),
        ("class", "is a Python keyword"),
        ("dagster", "clashes with a package"),
        ("polars", "clashes with a package"),
        ("core", "clashes with a package"),
    ],
)
def test_invalid_project_names_are_refused_and_nothing_is_written(
    template_src, tmp_path, project_name, message
):
    destination = tmp_path / "project"
    with pytest.raises(ValueError, match=message):
        render_project(template_src, destination, project_name=project_name)
    assert not destination.exists()


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"adls_account_name": "My_Account"}, "is not an Azure storage account name"),
        ({"adls_account_name": ""}, "is not an Azure storage account name"),
        ({"adls_container": "Bad--Name"}, "is not a valid container name"),
        ({"adls_base_path": "../up"}, "is not a folder path"),
        ({"author_email": "not-an-email"}, "is not an e-mail address"),
    ],
)
def test_invalid_answers_are_refused_with_a_fix(template_src, tmp_path, answers, message):
    destination = tmp_path / "project"
    with pytest.raises(ValueError, match=message):
        render_project(template_src, destination, **{**ADLS_ANSWERS, **answers})
    assert not destination.exists()


def test_defaults_alone_render_a_project(template_src, tmp_path):
    """`copier copy --trust --defaults` works: the project is named after its folder."""
    import copier

    destination = tmp_path / "orders_pipeline"
    copier.run_copy(
        str(template_src),
        destination,
        data={"setup_environment": False, "init_git": False},
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref="HEAD",
    )
    answers = (destination / ".copier-answers.yml").read_text()
    assert "project_name: orders_pipeline" in answers
    assert f"_src_path: {template_src}" in answers
    assert "_commit:" in answers
    assert 'name = "orders-pipeline"' in (destination / "pyproject.toml").read_text()


def test_adls_questions_are_asked_only_for_adls(render):
    local = (render() / ".copier-answers.yml").read_text()
    adls = (render(**ADLS_ANSWERS) / ".copier-answers.yml").read_text()

    assert "adls_account_name" not in local
    assert "adls_account_name: polsterdata" in adls
    assert "adls_base_path: shop_pipeline/data" in adls


WINDOWS_FORBIDDEN = set('<>:"|?*\\')


def test_no_file_name_windows_cannot_hold(render):
    template_names = [p.name for p in (REPO / "template").rglob("*")]
    rendered_names = [p.name for p in render().rglob("*")]
    for name in template_names + rendered_names:
        assert not WINDOWS_FORBIDDEN & set(name), name


def test_examples_can_be_left_out(render):
    project = render(include_examples=False)
    assert not list(project.rglob("*_example*"))
    assert "example" not in (project / "README.md").read_text().split("## The medallion")[0]
    assert (project / "src" / "orchestration" / "assets" / "gold" / "__init__.py").exists()


def test_answers_file_records_the_template_and_only_the_questions(render, template_src):
    answers = yaml.safe_load((render(**ADLS_ANSWERS) / ".copier-answers.yml").read_text())

    assert answers["_src_path"] == str(template_src)
    assert set(answers) == {
        "_commit",
        "_src_path",
        "project_name",
        "description",
        "author_name",
        "author_email",
        "storage_backend",
        "adls_account_name",
        "adls_container",
        "adls_base_path",
        "ci_platform",
        "include_examples",
        "alerts",
        "deployment",
        "setup_environment",
        "init_git",
    }


@pytest.mark.parametrize(
    ("folder", "default"),
    [
        ("crash tést (1)", "crash test 1"),
        ("orders_pipeline", "orders_pipeline"),
        ("2024 sales", "project 2024 sales"),
        ("(1)", "project 1"),
        ("()", "project"),
        ("dagster", "project"),
    ],
)
def test_the_default_project_name_from_any_folder_is_valid(tmp_path, folder, default):
    """`copier copy --defaults` into `crash tést (1)` printed a raw ValueError: the folder's
    name was the default and the validator refused it."""
    name = extensions.folder_name(tmp_path / folder)

    assert name == default
    assert extensions.project_name_error(name) == ""
