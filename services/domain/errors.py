"""Domain errors. Each names the wording a support engineer sees, so no layer invents its own.

The wording is in the catalogues only (`locales/`): an error carries its `message_id` and `values`
(`<message_id>.title` and `<message_id>.message`), the dialogs show it in the reader's language, and
`title` and `message` are its English (logs, tests, the doctor). An error that quotes its caller's words
carries them as a Phrase: a message id of their own and its values.
"""

from __future__ import annotations

from dataclasses import dataclass

from locales.translator import ENGLISH, Translator


@dataclass(frozen=True)
class Phrase:
    """Words an error quotes from its caller (what the user wanted when a backend failed, whose
    subscription): `message_id` with `values`, said in the reader's language; its English in logs."""

    message_id: str
    values: tuple[tuple[str, str], ...] = ()

    def said(self, t: Translator) -> str:
        return t(self.message_id, **dict(self.values))

    def __str__(self) -> str:
        return self.said(ENGLISH)


# Whose subscription, when Azure Support refused one of the partner's own.
PARTNER_TENANT = Phrase("phrase.partner_tenant")


class SupportDeskError(Exception):
    """Base of every error whose message is safe and useful to show to the user."""

    def __init__(self, message_id: str, **values: object) -> None:
        # `<message_id>.title` and `<message_id>.message` in the catalogues, filled with `values`.
        self.message_id = message_id
        self.values = values
        super().__init__(self.message)

    def wording(self, t: Translator) -> tuple[str, str]:
        """Its title and message in `t`'s language."""
        values = {name: v.said(t) if isinstance(v, Phrase) else v for name, v in self.values.items()}
        return t(f"{self.message_id}.title"), t(f"{self.message_id}.message", **values)

    @property
    def title(self) -> str:
        return self.wording(ENGLISH)[0]

    @property
    def message(self) -> str:
        return self.wording(ENGLISH)[1]


# What a customer's data couldn't be read as, for want of delegated access.
SERVICE_HEALTH = Phrase("phrase.service_health")
MESSAGE_CENTER = Phrase("phrase.message_center")


class DelegatedAccessMissing(SupportDeskError):
    """`unread`: what couldn't be read for want of it (its service health, or its message center)."""

    def __init__(self, customer_name: str, relationship: str, unread: Phrase = SERVICE_HEALTH) -> None:
        super().__init__(
            "error.delegated_access_missing",
            customer=customer_name,
            relationship=relationship,
            unread=unread,
        )
        self.customer_name = customer_name


class AccessUnavailable(SupportDeskError):
    """Whom a person may reach couldn't be read (Graph throttled, failing or unreachable): nothing is
    shown rather than everything."""

    def __init__(self) -> None:
        super().__init__("error.access_unavailable")


class RoleMissing(SupportDeskError):
    """The person sees the customer but holds no role the action accepts; `role` is the least privileged
    one that would do, as a Phrase (`role.<name>`) so it is named in the reader's language."""

    def __init__(self, customer_name: str, role: Phrase, contact: str = "") -> None:
        who: str | Phrase = contact or Phrase("phrase.gdap_admin")
        super().__init__("error.role_missing", customer=customer_name, role=role, contact=who)
        self.customer_name = customer_name


class UnknownCustomer(SupportDeskError):
    """No customer the person may see is called that: a customer GDAP hides from them reads exactly like
    one that doesn't exist, so neither its name nor its existence shows."""

    def __init__(self, query: str) -> None:
        super().__init__("error.unknown_customer", query=query)


class IncidentNotFound(SupportDeskError):
    def __init__(self, incident_id: str, customer_name: str = "") -> None:
        """`customer_name`: whose tenant was searched; empty when every customer's was."""
        super().__init__(
            "error.incident_not_found" if customer_name else "error.incident_not_found_anywhere",
            incident=incident_id,
            **({"customer": customer_name} if customer_name else {}),
        )
        self.incident_id = incident_id


class AzureEventNotFound(IncidentNotFound):
    """No Azure event with that tracking id: its hint lists Azure events, not Microsoft 365's incidents."""

    def __init__(self, tracking_id: str, customer_name: str = "") -> None:
        SupportDeskError.__init__(
            self,
            "error.azure_event_not_found" if customer_name else "error.azure_event_not_found_anywhere",
            incident=tracking_id,
            **({"customer": customer_name} if customer_name else {}),
        )
        self.incident_id = tracking_id


class MessageNotFound(SupportDeskError):
    """No customer the person may see has message center message `message_id`."""

    def __init__(self, message_id: str) -> None:
        super().__init__("error.message_not_found", message=message_id)


class UnknownMessageService(SupportDeskError):
    """`changes <customer> <service>` named no service the customer's messages are about."""

    def __init__(self, wanted: str, customer_name: str, available: list[str]) -> None:
        super().__init__(
            "error.unknown_message_service",
            customer=customer_name,
            wanted=wanted,
            services=", ".join(available) or "—",
        )


class MessageCenterAccessDenied(SupportDeskError):
    """Graph answered 403 to a customer's message center: ServiceMessage.Read.All (app-only) or a GDAP
    role that reads it is missing there."""

    def __init__(self, customer_name: str, delegated: bool) -> None:
        which = "error.messages_access_denied" if delegated else "error.messages_consent_missing"
        super().__init__(which, customer=customer_name)
        self.customer_name = customer_name


class HealthDataMissing(SupportDeskError):
    def __init__(self, customer_name: str) -> None:
        super().__init__(
            "error.health_data_missing",
            customer=customer_name,
        )


class UnknownService(SupportDeskError):
    def __init__(self, wanted: str, customer_name: str, available: list[str]) -> None:
        super().__init__(
            "error.unknown_service",
            customer=customer_name,
            wanted=wanted,
            services=", ".join(available),
        )


class UpstreamUnavailable(SupportDeskError):
    """A backend timed out, throttled (429) or failed (5xx). Filing through a desk is safe to retry with
    the same idempotency key; `purpose` says what the user wanted, when a read failed."""

    def __init__(self, api: str, purpose: Phrase | None = None, retry_after: float | None = None) -> None:
        if purpose:
            super().__init__("error.upstream_busy", api=api, purpose=purpose)
        else:
            super().__init__("error.upstream_unavailable", api=api)
        self.api = api
        self.retry_after = retry_after


class AlreadyLinked(SupportDeskError):
    def __init__(self, reference: str, number: str) -> None:
        super().__init__(
            "error.already_linked",
            reference=reference,
            number=number,
        )


class ServiceRequestOfAnotherCustomer(SupportDeskError):
    """`link` named a Partner Center service request that isn't the hand-off's customer's. `owner_name` is
    the customer it belongs to, or empty when Partner Center didn't say."""

    def __init__(self, number: str, reference: str, customer_name: str, owner_name: str) -> None:
        if owner_name:
            super().__init__(
                "error.request_of_another_customer",
                number=number,
                reference=reference,
                customer=customer_name,
                owner=owner_name,
            )
        else:
            super().__init__(
                "error.request_not_the_customers",
                number=number,
                reference=reference,
                customer=customer_name,
            )
        self.number = number
        self.owner_name = owner_name


class ServiceRequestNotFound(SupportDeskError):
    def __init__(self, number: str) -> None:
        super().__init__(
            "error.service_request_not_found",
            number=number,
        )
        self.number = number


class HealthAccessDenied(SupportDeskError):
    """Graph answered 403 in a customer's tenant."""

    def __init__(self, customer_name: str, delegated: bool) -> None:
        which = "error.health_access_denied" if delegated else "error.health_consent_missing"
        super().__init__(which, customer=customer_name)
        self.customer_name = customer_name


class AzureHealthAccessDenied(SupportDeskError):
    """ARM refused (401/403) or didn't know (404) a customer's subscription when its Azure service health
    was read: Reader on the subscription is enough."""

    def __init__(self, customer_name: str) -> None:
        super().__init__("error.azure_health_denied", customer=customer_name)
        self.customer_name = customer_name


class ConsentMissing(SupportDeskError):
    """Entra refused a token for a customer's tenant: the partner app was never consented there."""

    def __init__(self, customer_name: str) -> None:
        super().__init__(
            "error.consent_missing",
            customer=customer_name,
        )
        self.customer_name = customer_name


class PartnerSignInExpired(SupportDeskError):
    def __init__(self) -> None:
        super().__init__(
            "error.partner_sign_in_expired",
        )


class PartnerSignInFailed(SupportDeskError):
    def __init__(self) -> None:
        super().__init__(
            "error.partner_sign_in_failed",
        )


class SignInSettingWrong(SupportDeskError):
    """Entra refused the bot's own sign-in for a reason no retry fixes: a setting of whoever runs the bot
    is wrong (`setting`: "client_id", "tenant_id", "consent", or "partner_consent" when GDAP access has
    no partner admin's sign-in yet)."""

    def __init__(self, setting: str) -> None:
        super().__init__(f"error.sign_in_{setting}")
        self.setting = setting


class PartnerCenterAccessDenied(SupportDeskError):
    def __init__(self) -> None:
        super().__init__(
            "error.partner_center_access_denied",
        )


class UpstreamThrottled(SupportDeskError):
    def __init__(self, api: str, purpose: Phrase, retry_after: float | None) -> None:
        if retry_after:
            seconds = max(1, round(retry_after))
            super().__init__(
                "error.throttled_for",
                api=api,
                purpose=purpose,
                seconds=seconds,
            )
        else:
            super().__init__("error.throttled", api=api, purpose=purpose)
        self.api = api
        self.retry_after = retry_after


class AzureSupportAccessDenied(SupportDeskError):
    """Azure Support answered 403 in a customer's subscription."""

    def __init__(self, customer_name: str | Phrase) -> None:
        super().__init__(
            "error.azure_support_access_denied",
            customer=customer_name,
        )
        self.customer_name = customer_name


class AzureSubscriptionMissing(SupportDeskError):
    def __init__(self, customer_name: str) -> None:
        super().__init__(
            "error.azure_subscription_missing",
            customer=customer_name,
        )
        self.customer_name = customer_name


class PartnerCenterSignInNeeded(SupportDeskError):
    """Partner Center's service-request endpoints refused the call (403): they are App+User only."""

    def __init__(self, app_only: bool) -> None:
        which = "error.partner_center_app_only" if app_only else "error.partner_center_role_missing"
        super().__init__(which)


class AwaitingServiceRequestNumber(SupportDeskError):
    def __init__(self, reference: str) -> None:
        super().__init__(
            "error.awaiting_sr_number",
            reference=reference,
        )
        self.reference = reference
