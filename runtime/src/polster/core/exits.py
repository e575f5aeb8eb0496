"""How every entry point ends (run_polster.py, `polster ...`, `python src/core/<asset>.py`):
one handler, one wording.

A problem the user can fix (a PolsterError, or an error in the asset's own code, described
by the caller) is one line on stderr, `error: <what is wrong, where, how to fix>`, and exit
code 1; `--verbose` adds the traceback. Ctrl-C is `Interrupted.` and exit code 130 (SIGTERM: 143).
"""

from __future__ import annotations

import signal
import sys
from traceback import print_exception

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def report_error(error: BaseException, verbose: bool, message: str | None = None) -> int:
    """Print `error: ...` (with the traceback when `verbose`); return the exit code."""
    if verbose:
        print_exception(error)
    print(f"error: {message or error}", file=sys.stderr)
    return EXIT_FAILED


def report_interrupted(detail: str | None = None, signum: int = signal.SIGINT) -> int:
    """Print `Interrupted.` (and what that left, if the caller knows); return the exit code
    (130 for Ctrl-C's SIGINT, 143 for SIGTERM: 128 + the signal, as shells report it)."""
    print(f"\nInterrupted{': ' + detail if detail else ''}.", file=sys.stderr)
    return 128 + signum
