"""The machine and the versions a benchmark ran with, so that figures can be compared."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

PACKAGES = ("polars", "deltalake", "dagster", "pandas", "copier", "create-dagster")


def _proc_field(path: str, name: str) -> str:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return "unknown"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(name)), "")


def describe() -> dict[str, object]:
    memory_kib = _proc_field("/proc/meminfo", "MemTotal").removesuffix(" kB")
    return {
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory_kib) / 2**20, 1) if memory_kib.isdigit() else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        # Other work on the machine slows the figures down: the 1, 5 and 15 minute averages.
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "versions": {name: metadata.version(name) for name in PACKAGES},
    }


def one_line(machine: dict) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    return (
        f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['os']}, Python {machine['python']}; {versions}; "
        f"load average {machine['load_average'][1]} at the end"
    )
