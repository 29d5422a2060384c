"""What the live backend needs to know: the partner's Entra app, how customer tenants are reached, and
where each API lives (public cloud by default; every endpoint can point at a national cloud).

Built by app.py from the environment; nothing here reads it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PUBLIC_AUTHORITY_HOST = "https://login.microsoftonline.com"


class CustomerAccess(enum.StrEnum):
    """How the bot reaches a customer's tenant."""

    # The partner app's service principal in each customer tenant, with admin-consented application
    # permissions (ServiceHealth.Read.All): client credentials per customer authority.
    APP_ONLY = "app-only"
    # Delegated under GDAP (Secure Application Model): a partner admin consents once (`make consent`);
    # the refresh token is redeemed per customer tenant.
    GDAP = "gdap"


class CredentialKind(enum.StrEnum):
    SECRET = "secret"
    CERTIFICATE = "certificate"
    MANAGED_IDENTITY = "managed-identity"


@dataclass(frozen=True)
class Endpoints:
    authority_host: str = PUBLIC_AUTHORITY_HOST
    partner_center: str = "https://api.partnercenter.microsoft.com"
    graph: str = "https://graph.microsoft.com"
    management: str = "https://management.azure.com"

    @property
    def uses_public_authority(self) -> bool:
        return self.authority_host.rstrip("/").casefold() == PUBLIC_AUTHORITY_HOST

    @staticmethod
    def scope(api_url: str) -> str:
        """`<origin>/.default`: the resource is the API's origin in every cloud."""
        parts = urlsplit(api_url)
        return f"{parts.scheme}://{parts.netloc}/.default"


@dataclass(frozen=True)
class Credential:
    """The partner app's credential. A certificate is a PEM file holding the key and the certificate."""

    kind: CredentialKind
    secret: str = field(default="", repr=False)
    certificate_path: Path | None = None
    certificate_passphrase: str = field(default="", repr=False)
    # A user-assigned managed identity's client id; empty means the system-assigned identity.
    managed_identity_client_id: str = ""


@dataclass(frozen=True)
class Limits:
    """Timeouts, retries and caches; tests shrink them so failure paths stay fast."""

    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 20.0
    retry_total_seconds: float = 20.0
    retry_first_wait_seconds: float = 0.5
    retry_max_wait_seconds: float = 8.0
    max_attempts: int = 4
    connections: int = 64
    per_host_concurrency: int = 16
    breaker_failures: int = 5
    breaker_cooldown_seconds: float = 30.0
    customers_ttl_seconds: float = 300.0
    health_ttl_seconds: float = 30.0
    # Graph service communications: 240 requests per minute and 800 per hour, per app per tenant.
    graph_per_minute: int = 240
    graph_per_hour: int = 800


@dataclass(frozen=True)
class LiveConfig:
    client_id: str
    partner_tenant_id: str
    credential: Credential
    customer_access: CustomerAccess = CustomerAccess.APP_ONLY
    endpoints: Endpoints = Endpoints()
    # A CA bundle to trust instead of the system store (SSL_CERT_FILE / REQUESTS_CA_BUNDLE).
    ca_bundle: Path | None = None
    token_cache_path: Path = Path("data/token-cache.bin")
    # Fernet key that encrypts the persisted token cache (GDAP refresh token).
    token_cache_key: str = field(default="", repr=False)
    limits: Limits = Limits()
    application_name: str = "csp-support-bot"
    # The live desk: the Azure subscription to file each customer's Azure tickets in (customer tenant id
    # or Partner Center customer id -> subscription id), and the Azure Support services it offers (names
    # or display names, matched case-insensitively; none offered when empty).
    azure_subscriptions: Mapping[str, str] = field(default_factory=dict)
    # Every subscription of each customer (AZURE_SUBSCRIPTIONS may name one several times): where its
    # Azure service health is read. Empty: the one of `azure_subscriptions`.
    azure_subscription_lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    azure_support_services: tuple[str, ...] = ()
    # The Microsoft 365 support topics (Partner Center's supporttopics shape); None: the shipped list.
    support_topics_path: Path | None = None
    # CSP on-behalf-of: Azure Support calls into a customer's subscription also carry the partner tenant's
    # own management token in `x-ms-authorization-auxiliary` (AZURE_SUPPORT_ON_BEHALF_OF=on).
    azure_on_behalf_of: bool = False
    # Teams SSO (BOT_SSO_CONNECTION set): service requests, notes and Azure tickets go on behalf of the
    # signed-in engineer (services/backends/obo.py), everything else as the app.
    acting_as_people: bool = False

    def subscriptions_of(self, tenant_id: str, customer_id: str) -> tuple[str, ...]:
        """The customer's Azure subscriptions, keyed by its tenant id or Partner Center customer id."""
        keys = (tenant_id.casefold(), customer_id.casefold())
        lists = self.azure_subscription_lists or {k: (v,) for k, v in self.azure_subscriptions.items()}
        found = [s for key, subs in lists.items() if key.casefold() in keys for s in subs]
        return tuple(dict.fromkeys(found))
