"""Bring a newer Polster template into this project with Copier, without losing work.

`polster update` starts only from a clean git work tree, so that `git diff` afterwards
shows exactly what the update changed and a failed update can be undone completely.
Copier renders the project's current template version and the new one, and replays
your changes on top; where both touched the same lines, the file gets conflict markers.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from polster.contract.errors import PolsterError
from polster.contract.options import option

ANSWERS_FILE = ".copier-answers.yml"
CONFLICT_STYLES = ("inline", "rej")
# The template source the last update used, kept in .git/ where no commit can change it.
SOURCE_RECORD = "polster-template-source"
# How Copier words an answer it refuses (a question's validator, a choice's validator or an
# unknown choice); Copier 9 raises it as a ValueError, a traceback from its own CLI.
REFUSED_ANSWER = re.compile(
    r"^(?:Validation error for question|Invalid choice for) '(?P<question>\w+)': (?P<why>.*)$",
    re.DOTALL,
)
RECOPY = "uv run copier recopy --trust --defaults --overwrite"


@dataclass(frozen=True)
class UpdateResult:
    """What an update changed, and what it left for the user to resolve."""

    from_version: str
    to_version: str
    conflicts: list[str]  # files with <<<<<<< markers (inline style)
    rejects: list[str]  # *.rej files beside the files they belong to (rej style)
    removed: list[str]  # files the new template no longer has

    @property
    def clean(self) -> bool:
        return not (self.conflicts or self.rejects)


def git(root: Path, *args: str) -> str:
    """Run git in the project; a missing git or repository becomes a PolsterError."""
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        msg = "git is not installed: install it, then commit your work and try again"
        raise PolsterError(msg) from None
    if result.returncode != 0:
        msg = f"git {' '.join(args)} failed: {result.stderr.strip()}"
        raise PolsterError(msg)
    return result.stdout


def answers_of(root: Path) -> dict[str, str]:
    """The `_key: value` lines of the answers file (where the template came from)."""
    path = root / ANSWERS_FILE
    if not path.is_file():
        msg = (
            f"{ANSWERS_FILE} is missing, so Copier cannot tell which template this project "
            "came from: restore it from git (git checkout -- .copier-answers.yml)"
        )
        raise PolsterError(msg)
    return private_answers(path.read_text(encoding="utf-8"))


def private_answers(text: str) -> dict[str, str]:
    """The `_key: value` lines of an answers file's text."""
    answers = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.startswith("_"):
            answers[key] = value.strip().strip("'\"")
    return answers


def source_record(root: Path) -> Path:
    return root / git(root, "rev-parse", "--git-path", SOURCE_RECORD).strip()


def trusted_source(root: Path) -> str | None:
    """Where this project's template came from: the source the last `polster update` on
    this clone used, else the one the project was created from (its first answers file)."""
    record = source_record(root)
    if record.is_file():
        return record.read_text(encoding="utf-8").strip()
    added = git(root, "log", "--diff-filter=A", "--format=%H", "--", ANSWERS_FILE).split()
    if not added:
        return None
    first = git(root, "show", f"{added[-1]}:{ANSWERS_FILE}")
    return private_answers(first).get("_src_path")


def check_source(root: Path, source: str, new_source: bool) -> None:
    """Refuse a template source other than the trusted one unless `new_source`: Copier
    runs the template's tasks and migrations with --trust, so the source is code."""
    trusted = trusted_source(root)
    if new_source or trusted is None or trusted == source:
        return
    msg = (
        f"{ANSWERS_FILE} now names the template {source}, not {trusted} this project "
        "was created or last updated from; its tasks would run on this machine: check "
        "`git log -p .copier-answers.yml`, then, if you trust it, run the update with "
        "--new-source (make update NEW_SOURCE=1)"
    )
    raise PolsterError(msg)


def check_ready(root: Path) -> dict[str, str]:
    """Refuse to update unless the project is a git repository with nothing uncommitted."""
    answers = answers_of(root)
    if not answers.get("_src_path") or not answers.get("_commit"):
        msg = (
            f"{ANSWERS_FILE} has no _src_path/_commit: it was not written by `copier copy`; "
            "re-create it with `copier recopy --trust <template> .` (see README.md, Updating)"
        )
        raise PolsterError(msg)
    if subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True).returncode:
        msg = (
            "this project has no git commit yet: run "
            "`git init && git add -A && git commit -m 'Start'` first"
        )
        raise PolsterError(msg)
    changes = git(root, "status", "--porcelain").splitlines()
    if changes:
        shown = ", ".join(line[3:] for line in changes[:3]) + (", ..." if len(changes) > 3 else "")
        msg = (
            f"{len(changes)} uncommitted change(s) ({shown}): commit them first "
            "(git add -A && git commit -m 'Before updating Polster') or stash them "
            "(git stash -u), so that the update can be reviewed and undone on its own"
        )
        raise PolsterError(msg)
    return answers


def checked_data(data: Sequence[str], conflict: str) -> dict[str, str]:
    """The `--data KEY=VALUE` answers as a mapping, once the options are checked."""
    if conflict not in CONFLICT_STYLES:
        msg = f"{option('--conflict', conflict)} is not one of: {', '.join(CONFLICT_STYLES)}"
        raise PolsterError(msg)
    for item in data:
        if "=" not in item:
            msg = (
                f"{option('--data', item)} is not KEY=VALUE, "
                f"e.g. {option('--data', 'ci_platform=gitlab')}"
            )
            raise PolsterError(msg)
    return dict(item.split("=", 1) for item in data)


def run_copier_update(
    root: Path, vcs_ref: str | None, answers: dict[str, str], conflict: str, interactive: bool
) -> None:
    """`copier update --trust` in this process, so that its refusals can become one line."""
    import copier

    copier.run_update(
        root,
        data=answers,
        vcs_ref=copier.VcsRef.CURRENT if vcs_ref == copier.VcsRef.CURRENT.value else vcs_ref,
        conflict=conflict,
        # Without a terminal, every earlier answer is kept and new questions take their default.
        defaults=not interactive,
        skip_answered=interactive,
        overwrite=True,
        unsafe=True,
    )


def refused_by_the_old_version(traceback: TracebackType | None) -> bool:
    """Whether Copier refused while rendering the project's current version again (from the
    answers in .copier-answers.yml), not the new one (with the new answers)."""
    old_worker, refusing = None, None
    while traceback is not None:
        local = traceback.tb_frame.f_locals
        old_worker = local.get("old_worker", old_worker)
        if type(local.get("self")).__name__ == "Worker":
            refusing = local["self"]
        traceback = traceback.tb_next
    return old_worker is not None and refusing is old_worker


def refusal(error: ValueError, answers: dict[str, str]) -> str | None:
    """What to tell the user when Copier refused an answer, or None for another error."""
    found = REFUSED_ANSWER.match(str(error))
    if found is None:
        return None
    question, why = found["question"], found["why"].strip().rstrip(".")
    if question in answers and not refused_by_the_old_version(error.__traceback__):
        given = option("--data", f"{question}={answers[question]}")
        return f"{given} is refused: {why}; nothing was changed"
    return (
        f"this project's answer to {question} in {ANSWERS_FILE} no longer validates ({why}), "
        f"so Copier cannot render its current version to compare: re-answer it with "
        f"`{RECOPY} --data {question}=VALUE`, review `git diff` and commit "
        "(see README.md, Updating); nothing was changed"
    )


def has_changes(root: Path) -> bool:
    return bool(git(root, "status", "--porcelain").strip())


def leftovers(root: Path) -> tuple[list[str], list[str]]:
    """Files with conflict markers, and `.rej` files, after an update."""
    conflicts = git(root, "diff", "--name-only", "--diff-filter=U").split()
    status = git(root, "status", "--porcelain", "--ignored", "--untracked-files=all")
    rejects = [line[3:] for line in status.splitlines() if line.endswith(".rej")]
    return conflicts, rejects


def update(
    root: Path,
    vcs_ref: str | None = None,
    data: Sequence[str] = (),
    conflict: str = "inline",
    interactive: bool = False,
    new_source: bool = False,
) -> UpdateResult:
    """Run `copier update` on a clean project; undo everything if Copier fails."""
    answers = checked_data(data, conflict)
    ready = check_ready(root)
    before, source = ready["_commit"], ready["_src_path"]
    check_source(root, source, new_source)
    try:
        run_copier_update(root, vcs_ref, answers, conflict, interactive)
    except BaseException as error:
        # The work tree was clean: resetting removes exactly what Copier wrote.
        git(root, "reset", "--quiet", "--hard", "HEAD")
        git(root, "clean", "--quiet", "-d", "--force")
        if isinstance(error, KeyboardInterrupt):
            raise
        why = (refusal(error, answers) if isinstance(error, ValueError) else None) or (
            f"copier update stopped ({error_text(error)}); "
            "the project is back at its last commit, nothing was changed"
        )
        raise PolsterError(why) from error
    source_record(root).write_text(source + "\n", encoding="utf-8")
    conflicts, rejects = leftovers(root)
    removed = git(root, "diff", "--name-only", "--diff-filter=D", "HEAD").split()
    return UpdateResult(before, answers_of(root)["_commit"], conflicts, rejects, removed)


def error_text(error: BaseException) -> str:
    """An error of Copier's (or of git under it) as one line."""
    text = " ".join(str(getattr(error, "message", "") or error).split())
    return text if len(text) < 300 else text[:297] + "..."


def check_for_update(root: Path) -> dict[str, object]:
    """Copier's answer to "is there a newer template version?" (needs the template's tags)."""
    answers_of(root)
    command = [sys.executable, "-m", "copier", "check-update", "--output-format", "json"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        msg = f"copier check-update failed: {reason}"
        raise PolsterError(msg)
    return json.loads(result.stdout)
