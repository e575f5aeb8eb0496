"""Access to tables on ADLS (credentials built when first needed, errors without secrets),
and local tables whose paths Polars can open."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import unquote

from deltalake import DeltaTable

from polster.core import adls
from polster.core.settings import Settings


class LocalDeltaTable(DeltaTable):
    """A Delta table on a local disk, whose data files Polars can open whatever the path.

    delta-rs percent-encodes the file paths it lists (`my shop` becomes `my%20shop`), and
    Polars' scan_delta opens those paths as they are: under a folder with a space, every
    read failed. Local paths are plain paths, so they are decoded here.
    """

    def file_uris(self, partition_filters: Any = None) -> list[str]:
        return [unquote(uri) for uri in super().file_uris(partition_filters)]


@dataclass(frozen=True)
class RemoteAccess:
    """Credentials and client options for ADLS, built only when first needed."""

    settings: Settings = field(repr=False)

    @cached_property
    def delta_options(self) -> dict[str, str]:
        return adls.delta_options(self.settings)

    @cached_property
    def polars_options(self) -> dict[str, Any]:
        return adls.polars_options(self.settings)

    def filesystem(self) -> Any:
        from adlfs import AzureBlobFileSystem  # only to delete tables

        return AzureBlobFileSystem(**adls.adlfs_options(self.settings))

    def container(self, name: str) -> Any:
        """A blob client of the container `name` (for the lake's locks: blob leases)."""
        return adls.container_client(self.settings, name)

    def explain(self, error: Exception) -> str:
        """An error's message on one line, its last cause first, every secret blanked out."""
        lines = [re.sub(r"\x1b\[[0-9;]*m|↳", "", line).strip() for line in str(error).splitlines()]
        text = "; ".join(reversed([line for line in lines if line])) or type(error).__name__
        for secret in adls.secrets_of(self.settings):
            text = text.replace(secret, "***")
        return text[:300]

    def hint(self) -> str:
        return (
            "check ADLS_ACCOUNT_NAME, ADLS_CONTAINER, ADLS_ENDPOINT, the network and "
            f"{adls.credential_name(self.settings)}, or set ADLS_FALLBACK_TO_LOCAL=true "
            "to write locally instead"
        )
