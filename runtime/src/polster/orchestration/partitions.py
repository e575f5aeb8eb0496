"""Dagster's partitions definitions for the assets whose modules declare PARTITIONS."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import dagster as dg

from polster.contract.partitions import PartitionError, Partitioning, mapping_problem

# On each partitioned asset: its cadence and first partition, as its module declares them.
CADENCE_METADATA, START_METADATA = "polster/partitions", "polster/partitions_start"


def partitions_metadata(partitioning: Partitioning) -> dict[str, str]:
    return {CADENCE_METADATA: partitioning.cadence, START_METADATA: partitioning.start.isoformat()}


def partitionings(definitions: dg.Definitions) -> dict[str, Partitioning]:
    """The partitioning of every partitioned medallion asset of `definitions`, by key."""
    found = {}
    for asset in definitions.assets or []:
        if isinstance(asset, dg.AssetsDefinition):
            for key, metadata in asset.metadata_by_key.items():
                if CADENCE_METADATA in metadata:
                    start = date.fromisoformat(str(metadata[START_METADATA]))
                    found[key.to_user_string()] = Partitioning(
                        str(metadata[CADENCE_METADATA]), start
                    )
    return found


def partitions_definition(partitioning: Partitioning) -> dg.TimeWindowPartitionsDefinition:
    """Time windows in UTC, each named by its first day; the newest is the last complete
    one (yesterday, for daily partitions), as the schedule runs it."""
    start = partitioning.start.isoformat()
    if partitioning.cadence == "daily":
        return dg.DailyPartitionsDefinition(start_date=start)
    if partitioning.cadence == "weekly":
        return dg.WeeklyPartitionsDefinition(start_date=start, day_offset=1)  # from Monday
    return dg.MonthlyPartitionsDefinition(start_date=start)


def partitioned_schedules(
    bronze: Mapping[str, Partitioning], running: bool, tags: Mapping[str, str]
) -> list[dg.ScheduleDefinition]:
    """One schedule per partitioning of the partitioned bronze assets, each running the
    newest complete partition when its window ends (midnight UTC, for daily partitions)."""
    groups: dict[Partitioning, list[str]] = {}
    for key, partitioning in sorted(bronze.items()):
        groups.setdefault(partitioning, []).append(key)
    cadences = [partitioning.cadence for partitioning in groups]
    schedules = []
    for partitioning, keys in groups.items():
        name = f"bronze_{partitioning.cadence}_partitions"
        if cadences.count(partitioning.cadence) > 1:  # two first partitions: two jobs
            name += f"_from_{partitioning.start:%Y%m%d}"
        job = dg.define_asset_job(name, selection=dg.AssetSelection.assets(*keys), tags=dict(tags))
        status = dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED
        schedules.append(
            dg.build_schedule_from_partitioned_job(job, name=name, default_status=status)
        )
    return schedules


def check_partition_mapping(
    graph: Mapping[str, list[str]], partitionings: Mapping[str, Partitioning]
) -> None:
    """Refuse a partitioned asset whose partitioned upstream cannot be split into its windows
    (a weekly asset over monthly partitions, say)."""
    problems = []
    for key, upstreams in graph.items():
        if key not in partitionings:
            continue
        for upstream in upstreams:
            if upstream in partitionings:
                problem = mapping_problem(
                    key, partitionings[key], upstream, partitionings[upstream]
                )
                if problem:
                    problems.append(problem)
    if problems:
        raise PartitionError("; ".join(problems))
