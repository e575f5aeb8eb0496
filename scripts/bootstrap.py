"""Turn a repository created with GitHub's "Use this template" into a Polster project.

Run in the new repository's checkout (the "Use this template" workflow does it once):
it renders the template from its remote URL, so that `copier update` works later,
replaces the template's files with the rendered project and commits the result.

    python scripts/bootstrap.py --template-url URL --project-name NAME
        [--storage-backend local|adls] [--ci-platform github|azure-devops|gitlab|none]
        [--adls-account-name NAME] [--adls-container NAME] [--vcs-ref REF]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import copier

BOT_IDENTITY = {
    "GIT_AUTHOR_NAME": "github-actions[bot]",
    "GIT_AUTHOR_EMAIL": "41898282+github-actions[bot]@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "github-actions[bot]",
    "GIT_COMMITTER_EMAIL": "41898282+github-actions[bot]@users.noreply.github.com",
}


def project_name_from(repository: str) -> str:
    """A valid project name from a repository name: "My.Data-Repo" -> "My_Data-Repo"."""
    name = re.sub(r"[^A-Za-z0-9 _-]+", "_", repository.rsplit("/", 1)[-1]).strip("_ -")
    return name if name[:1].isalpha() else f"project_{name}"


def render(template_url: str, destination: Path, answers: dict[str, object], ref: str | None):
    copier.run_copy(
        template_url,
        destination,
        data={**answers, "setup_environment": False, "init_git": False},
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref=ref,
    )


def replace_checkout(checkout: Path, rendered: Path) -> None:
    """Swap every file of the checkout (but .git) for the rendered project's files."""
    for entry in checkout.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for entry in rendered.iterdir():
        shutil.move(str(entry), checkout / entry.name)


def commit(checkout: Path, message: str) -> None:
    env = {**BOT_IDENTITY, **os.environ}  # a configured identity wins over the bot's
    subprocess.run(["git", "add", "--all"], cwd=checkout, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", message], cwd=checkout, check=True, env=env)


# The answers of copier.yml's storage_backend and ci_platform (tests/test_template_guards.py).
STORAGE_BACKENDS = ("local", "adls")
CI_PLATFORMS = ("github", "azure-devops", "gitlab", "none")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template-url", required=True, help="git URL of the Polster template")
    parser.add_argument("--project-name", required=True, help="usually the repository's name")
    parser.add_argument("--storage-backend", default="local", choices=STORAGE_BACKENDS)
    parser.add_argument("--ci-platform", default="github", choices=CI_PLATFORMS)
    parser.add_argument("--adls-account-name", default="")
    parser.add_argument("--adls-container", default="")
    parser.add_argument("--vcs-ref", default=None, help="template version (default: latest)")
    parser.add_argument("--checkout", type=Path, default=Path.cwd(), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name = project_name_from(args.project_name)
    answers: dict[str, object] = {
        "project_name": name,
        "storage_backend": args.storage_backend,
        "ci_platform": args.ci_platform,
    }
    if args.storage_backend == "adls":
        answers |= {
            "adls_account_name": args.adls_account_name,
            "adls_container": args.adls_container,
        }
    with tempfile.TemporaryDirectory() as scratch:
        rendered = Path(scratch) / name
        try:
            render(args.template_url, rendered, answers, args.vcs_ref)
        except ValueError as error:  # an answer the template's validators refuse
            print(f"bootstrap: {error}", file=sys.stderr)
            return 1
        replace_checkout(args.checkout, rendered)
    commit(args.checkout, f"Render {name} from the Polster template")
    print(f"bootstrap: {name} rendered from {args.template_url} and committed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
