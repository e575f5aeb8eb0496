"""A landing folder on ADLS: CSV files under an abfss:// glob, ingested once each (Azurite)."""

from __future__ import annotations

import polars as pl
import pytest
from azure.storage.blob import BlobServiceClient

from tests.azurite import ACCOUNT, ACCOUNT_KEY, Azurite
from tests.conftest import PYTHON, polster, project_env, render_project, run

CONTAINER = "lake"
pytestmark = pytest.mark.xdist_group("azurite")  # one emulator at a time
LANDING = f"abfss://{CONTAINER}@{ACCOUNT}.dfs.core.windows.net/landing/orders/*.csv"


def test_csv_files_landed_on_adls_are_ingested_once_each(template_src, tmp_path):
    with Azurite(tmp_path / "azurite") as azurite:
        azurite.create_container(CONTAINER)
        service = BlobServiceClient.from_connection_string(azurite.connection_string)
        container = service.get_container_client(CONTAINER)
        project = render_project(
            template_src,
            tmp_path / "adls shop",
            storage_backend="adls",
            adls_account_name=ACCOUNT,
            adls_container=CONTAINER,
        )
        polster(project, "add-asset", "--layer", "bronze", "--name", "orders",
                "--template", "csv", "--source", LANDING)  # fmt: skip
        env = {
            **project_env(project),
            "ADLS_ACCOUNT_KEY": ACCOUNT_KEY,
            "ADLS_ENDPOINT": azurite.endpoint,
        }

        def ingest() -> str:
            result = run([PYTHON, "src/core/bronze_orders.py"], project, env=env)
            return result.stdout

        container.upload_blob("landing/orders/a.csv", b'id,name\n1,"Smith, Ann"\n2,\n')
        first = ingest()
        assert "ingested 1 new or changed file(s)" in first
        container.upload_blob("landing/orders/b.csv", b"id,name\n3,Lee\n")
        assert "landing/orders/b.csv" in ingest()
        assert "no new or changed files" in ingest()

        # The dual-write sample of the ADLS table, as for any other table.
        assert (project / "data" / "adls_samples" / "bronze" / "orders" / "_delta_log").is_dir()
        table = pl.read_delta(
            f"abfss://{CONTAINER}@{ACCOUNT}.dfs.core.windows.net/shop_pipeline/data/bronze/orders",
            storage_options={
                "account_name": ACCOUNT,
                "account_key": ACCOUNT_KEY,
                "endpoint": azurite.endpoint,
                "allow_http": "true",
            },
        ).sort("id")
        assert table["id"].to_list() == ["1", "2", "3"]
        assert table["name"].to_list() == ["Smith, Ann", None, "Lee"]
        assert table["_source_file"].str.starts_with("abfss://").all()
