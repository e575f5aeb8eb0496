"""Jinja extensions for the Polster template: derived names and answer validators.

The filters are pure functions of the answers. The one ContextHook adds the derived
names to every rendering, and facts it asks the outside world for (git's identity and
work tree, whether uv is installed); those look-ups fail soft, with a visible
placeholder.
"""

from __future__ import annotations

import keyword
import re
import shutil
import subprocess
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from copier_template_extensions import ContextHook
from jinja2.ext import Extension

# Distribution names a project cannot take: uv refuses a project that shares a
# name with one of its own dependencies, and the generated code owns these packages.
RESERVED_NAMES = frozenset(
    {
        "adlfs",
        "azure-identity",
        "core",
        "dagster",
        "dagster-dg-cli",
        "dagster-webserver",
        "deltalake",
        "medallion",
        "numpy",
        "orchestration",
        "polars",
        "polster",
        "polster-runtime",
        "pre-commit",
        "pre-commit-hooks",
        "pytest",
        "python-dotenv",
        "ruff",
        "src",
        "test",
        "tests",
    }
)
PROJECT_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]*$")
ADLS_ACCOUNT_PATTERN = re.compile(r"^[a-z0-9]{3,24}$")
ADLS_CONTAINER_PATTERN = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# A folder inside a container: segments of letters, digits, '.', '_' and '-', each starting
# with a letter, a digit or '_' (no '.', '..', hidden folder or option-like '-x').
ADLS_BASE_PATH_PATTERN = re.compile(
    r"^[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*$"
)
# Characters that reorder how text is displayed (Trojan Source, CVE-2021-42574): what a
# reviewer reads would differ from what the file holds.
BIDI_CHARACTERS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Text that every target language takes as it is: no quoting, no escaping needed.
PLAIN_TEXT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
# Characters git uses to delimit an identity ("Name <email>"): it drops them from names.
IDENTITY_DELIMITERS = frozenset("<>")
PLACEHOLDER_NAME = "Your Name"
PLACEHOLDER_EMAIL = "you@example.com"


def package_name(project_name: str) -> str:
    """Python-identifier form of a project name: "Sales Analytics" -> "sales_analytics"."""
    return re.sub(r"[^a-z0-9]+", "_", project_name.strip().lower()).strip("_")


def distribution_name(project_name: str) -> str:
    """PEP 508 distribution name of a project: "Sales Analytics" -> "sales-analytics"."""
    return package_name(project_name).replace("_", "-")


def project_name_error(project_name: str) -> str:
    """Empty when the name can become a Python project, else how to fix it."""
    name = project_name.strip()
    if not name:
        return "The project name is empty: type a name such as sales_analytics."
    if not PROJECT_NAME_PATTERN.match(name):
        return (
            f"'{name}' cannot become a Python project name: start with a letter and "
            "use only letters, digits, spaces, '-' and '_' (for example sales_analytics)."
        )
    if keyword.iskeyword(package_name(name)):
        return f"'{name}' is a Python keyword: choose another name, such as {name}_pipeline."
    if distribution_name(name) in RESERVED_NAMES:
        return (
            f"'{name}' clashes with a package the project uses or contains: "
            f"choose another name, such as {package_name(name)}_pipeline."
        )
    return ""


def folder_name(path: object) -> str:
    """The default project name: the folder's (resolved first, so that "." gives the real
    name), made into a name the validator takes: accents dropped, other characters a space
    ("crash tést (1)" -> "crash test 1"), "project" when nothing is left or it fits no rule."""
    name = Path(str(path)).resolve().name
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = " ".join(re.sub(r"[^A-Za-z0-9_-]+", " ", ascii_name).split())
    if name and not name[0].isalpha():
        name = f"project {name}"
    return name if name and not project_name_error(name) else "project"


def control_characters(text: str) -> list[str]:
    """The control characters in a text (newlines, tabs, escapes, line separators), as names."""
    found = [char for char in text if unicodedata.category(char) in {"Cc", "Zl", "Zp"}]
    return [repr(char) for char in dict.fromkeys(found)]


def bidi_characters(text: str) -> list[str]:
    """The bidirectional control characters in a text, as escapes ('\\u202e')."""
    found = [char for char in text if char in BIDI_CHARACTERS]
    return [f"'\\u{ord(char):04x}'" for char in dict.fromkeys(found)]


def one_line_error(text: str, what: str, example: str, required: bool = True) -> str:
    """Empty when `text` is one line of printable text, else how to fix it."""
    if required and not text.strip():
        return f"The {what} is empty: type one, such as {example}."
    if found := control_characters(text):
        return (
            f"The {what} {text!r} contains {', '.join(found)}: "
            f"type it on one line without control characters, such as {example}."
        )
    if found := bidi_characters(text):
        return (
            f"The {what} contains {', '.join(found)} (bidirectional control characters, "
            "which reorder how text is displayed): "
            f"type it without bidirectional control characters, such as {example}."
        )
    return ""


def author_name_error(name: str) -> str:
    """Empty when git and pyproject.toml can record the name as typed, else how to fix it."""
    if error := one_line_error(name, "author name", "Jane Doe"):
        return error
    if IDENTITY_DELIMITERS & set(name):
        return f"The author name {name!r} contains '<' or '>': leave them out (git drops them)."
    return ""


def email_error(email: str) -> str:
    """Empty when the address looks like an e-mail address, else how to fix it."""
    if error := one_line_error(email, "e-mail address", "jane@example.com"):
        return error
    if EMAIL_PATTERN.match(email):
        return ""
    return f"'{email}' is not an e-mail address: type one such as jane@example.com."


def description_error(description: str) -> str:
    """Empty for a one-line description (or none), else how to fix it."""
    return one_line_error(description, "description", "Daily revenue", required=False)


def quoted_string(text: object) -> str:
    """A double-quoted string literal holding `text` exactly, on one line.

    Quotes and backslashes are escaped, and every character that is not printable (control,
    format and bidirectional characters, line separators) becomes a `\\u`/`\\U` escape: the
    literal means the same in TOML, YAML and Python, which all read these escapes.
    """
    escaped = []
    for char in str(text):
        if char in {'"', "\\"}:
            escaped.append("\\" + char)
        elif unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}:
            code = ord(char)
            escaped.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def toml_string(text: object) -> str:
    """A TOML basic string holding `text` exactly."""
    return quoted_string(text)


def python_string(text: object) -> str:
    """A Python string literal holding `text` exactly."""
    return quoted_string(text)


def yaml_string(text: object) -> str:
    """A YAML scalar holding `text` exactly: as it is when that is plain, else double-quoted.

    Also safe in a YAML comment: the result is one line.
    """
    value = str(text)
    # Not plain: what a YAML 1.1 or 1.2 reader may take for a number, a boolean or null.
    plain = PLAIN_TEXT.match(value) and not re.match(
        r"^(?:[0-9].*|y|n|true|false|yes|no|on|off|null)$", value, re.IGNORECASE
    )
    return value if plain else quoted_string(value)


def dotenv_value(text: object) -> str:
    """A value for a `.env` line (python-dotenv, Docker Compose) holding `text` exactly.

    Plain text stays as it is; anything else is single-quoted. A value that cannot stay on
    one line, or that python-dotenv or Compose would expand (`$VAR`), is refused.
    """
    value = str(text)
    if control_characters(value) or bidi_characters(value) or set("'$") & set(value):
        msg = (
            f"{value!r} cannot be written as one .env value: "
            "answer without quotes, '$' or control characters."
        )
        raise ValueError(msg)
    return value if not value or PLAIN_TEXT.match(value) else f"'{value}'"


# Characters Markdown (CommonMark, GitHub) reads as markup anywhere in a line.
MARKDOWN_MARKUP = re.compile(r"([\\`*\[\]<>&!|~])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|^([#+=>-])")


def markdown_text(text: object) -> str:
    """`text` as Markdown that displays exactly `text`: no link, image, HTML, code or emphasis."""
    value = (
        quoted_string(text)[1:-1]
        if control_characters(str(text)) or bidi_characters(str(text))
        else str(text)
    )
    return MARKDOWN_MARKUP.sub(lambda match: "\\" + match.group(0), value)


def markdown_code(text: object) -> str:
    """`text` as a Markdown code span, fenced by more backticks than `text` holds in a row."""
    value = str(text)
    if control_characters(value) or bidi_characters(value):
        value = quoted_string(value)[1:-1]
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{padding}{value}{padding}{fence}"


def adls_account_error(account: str) -> str:
    """Empty for a valid Azure storage account name, else how to fix it."""
    if ADLS_ACCOUNT_PATTERN.match(account):
        return ""
    return (
        f"'{account}' is not an Azure storage account name: use 3 to 24 lowercase "
        "letters and digits, as shown in the Azure portal (for example mydatalake)."
    )


def adls_container_error(container: str) -> str:
    """Empty for a valid ADLS Gen2 container (file system) name, else how to fix it."""
    if ADLS_CONTAINER_PATTERN.match(container):
        return ""
    return (
        f"'{container}' is not a valid container name: use 3 to 63 lowercase letters, "
        "digits and single hyphens, starting and ending with a letter or digit."
    )


def adls_base_path_error(base_path: str) -> str:
    """Empty for a relative folder path inside the container, else how to fix it."""
    if ADLS_BASE_PATH_PATTERN.match(base_path.strip("/")):
        return ""
    return (
        f"{base_path!r} is not a folder path: use a relative path of letters, digits, "
        "'.', '_', '-' and '/' (each folder starting with a letter or digit), "
        "such as my_pipeline/data."
    )


def deployment_error(deployment: str, storage_backend: str) -> str:
    """Empty when the deployment can reach the tables, else why not and the fix."""
    if deployment == "kubernetes" and storage_backend == "local":
        return (
            "deployment=kubernetes runs each asset in its own pod, which cannot share a "
            "local data/ folder: answer storage_backend=adls (or deployment=docker)."
        )
    return ""


@lru_cache(maxsize=64)  # the hook runs once per rendered file: ask git once per render
def _git(*args: str, cwd: Path | None = None) -> str | None:
    """Output of a git command, or None when git is missing or the command fails."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        result = subprocess.run(
            [git, *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


# Copier's shorthands for hosted repositories, as the URLs uv can clone.
GIT_SHORTHANDS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}


def runtime_source(template: str, commit: str | None) -> str:
    """Where a project's `uv sync` gets the Polster runtime, as a TOML inline table.

    The runtime lives in the template repository (`runtime/`), so the project takes it
    from the same place at the same commit: a render installs exactly the runtime of the
    template version that rendered it. A template that is not a git repository (a plain
    folder) gives its folder instead.
    """
    if not commit:
        folder = Path(template).expanduser().resolve() / "runtime"
        return f"{{ path = {toml_string(folder.as_posix())} }}"
    for shorthand, prefix in GIT_SHORTHANDS.items():
        if template.startswith(shorthand):
            template = prefix + template.removeprefix(shorthand)
    if "://" not in template and not template.startswith("git@"):
        template = Path(template).expanduser().resolve().as_uri()
    return (
        f"{{ git = {toml_string(template)}, rev = {toml_string(commit)}, "
        'subdirectory = "runtime" }'
    )


def inside_git_repository(path: Path) -> bool:
    """Whether the path belongs to an existing git work tree (and is not ignored by it)."""
    existing = next((p for p in (path, *path.parents) if p.is_dir()), None)
    if existing is None or _git("rev-parse", "--is-inside-work-tree", cwd=existing) != "true":
        return False
    # A git-ignored folder inside a repository (a scratch demo/) gets a repository of its own.
    return _git("check-ignore", "--quiet", str(path), cwd=existing) is None


class PolsterFilters(Extension):
    """Registers the validators and name derivations above as Jinja filters."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.filters.update(
            folder_name=folder_name,
            package_name=package_name,
            distribution_name=distribution_name,
            project_name_error=project_name_error,
            author_name_error=author_name_error,
            email_error=email_error,
            description_error=description_error,
            toml_string=toml_string,
            python_string=python_string,
            yaml_string=yaml_string,
            dotenv_value=dotenv_value,
            markdown_text=markdown_text,
            markdown_code=markdown_code,
            adls_account_error=adls_account_error,
            adls_container_error=adls_container_error,
            adls_base_path_error=adls_base_path_error,
            deployment_error=deployment_error,
        )


class ContextUpdater(ContextHook):
    """Adds derived names and facts about the destination to the rendering context."""

    def hook(self, context: dict[str, Any]) -> None:
        destination = Path(str(context["_copier_conf"]["dst_path"])).resolve()
        project_name = str(context.get("project_name") or destination.name)
        context["package_name"] = package_name(project_name)
        context["distribution_name"] = distribution_name(project_name)
        context["git_user_name"] = _git("config", "user.name") or PLACEHOLDER_NAME
        context["git_user_email"] = _git("config", "user.email") or PLACEHOLDER_EMAIL
        context["destination_in_git"] = inside_git_repository(destination)
        context["uv_available"] = shutil.which("uv") is not None
        context["runtime_source"] = runtime_source(
            str(context.get("_src_path") or ""), context["_copier_conf"].get("vcs_ref_hash")
        )
