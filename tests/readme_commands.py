"""The shell commands a generated README shows, so that a test can run each of them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

BASH_BLOCK = re.compile(r"```bash\n(.*?)```", re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
# Inline code spans that are commands (the rest are file names, values, Python...).
INLINE_COMMAND = re.compile(
    r"^(make [a-z-]+|python run_polster\.py.*|dagster dev|dg (check|list|launch) .+|uv sync)$"
)
# Sections whose commands their own module runs, in a project rendered with the answers
# they need: the user-path test leaves their bash blocks to them.
SECTIONS_TESTED_ON_THEIR_OWN = {
    "Sources": "test_sources.py",
    "Incremental pipelines": "test_partitions.py",
    "Parallel backfills": "test_fan_out.py",
    "Environments": "test_environments.py",
    "Alerts": "test_alerts.py",
    "Deploying": "test_deployment.py",
    "Catalog": "test_catalog.py",
}
# Commands that start a server and run until stopped.
SERVER_COMMAND = re.compile(r"--ui\b|^make ui$|^dagster dev$|^dg dev$")


def block_commands(readme: str) -> list[str]:
    """Every line of every bash block, in order, without comments and blank lines."""
    lines = []
    for block in BASH_BLOCK.findall(readme):
        for line in block.splitlines():
            command = line.split(" #", 1)[0].strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


def section_commands(readme: str, heading: str) -> list[str]:
    """The bash-block commands of one `## heading` section of a README."""
    return block_commands(section_of(readme, heading))


def section_of(readme: str, heading: str) -> str:
    """One `## heading` section of a README, up to the next `## ` heading."""
    return readme.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def inline_commands(readme: str) -> list[str]:
    """Commands shown only inline (tables, prose), with placeholders filled in."""
    spans = (span.replace("KEY", "bronze_example") for span in INLINE_CODE.findall(readme))
    return [span for span in dict.fromkeys(spans) if INLINE_COMMAND.match(span)]


def all_commands(readme_path: Path, skip_sections: Iterable[str] = ()) -> list[str]:
    """Every command a README shows, bash blocks first, each once; the bash blocks of
    `skip_sections` left out (their inline commands stay)."""
    readme = readme_path.read_text()
    blocks = readme
    for heading in skip_sections:
        blocks = blocks.replace(section_of(readme, heading), "")
    return list(dict.fromkeys([*block_commands(blocks), *inline_commands(readme)]))


def is_server(command: str) -> bool:
    return bool(SERVER_COMMAND.search(command))


def port_of(command: str) -> int:
    match = re.search(r"--port (\d+)", command)
    return int(match.group(1)) if match else 3000
