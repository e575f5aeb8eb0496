"""How to reach Azure Data Lake Storage Gen2: table root and credentials, built in one place.

Delta-rs (writes, table logs) and Polars (reading the files) take the same object_store
keys but want some values typed differently; adlfs (deleting tables) has its own
arguments. All three are derived here from the same settings.

Credentials, in order of preference: ADLS_ACCOUNT_KEY, ADLS_SAS_TOKEN, else Azure identity
(DefaultAzureCredential: service principal variables, managed identity, `az login`...).
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from polster.core.settings import Settings

STORAGE_SCOPE = "https://storage.azure.com/.default"
# Fail within seconds when ADLS cannot be reached, instead of retrying for minutes.
MAX_RETRIES = 2
CLIENT_OPTIONS = {"timeout": "120s", "connect_timeout": "5s"}


def table_root(settings: Settings) -> str:
    """abfss://<container>@<account>.dfs.core.windows.net/<base path>"""
    host = f"{settings.adls_container}@{settings.adls_account_name}.dfs.core.windows.net"
    return f"abfss://{host}/{settings.adls_base_path}".rstrip("/")


def credential_name(settings: Settings) -> str:
    """Which credential is used, for messages (never the secret itself)."""
    if settings.adls_account_key:
        return "ADLS_ACCOUNT_KEY"
    if settings.adls_sas_token:
        return "ADLS_SAS_TOKEN"
    return "Azure identity (DefaultAzureCredential)"


def secrets_of(settings: Settings) -> list[str]:
    """The secret values that must never appear in a message."""
    return [secret for secret in (settings.adls_account_key, settings.adls_sas_token) if secret]


def delta_options(settings: Settings) -> dict[str, str]:
    """Storage options for delta-rs: every value a string."""
    return {**_common_options(settings), "max_retries": str(MAX_RETRIES), "retry_timeout": "10s"}


def polars_options(settings: Settings) -> dict[str, Any]:
    """Storage options for Polars' own readers: retries as a number."""
    return {**_common_options(settings), "max_retries": MAX_RETRIES}


def adlfs_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for adlfs.AzureBlobFileSystem."""
    options: dict[str, Any] = {"account_name": settings.adls_account_name}
    if settings.adls_endpoint:
        # The emulator (Azurite) is reached through a connection string.
        credential = (
            f"AccountKey={settings.adls_account_key};"
            if settings.adls_account_key
            else f"SharedAccessSignature={settings.adls_sas_token};"
        )
        protocol = settings.adls_endpoint.partition(":")[0]
        options["connection_string"] = (
            f"DefaultEndpointsProtocol={protocol};AccountName={settings.adls_account_name};"
            f"{credential}BlobEndpoint={settings.adls_endpoint};"
        )
    elif settings.adls_account_key:
        options["account_key"] = settings.adls_account_key
    elif settings.adls_sas_token:
        options["sas_token"] = settings.adls_sas_token
    else:
        options["credential"] = _default_credential()
    return options


def container_client(settings: Settings, container: str) -> Any:
    """An azure-storage-blob client of `container` (the lake's locks are blob leases)."""
    from azure.storage.blob import ContainerClient, ExponentialRetry  # installed with adlfs

    options = adlfs_options(settings)
    # Fail within seconds when ADLS cannot be reached, as delta-rs does (the storage SDK's
    # own retry waits 15 s, then 3x as long, before each new attempt).
    retry = ExponentialRetry(
        initial_backoff=1, increment_base=2, retry_total=MAX_RETRIES, random_jitter_range=1
    )
    client_options = {"retry_policy": retry, "connection_timeout": 5, "read_timeout": 30}
    if "connection_string" in options:
        return ContainerClient.from_connection_string(
            options["connection_string"], container, **client_options
        )
    credential = options.get("sas_token") or options.get("credential")
    if "account_key" in options:
        credential = {
            "account_name": settings.adls_account_name,
            "account_key": options["account_key"],
        }
    account_url = f"https://{settings.adls_account_name}.blob.core.windows.net"
    return ContainerClient(account_url, container, credential=credential, **client_options)


def _common_options(settings: Settings) -> dict[str, str]:
    options = {"account_name": settings.adls_account_name, **CLIENT_OPTIONS}
    if settings.adls_account_key:
        options["account_key"] = settings.adls_account_key
    elif settings.adls_sas_token:
        options["sas_token"] = settings.adls_sas_token.lstrip("?")
    else:
        options["bearer_token"] = identity_token()
    if settings.adls_endpoint:
        options["endpoint"] = settings.adls_endpoint
        options["allow_http"] = str(settings.adls_endpoint.startswith("http://")).lower()
    return options


@lru_cache(maxsize=1)
def _default_credential() -> Any:
    from azure.identity import DefaultAzureCredential  # imported only when it is used

    return DefaultAzureCredential()


_token_cache: dict[str, Any] = {}


def identity_token() -> str:
    """An Azure Storage access token from Azure identity, renewed before it expires."""
    token = _token_cache.get("token")
    if token is None or token.expires_on - time.time() < 300:
        token = _default_credential().get_token(STORAGE_SCOPE)
        _token_cache["token"] = token
    return token.token
