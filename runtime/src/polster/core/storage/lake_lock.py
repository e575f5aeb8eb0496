"""The lake's own area, next to the layers' folders: `_polster/locks/` (who writes which
table, see core/locks.py) and `_polster/pending/` (the journal of writes under way, see
recovery.py). On ADLS a lock is an Azure blob lease, which expires by itself.

An Azure lease lasts 15 to 60 seconds (POLSTER_LOCK_LEASE_SECONDS, default 30) unless its
holder renews it: a thread of the holding process renews it every third of that, so a lock
whose holder was killed (an evicted pod, `kill -9`) is free again at most that many seconds
later, on every machine. The lock blob records its holder (host, pid, since) in its metadata
and is deleted when its holder releases it, so the area holds only the locks in use.
"""

from __future__ import annotations

import logging
import threading
from contextlib import suppress
from typing import Any

from polster.core.locks import Held, owner_text
from polster.core.storage.commits import blob_path_of
from polster.core.storage.outcomes import StorageError
from polster.core.storage.remote import RemoteAccess

log = logging.getLogger("polster.storage")

LAKE_AREA = "_polster"  # no layer's or environment's name starts with "_"


class LakeUnreachableError(StorageError):
    """The lake's lock area could not be read or written (network, credentials)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # the storage's own words, secrets blanked out


class BlobLockArea:
    """Locks as leases on the blobs `<folder>/<name>.lock` of an ADLS lake."""

    def __init__(self, remote: RemoteAccess, folder_uri: str, lease_seconds: int) -> None:
        self.remote = remote
        self.uri = folder_uri
        self.container_name, _, self.prefix = blob_path_of(folder_uri).partition("/")
        self.lease_seconds = lease_seconds
        self.expiry = f"a lock whose holder died expires within {lease_seconds} s"
        self._client: Any = None

    def try_acquire(self, name: str) -> Held | None:
        from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError

        blob = self._blob(name)
        for _ in range(3):  # a lock blob is created when first needed, deleted when released
            try:
                lease = blob.acquire_lease(lease_duration=self.lease_seconds)
            except ResourceNotFoundError:
                self._create(blob)
                continue
            except HttpResponseError as error:
                if error.status_code == 409:  # leased by someone else
                    return None
                raise self._error(name, error) from None
            except AzureError as error:  # unreachable: no connection, a timeout
                raise self._error(name, error) from None
            try:
                blob.set_blob_metadata({"owner": owner_text()}, lease=lease)
            except HttpResponseError as error:
                with suppress(HttpResponseError):
                    lease.release()
                raise self._error(name, error) from None
            return Lease(blob, lease, self.lease_seconds)
        return None

    def names(self, prefix: str) -> list[str]:
        from azure.core.exceptions import AzureError

        start = f"{self.prefix}/{prefix}"
        try:
            blobs = list(self._container().list_blob_names(name_starts_with=start))
        except AzureError as error:
            raise self._error(prefix, error) from None
        return sorted(
            name.removeprefix(f"{self.prefix}/").removesuffix(".lock")
            for name in blobs
            if name.endswith(".lock")
        )

    def owner(self, name: str) -> str:
        from azure.core.exceptions import AzureError

        try:
            return self._blob(name).get_blob_properties().metadata.get("owner", "unknown")
        except AzureError:
            return "unknown"

    def _create(self, blob: Any) -> None:
        from azure.core.exceptions import AzureError, HttpResponseError

        try:
            blob.upload_blob(b"", overwrite=False)
        except HttpResponseError as error:
            if error.status_code not in (409, 412):  # created (and leased) by another meanwhile
                raise self._error(blob.blob_name, error) from None
        except AzureError as error:
            raise self._error(blob.blob_name, error) from None

    def _blob(self, name: str) -> Any:
        return self._container().get_blob_client(f"{self.prefix}/{name}.lock")

    def _container(self) -> Any:
        if self._client is None:
            self._client = self.remote.container(self.container_name)
        return self._client

    def _error(self, name: str, error: Exception) -> LakeUnreachableError:
        reason = self.remote.explain(error)
        message = f"could not lock {name} at {self.uri} ({reason}): {self.remote.hint()}"
        return LakeUnreachableError(message, reason)


class Lease:
    """A held lease, renewed by a thread until released; releasing deletes the lock blob."""

    def __init__(self, blob: Any, lease: Any, seconds: int) -> None:
        self.blob, self.lease = blob, lease
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._renew, args=(seconds / 3,), name="polster-lease", daemon=True
        )
        self._thread.start()

    def _renew(self, every: float) -> None:
        from azure.core.exceptions import AzureError

        while not self._stop.wait(every):
            try:
                self.lease.renew()
            except AzureError as error:
                log.warning(
                    "could not renew the lock %s (%s): once it expires another writer may "
                    "take it; Delta's commits still refuse a conflicting write",
                    self.blob.blob_name,
                    str(error).splitlines()[0],
                )
                return

    def release(self) -> None:
        from azure.core.exceptions import AzureError

        self._stop.set()
        self._thread.join()
        try:
            self.blob.delete_blob(lease=self.lease)
        except AzureError:
            with suppress(AzureError):  # else it expires by itself
                self.lease.release()
