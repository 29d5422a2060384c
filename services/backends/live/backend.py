"""The live backend: the ports served from Partner Center and Microsoft Graph, with MSAL tokens.

Upstream failures become domain errors with the wording a support engineer sees (services.domain.errors);
nothing else leaves this module. Customers are cached for minutes and health for tens of seconds, with
single-flight, so a burst of asks about one customer is one upstream call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from services.backends.azure_support.client import AzureSupportClient, read_arm_error
from services.backends.azure_support.events import LOOKBACK, AzureEventsClient
from services.backends.graph.client import GraphHealthClient, read_graph_error
from services.backends.graph.gdap import GraphDirectory
from services.backends.live.caching import TenantBudget
from services.backends.live.config import CustomerAccess, LiveConfig
from services.backends.live.upstream import Upstream, UpstreamError, UpstreamSession
from services.backends.obo import ActingTokens, PersonTokens
from services.backends.partner_center.client import PartnerCenterClient, read_partner_center_error
from services.backends.tokens import MsalTokens, TokenError, TokenSource
from services.domain.azure_events import merge_events
from services.domain.errors import (
    MESSAGE_CENTER,
    AzureHealthAccessDenied,
    ConsentMissing,
    DelegatedAccessMissing,
    HealthAccessDenied,
    HealthDataMissing,
    MessageCenterAccessDenied,
    PartnerCenterAccessDenied,
    PartnerSignInExpired,
    PartnerSignInFailed,
    Phrase,
    SignInSettingWrong,
    SupportDeskError,
    UpstreamThrottled,
    UpstreamUnavailable,
)
from services.domain.models import AzureHealth, Customer, TenantHealth, TenantMessages
from services.domain.single_flight import SingleFlightCache

logger = logging.getLogger("services.live")


LIST_CUSTOMERS = Phrase("doing.list_customers")


def reading_health(customer: Customer) -> Phrase:
    return Phrase("doing.read_health", (("customer", customer.name),))


def reading_messages(customer: Customer) -> Phrase:
    return Phrase("doing.read_messages", (("customer", customer.name),))


def reading_azure_health(customer: Customer) -> Phrase:
    return Phrase("doing.read_azure_health", (("customer", customer.name),))


def domain_error(
    error: UpstreamError | TokenError, purpose: Phrase, customer: Customer | None, access: CustomerAccess
) -> SupportDeskError:
    """What the user is told when `purpose` ("read Contoso's service health") failed upstream."""
    if isinstance(error, TokenError):
        if error.reason == "no-consent":
            return SignInSettingWrong("partner_consent")
        if error.reason == "credentials":
            return PartnerSignInFailed()
        if error.reason == "sign-in":
            return PartnerSignInExpired()
        if error.reason in ("consent", "tenant") and customer is not None:
            return ConsentMissing(customer.name)
        # The partner tenant's own sign-in refused for a setting: saying "try again" would never help.
        if error.unknown_application:
            return SignInSettingWrong("client_id")
        if error.reason == "tenant":
            return SignInSettingWrong("tenant_id")
        if error.reason == "consent" and error.codes:
            return SignInSettingWrong("consent")
        return UpstreamUnavailable("Microsoft sign-in", purpose)
    if error.throttled:
        return UpstreamThrottled(error.api, purpose, error.retry_after)
    if error.status in (401, 403):
        if customer is not None:
            return HealthAccessDenied(customer.name, delegated=access is CustomerAccess.GDAP)
        return PartnerCenterAccessDenied()
    return UpstreamUnavailable(error.api, purpose)


def messages_error(
    error: UpstreamError | TokenError, customer: Customer, access: CustomerAccess
) -> SupportDeskError:
    """As domain_error, except that a refusal names what reads the message center, not service health."""
    if isinstance(error, UpstreamError) and error.status in (401, 403):
        return MessageCenterAccessDenied(customer.name, delegated=access is CustomerAccess.GDAP)
    return domain_error(error, reading_messages(customer), customer, access)


class LiveBackend:
    name = "live"

    def __init__(
        self,
        config: LiveConfig,
        *,
        tokens: TokenSource | None = None,
        service_request_tokens: TokenSource | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._owned_tokens: MsalTokens | None = None
        self._app_tokens: MsalTokens | None = None
        if tokens is None:
            tokens = self._owned_tokens = MsalTokens(config, clock=monotonic)
        self.tokens = tokens
        self._clock = clock
        # Teams SSO: the desk's writes and request reads as the signed-in engineer (on-behalf-of).
        self.people: PersonTokens | None = (
            PersonTokens(config, clock=monotonic) if config.acting_as_people else None
        )
        desk_tokens: TokenSource = service_request_tokens or self.tokens
        azure_tokens: TokenSource = self.tokens
        if self.people is not None:
            desk_tokens = ActingTokens(desk_tokens, self.people)
            azure_tokens = ActingTokens(self.tokens, self.people)
        limits = config.limits
        endpoints = config.endpoints
        self.http = UpstreamSession(limits, config.ca_bundle, monotonic)
        self.partner_center = PartnerCenterClient(
            Upstream(
                "Partner Center",
                self.http,
                self.tokens,
                endpoints.scope(endpoints.partner_center),
                read_partner_center_error,
            ),
            endpoints.partner_center,
            config.partner_tenant_id,
            config.application_name,
        )
        # Partner Center's service-request endpoints take App+User tokens only: under CUSTOMER_ACCESS=gdap
        # the consented partner admin's (the same MsalTokens); app-only, they answer 403.
        self.partner_center_requests = PartnerCenterClient(
            Upstream(
                "Partner Center",
                self.http,
                desk_tokens,
                endpoints.scope(endpoints.partner_center),
                read_partner_center_error,
            ),
            endpoints.partner_center,
            config.partner_tenant_id,
            config.application_name,
        )
        # Shared with the watcher when it lands: one budget per tenant for everything that asks Graph.
        self.graph_budget = TenantBudget(limits.graph_per_minute, limits.graph_per_hour, monotonic)
        self.graph = GraphHealthClient(
            Upstream(
                "Microsoft Graph", self.http, self.tokens, endpoints.scope(endpoints.graph), read_graph_error
            ),
            endpoints.graph,
            self.graph_budget,
        )
        # GDAP is read app-only in the partner tenant, however customers' tenants are reached.
        directory_tokens = self.tokens
        if self._owned_tokens is not None and config.customer_access is CustomerAccess.GDAP:
            directory_tokens = self._app_tokens = MsalTokens(
                replace(config, customer_access=CustomerAccess.APP_ONLY), clock=monotonic
            )
        self.directory = GraphDirectory(
            Upstream(
                "Microsoft Graph",
                self.http,
                directory_tokens,
                endpoints.scope(endpoints.graph),
                read_graph_error,
            ),
            endpoints.graph,
            config.partner_tenant_id,
        )
        self.azure_support = AzureSupportClient(
            Upstream(
                "Azure Support",
                self.http,
                azure_tokens,
                endpoints.scope(endpoints.management),
                read_arm_error,
                auxiliary_tenant_id=config.partner_tenant_id if config.azure_on_behalf_of else "",
            ),
            endpoints.management,
        )
        # Azure service health: the same subscriptions, on-behalf-of setting, retries and breaker (one per
        # host) as Azure Support; always as the app, since the watcher reads it with nobody signed in.
        self.azure_events = AzureEventsClient(
            Upstream(
                "Azure Resource Health",
                self.http,
                self.tokens,
                endpoints.scope(endpoints.management),
                read_arm_error,
                auxiliary_tenant_id=config.partner_tenant_id if config.azure_on_behalf_of else "",
            ),
            endpoints.management,
        )
        self._customers: SingleFlightCache[str, tuple[Customer, ...]] = SingleFlightCache(
            limits.customers_ttl_seconds, monotonic
        )
        self._health: SingleFlightCache[str, TenantHealth] = SingleFlightCache(
            limits.health_ttl_seconds, monotonic
        )
        # The message center changes more slowly than health; the same short cache keeps a burst of
        # `changes` (and `changes` across every customer) to one read per tenant.
        self._messages: SingleFlightCache[str, TenantMessages] = SingleFlightCache(
            limits.health_ttl_seconds, monotonic
        )
        self._azure: SingleFlightCache[str, AzureHealth] = SingleFlightCache(
            limits.health_ttl_seconds, monotonic
        )

    async def list_customers(self) -> Sequence[Customer]:
        return await self._customers.get("all", self._load_customers)

    async def _load_customers(self) -> tuple[Customer, ...]:
        try:
            return tuple(await self.partner_center.list_customers())
        except (UpstreamError, TokenError) as error:
            raise domain_error(error, LIST_CUSTOMERS, None, self.config.customer_access) from None

    async def tenant_health(self, customer: Customer) -> TenantHealth:
        if not customer.delegated_access:
            raise DelegatedAccessMissing(customer.name, customer.relationship)

        async def load() -> TenantHealth:
            try:
                services = await self.graph.health_overviews(customer.tenant_id)
            except (UpstreamError, TokenError) as error:
                purpose = reading_health(customer)
                raise domain_error(error, purpose, customer, self.config.customer_access) from None
            if not services:
                raise HealthDataMissing(customer.name)
            return TenantHealth(customer=customer, services=services, as_of=self._clock())

        return await self._health.get(customer.tenant_id, load)

    async def tenant_messages(self, customer: Customer) -> TenantMessages:
        if not customer.delegated_access:
            raise DelegatedAccessMissing(customer.name, customer.relationship, MESSAGE_CENTER)

        async def load() -> TenantMessages:
            try:
                messages = await self.graph.messages(customer.tenant_id)
            except (UpstreamError, TokenError) as error:
                raise messages_error(error, customer, self.config.customer_access) from None
            return TenantMessages(customer=customer, messages=messages, as_of=self._clock())

        return await self._messages.get(customer.tenant_id, load)

    async def messages_since(self, customer: Customer, since: datetime | None) -> TenantMessages:
        if not customer.delegated_access:
            raise DelegatedAccessMissing(customer.name, customer.relationship, MESSAGE_CENTER)
        modified_since = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if since else ""
        try:
            messages = await self.graph.messages(customer.tenant_id, modified_since)
        except (UpstreamError, TokenError) as error:
            raise messages_error(error, customer, self.config.customer_access) from None
        return TenantMessages(customer=customer, messages=messages, as_of=self._clock())

    async def azure_health(self, customer: Customer) -> AzureHealth:
        subscriptions = self.config.subscriptions_of(customer.tenant_id, customer.customer_id)
        if not subscriptions:
            return AzureHealth(customer, (), (), self._clock())

        async def load() -> AzureHealth:
            since = self._clock() - LOOKBACK
            try:
                found = await asyncio.gather(
                    *(self.azure_events.list_events(customer.tenant_id, s, since) for s in subscriptions)
                )
            except UpstreamError as error:
                if error.status in (401, 403, 404):
                    raise AzureHealthAccessDenied(customer.name) from None
                purpose = reading_azure_health(customer)
                raise domain_error(error, purpose, customer, self.config.customer_access) from None
            except TokenError as error:
                purpose = reading_azure_health(customer)
                raise domain_error(error, purpose, customer, self.config.customer_access) from None
            events = merge_events(e for page in found for e in page)
            return AzureHealth(customer, subscriptions, events, self._clock())

        return await self._azure.get(customer.tenant_id, load)

    async def close(self) -> None:
        await self.http.close()
        if self.people is not None:
            self.people.close()
        for owned in (self._owned_tokens, self._app_tokens):
            if owned is not None:
                owned.close()
