"""The one Azure Blob Storage container that holds the bot's shared state (BOT_STORAGE=azureblob).

Every store that several instances must share keeps its blobs here under a prefix of its own. Opened with
a connection string (Azurite, or an account key) or an account URL and the app's managed identity.
Failures to reach the account become StorageError, like the SQLite file's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError
from azure.storage.blob.aio import BlobServiceClient, ContainerClient

from services.storage.errors import StorageError
from services.storage.records import key_name


@dataclass(frozen=True)
class BlobLocation:
    container: str
    connection_string: str = field(default="", repr=False)
    account_url: str = ""
    # Client id of a user-assigned managed identity; empty for the system-assigned one.
    managed_identity_client_id: str = ""


def blob_name(*parts: str) -> str:
    """A blob name from parts that may hold '/', ':' or '@' (Teams conversation ids), named as every
    record is (services.storage.records.key_name)."""
    return key_name(*parts)


class BlobContainer:
    def __init__(self, location: BlobLocation) -> None:
        self._credential: Any = None
        if location.connection_string:
            service = BlobServiceClient.from_connection_string(location.connection_string)
        else:
            from azure.identity.aio import ManagedIdentityCredential

            self._credential = ManagedIdentityCredential(
                client_id=location.managed_identity_client_id or None
            )
            service = BlobServiceClient(location.account_url, credential=self._credential)
        self._service = service
        # /readyz's probe: no SDK retries (its chain waits many seconds), short timeouts of its own.
        probe_options: dict[str, Any] = {"retry_total": 0, "connection_timeout": 1, "read_timeout": 1}
        if location.connection_string:
            probe = BlobServiceClient.from_connection_string(location.connection_string, **probe_options)
        else:
            probe = BlobServiceClient(location.account_url, credential=self._credential, **probe_options)
        self._probe = probe
        self.client: ContainerClient = service.get_container_client(location.container)
        self.name = location.container
        self.location = location

    async def open(self) -> None:
        """Create the container if it isn't there yet (infra/ creates it in Azure; Azurite starts empty)."""
        try:
            await self.client.create_container()
        except ResourceExistsError:
            pass
        except AzureError as error:
            raise StorageError(f"can't use blob container {self.name}: {type(error).__name__}") from None

    async def problem(self) -> str | None:
        """None when the container can be read; otherwise what is wrong, for /readyz."""
        try:
            await self._probe.get_container_client(self.name).get_container_properties(timeout=1)
        except AzureError as error:
            return type(error).__name__
        return None

    async def close(self) -> None:
        await self._probe.close()
        await self._service.close()
        if self._credential is not None:
            await self._credential.close()
