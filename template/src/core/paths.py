"""Where the project lives on disk: every relative path resolves against its root."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
ENV_FILE = PROJECT_ROOT / ".env"
# Polster's own bookkeeping (table locks, writes in progress); git-ignored.
STATE_DIR = PROJECT_ROOT / ".polster"


def resolve(path: str | Path) -> Path:
    """`path` as an absolute path: a relative one is taken from the project root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path
