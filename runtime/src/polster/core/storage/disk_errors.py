"""What a failure of the local disk means, in one line: a full disk, a read-only folder.

delta-rs reports them as "Generic LocalFileSystem error" with the operating system's
error further down its message (`No space left on device (os error 28)`), Polars as a
ComputeError, Python as an OSError with its errno: each is recognized here.
"""

from __future__ import annotations

import errno

# What each error means for the folder, and what to do about it.
MEANINGS = {
    errno.ENOSPC: "disk full (no space left on device): free space there, then run again",
    errno.EFBIG: (
        "file too large (a file size limit, `ulimit -f`, or the file system's): lift the "
        "limit, then run again"
    ),
    errno.EROFS: "the folder is read-only (read-only file system): make it writable",
    errno.EACCES: "permission denied: make the folder writable by this user",
}
# How Rust (delta-rs, Polars) writes them: "(os error 28)" and the operating system's words.
MARKERS = {
    errno.ENOSPC: ("os error 28", "No space left on device"),
    errno.EFBIG: ("os error 27", "File too large"),
    errno.EROFS: ("os error 30", "Read-only file system"),
    errno.EACCES: ("os error 13", "Permission denied"),
}


def disk_problem(error: BaseException) -> str | None:
    """What `error` says about the disk, with what to do; None when it is no disk error."""
    code = getattr(error, "errno", None)
    if code in MEANINGS:
        return MEANINGS[code]
    text = str(error)
    for code, markers in MARKERS.items():
        if any(marker in text for marker in markers):
            return MEANINGS[code]
    return None
