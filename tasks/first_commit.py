"""Copier task: initialise git in the new project and make its first commit.

Copier runs it once, after `copier copy`, in the project folder. Every answer arrives
as one argument and goes to git as one argument: no shell ever sees it, so a name such
as `Jane "JJ" O'Brien` or `$(anything)` is committed as written and runs nothing.

    python tasks/first_commit.py --author-name NAME --author-email EMAIL --message TEXT

The author answers are used only when git has no identity of its own (a fresh CI
runner, a new laptop); a configured identity, or GIT_AUTHOR_* variables, win.
"""

from __future__ import annotations

import argparse
import subprocess
import sys


class GitError(Exception):
    """A git command failed; the message is git's own first line."""


def git(
    *args: str, options: list[str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `git [options] args...` without a shell; raise GitError when `check` and it fails."""
    command = ["git", *(options or []), *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        first_line = next(iter(result.stderr.strip().splitlines()), "no output")
        msg = f"git {args[0]} failed: {first_line}"
        raise GitError(msg)
    return result


def has_identity() -> bool:
    """Whether git can name the author and the committer without help."""
    idents = ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT")
    return all(git("var", ident, check=False).returncode == 0 for ident in idents)


def identity_options(name: str, email: str) -> list[str]:
    """`git -c` options that give the commit the answered identity, if git has none."""
    if has_identity():
        return []
    return ["-c", f"user.name={name}", "-c", f"user.email={email}"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--author-name", required=True)
    parser.add_argument("--author-email", required=True)
    parser.add_argument("--message", required=True)
    args = parser.parse_args(argv)

    try:
        git("init", "--quiet")
        git("add", "--all")
        options = identity_options(args.author_name, args.author_email)
        git("commit", "--quiet", "-m", args.message, options=options)
    except GitError as error:
        sys.exit(f"polster: first commit: {error} (run `git commit` in the project yourself)")


if __name__ == "__main__":
    main()
