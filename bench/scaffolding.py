"""Figures 1 and 2: creating a project and adding an asset, against Dagster's own tools."""

from __future__ import annotations

from pathlib import Path

from bench.process import Sample, measure
from bench.project import BIN, PYTHON, copier_command, project_env, render


def render_samples(template: Path, work: Path, env: dict[str, str], repeat: int) -> dict:
    """`copier copy` of the template and `create-dagster project`, run after run."""
    work.mkdir(parents=True, exist_ok=True)
    samples: dict[str, list[Sample]] = {"copier_copy": [], "create_dagster_project": []}
    for run in range(repeat):
        destination = work / f"copier-{run}" / "shop"
        samples["copier_copy"].append(measure(copier_command(template, destination), work, env))
        folder = work / f"create-dagster-{run}"
        folder.mkdir(parents=True)
        command = [str(BIN / "create-dagster"), "project", "--no-uv-sync", "shop"]
        samples["create_dagster_project"].append(measure(command, folder, env))
    return samples


def add_asset_samples(template: Path, work: Path, env: dict[str, str], repeat: int) -> dict:
    """One `polster add-asset` and one `dg scaffold defs dagster.asset`, run after run."""
    project = render(template, work / "add-asset" / "shop")
    dagster_project = work / "create-dagster-0" / "shop"
    samples: dict[str, list[Sample]] = {"polster_add_asset": [], "dg_scaffold_asset": []}
    for run in range(repeat):
        polster = [PYTHON, "-m", "polster", "add-asset", "--layer", "bronze", "--name", f"b{run}"]
        samples["polster_add_asset"].append(measure(polster, project, project_env(project, env)))
        dg = [str(BIN / "dg"), "scaffold", "defs", "dagster.asset", f"b{run}.py"]
        samples["dg_scaffold_asset"].append(measure(dg, dagster_project, env))
    return samples
