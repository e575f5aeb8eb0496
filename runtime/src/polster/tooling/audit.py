"""`make audit`: pip-audit, failing closed, with one line that says why it failed.

pip-audit fails both when it finds a vulnerability and when it cannot reach its
vulnerability service (with a traceback). Both stop the audit; this wrapper tells them
apart in one line: "vulnerabilities found" or "vulnerability service unreachable".
Run as `python -m polster.tooling.audit <pip-audit arguments>`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

# What pip-audit's traceback says when the service could not be asked at all.
UNREACHABLE = re.compile(
    r"ConnectionError|ConnectTimeout|ReadTimeout|NameResolutionError|Max retries exceeded"
    r"|ServiceError|SSLError|ProxyError",
)


def audit(arguments: Sequence[str]) -> int:
    """Run pip-audit with `arguments` (stdin passed through); its exit code, or 1."""
    command = [sys.executable, "-m", "pip_audit", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        return 0
    if "Traceback" in result.stderr and UNREACHABLE.search(result.stderr):
        mirror = urlsplit(os.environ.get("PIP_AUDIT_OSV_URL", "")).netloc.rpartition("@")[2]
        service = f"OSV at {mirror}" if mirror else "OSV"
        print(
            f"error: audit: vulnerability service unreachable ({service}), so nothing was "
            "checked and the audit fails: run it again with network access, or set "
            "PIP_AUDIT_OSV_URL to a reachable OSV mirror",
            file=sys.stderr,
        )
        return 1
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if re.search(r"Found \d+ known vulnerabilit", result.stderr + result.stdout):
        print(
            "error: audit: vulnerabilities found (listed above): upgrade to a fixed version "
            '(uv lock --upgrade-package NAME), or accept an assessed one: IGNORE_VULNS="ID"',
            file=sys.stderr,
        )
    return result.returncode


if __name__ == "__main__":
    sys.exit(audit(sys.argv[1:]))
