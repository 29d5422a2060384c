"""Domain errors. Each carries the wording a support engineer sees, so no layer invents its own.

The English wording is the error's message (logs, tests); `message_id` and `values` name the same
wording in the catalogues (`locales/`), which the dialogs show in the reader's language. An error that
quotes its caller's words carries them as a Phrase: English text, and a message id of their own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phrase:
    """Words an error quotes from its caller (what the user wanted when a backend failed, whose
    subscription): `text` in English (logs, tests, the doctor) and `message_id` with `values`, for the
    reader's language."""

    text: str
    message_id: str
    values: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return self.text


# Whose subscription, when Azure Support refused one of the partner's own.
PARTNER_TENANT = Phrase("your partner tenant", "phrase.partner_tenant")


class SupportDeskError(Exception):
    """Base of every error whose message is safe and useful to show to the user."""

    title = "Something went wrong"

    def __init__(self, message: str, message_id: str = "", **values: object) -> None:
        super().__init__(message)
        self.message = message
        # `<message_id>.title` and `<message_id>.message` in the catalogues, filled with `values`.
        self.message_id = message_id
        self.values = values


class DelegatedAccessMissing(SupportDeskError):
    title = "No delegated access"

    def __init__(self, customer_name: str, relationship: str) -> None:
        super().__init__(
            f"{customer_name} is an {relationship} relationship without delegated admin access, "
            "so its service health can't be read. Ask the customer to approve a GDAP relationship "
            "in Partner Center, then try again.",
            "error.delegated_access_missing",
            customer=customer_name,
            relationship=relationship,
        )
        self.customer_name = customer_name


class IncidentNotFound(SupportDeskError):
    title = "Incident not found"

    def __init__(self, incident_id: str, customer_name: str = "") -> None:
        """`customer_name`: whose tenant was searched; empty when every customer's was."""
        where = f"for {customer_name}" if customer_name else "in any customer's tenant"
        super().__init__(
            f"I couldn't find incident {incident_id} {where}. Check the id, or run "
            "'incidents <customer> all' to list recent ones.",
            "error.incident_not_found" if customer_name else "error.incident_not_found_anywhere",
            incident=incident_id,
            **({"customer": customer_name} if customer_name else {}),
        )
        self.incident_id = incident_id


class HealthDataMissing(SupportDeskError):
    title = "No health data"

    def __init__(self, customer_name: str) -> None:
        super().__init__(
            f"Microsoft hasn't published service health for {customer_name} yet. Try again in a few minutes.",
            "error.health_data_missing",
            customer=customer_name,
        )


class UnknownService(SupportDeskError):
    title = "No such service"

    def __init__(self, wanted: str, customer_name: str, available: list[str]) -> None:
        super().__init__(
            f"{customer_name} has no service matching '{wanted}'. Its services are: {', '.join(available)}.",
            "error.unknown_service",
            customer=customer_name,
            wanted=wanted,
            services=", ".join(available),
        )


class UpstreamUnavailable(SupportDeskError):
    """A backend timed out, throttled (429) or failed (5xx). Filing through a desk is safe to retry with
    the same idempotency key; `purpose` says what the user wanted, when a read failed."""

    title = "Microsoft isn't answering"

    def __init__(self, api: str, purpose: Phrase | None = None, retry_after: float | None = None) -> None:
        if purpose:
            message = f"{api} isn't answering right now, so I can't {purpose}. Try again in a few minutes."
            super().__init__(message, "error.upstream_busy", api=api, purpose=purpose)
        else:
            message = f"{api} didn't answer in time. Nothing is lost; try again in a moment."
            super().__init__(message, "error.upstream_unavailable", api=api)
        self.api = api
        self.retry_after = retry_after


class AlreadyLinked(SupportDeskError):
    title = "Already linked"

    def __init__(self, reference: str, number: str) -> None:
        super().__init__(
            f"{reference} is already linked to service request {number}.",
            "error.already_linked",
            reference=reference,
            number=number,
        )


class ServiceRequestOfAnotherCustomer(SupportDeskError):
    """`link` named a Partner Center service request that isn't the hand-off's customer's. `owner_name` is
    the customer it belongs to, or empty when Partner Center didn't say."""

    title = "Another customer's service request"

    def __init__(self, number: str, reference: str, customer_name: str, owner_name: str) -> None:
        if owner_name:
            super().__init__(
                f"Service request {number} is {owner_name}'s, not {customer_name}'s, so I didn't link it to "
                f"{reference}. Check the number in Partner Center.",
                "error.request_of_another_customer",
                number=number,
                reference=reference,
                customer=customer_name,
                owner=owner_name,
            )
        else:
            super().__init__(
                f"Service request {number} isn't one of {customer_name}'s, so I didn't link it to "
                f"{reference}. Check the number in Partner Center.",
                "error.request_not_the_customers",
                number=number,
                reference=reference,
                customer=customer_name,
            )
        self.number = number
        self.owner_name = owner_name


class ServiceRequestNotFound(SupportDeskError):
    title = "Service request not found"

    def __init__(self, number: str) -> None:
        super().__init__(
            f"I couldn't find service request {number}. 'requests' lists the recent ones with their numbers.",
            "error.service_request_not_found",
            number=number,
        )
        self.number = number


class HealthAccessDenied(SupportDeskError):
    """Graph answered 403 in a customer's tenant."""

    title = "Access to service health missing"

    def __init__(self, customer_name: str, delegated: bool) -> None:
        if delegated:
            message = (
                f"{customer_name} hasn't granted your organisation the delegated admin role that can read "
                "service health (GDAP). Ask their admin to approve it in Partner Center."
            )
        else:
            message = (
                f"{customer_name} hasn't given your organisation's support app permission to read service "
                "health (ServiceHealth.Read.All). Ask their admin to grant admin consent to it."
            )
        which = "error.health_access_denied" if delegated else "error.health_consent_missing"
        super().__init__(message, which, customer=customer_name)
        self.customer_name = customer_name


class ConsentMissing(SupportDeskError):
    """Entra refused a token for a customer's tenant: the partner app was never consented there."""

    title = "App not consented"

    def __init__(self, customer_name: str) -> None:
        super().__init__(
            f"{customer_name} hasn't added your organisation's support app to their tenant, so I can't "
            "reach it. Ask their admin to grant admin consent to the app (whoever runs this bot can "
            "run 'make doctor' to see which customers still need it).",
            "error.consent_missing",
            customer=customer_name,
        )
        self.customer_name = customer_name


class PartnerSignInExpired(SupportDeskError):
    title = "Partner sign-in expired"

    def __init__(self) -> None:
        super().__init__(
            "The partner admin's consent that lets me act for your organisation has expired or was "
            "revoked. Whoever runs this bot needs to run 'make consent' again.",
            "error.partner_sign_in_expired",
        )


class PartnerSignInFailed(SupportDeskError):
    title = "Can't sign in to Microsoft"

    def __init__(self) -> None:
        super().__init__(
            "I can't sign in to Microsoft as your organisation: the bot's app credential was refused. "
            "Ask whoever runs this bot to check its secret or certificate ('make doctor').",
            "error.partner_sign_in_failed",
        )


class SignInSettingWrong(SupportDeskError):
    """Entra refused the bot's own sign-in for a reason no retry fixes: a setting of whoever runs the bot
    is wrong (`setting`: "client_id", "tenant_id", "consent", or "partner_consent" when GDAP access has
    no partner admin's sign-in yet)."""

    title = "Sign-in setting is wrong"

    _MESSAGES = {
        "client_id": (
            "Microsoft doesn't know the bot's app in your partner tenant (AADSTS700016), so I can't sign "
            "in. Whoever runs this bot needs to check PARTNER_CLIENT_ID against the app registration in "
            "Entra ('make doctor' shows the fix)."
        ),
        "tenant_id": (
            "Microsoft doesn't know the partner tenant this bot signs in to (AADSTS90002). Whoever runs "
            "this bot needs to check PARTNER_TENANT_ID ('make doctor' shows the fix)."
        ),
        "consent": (
            "The bot's app hasn't been granted admin consent in your partner tenant (AADSTS65001), so I "
            "can't sign in. Whoever runs this bot needs to grant it in Entra ('make doctor' shows the fix)."
        ),
        "partner_consent": (
            "No partner admin has signed in for this bot yet (CUSTOMER_ACCESS=gdap acts as one), so I "
            "can't reach Microsoft. Whoever runs this bot needs to run 'make consent' once."
        ),
    }

    def __init__(self, setting: str) -> None:
        super().__init__(self._MESSAGES[setting], f"error.sign_in_{setting}")
        self.setting = setting
        if setting == "partner_consent":
            self.title = "Partner sign-in needed"


class PartnerCenterAccessDenied(SupportDeskError):
    title = "No access to Partner Center"

    def __init__(self) -> None:
        super().__init__(
            "Partner Center refused the bot's request. The bot's app must be added in Partner Center "
            "(Account settings, App management) and hold the role this needs. Ask whoever runs this "
            "bot to run 'make doctor'.",
            "error.partner_center_access_denied",
        )


class UpstreamThrottled(SupportDeskError):
    title = "Too many requests"

    def __init__(self, api: str, purpose: Phrase, retry_after: float | None) -> None:
        said = f"{api} asked me to slow down, so I can't {purpose} yet. Try again"
        if retry_after:
            seconds = max(1, round(retry_after))
            super().__init__(
                f"{said} in about {seconds} seconds.",
                "error.throttled_for",
                api=api,
                purpose=purpose,
                seconds=seconds,
            )
        else:
            super().__init__(f"{said} in a minute.", "error.throttled", api=api, purpose=purpose)
        self.api = api
        self.retry_after = retry_after


class AzureSupportAccessDenied(SupportDeskError):
    """Azure Support answered 403 in a customer's subscription."""

    title = "Azure Support refused the ticket"

    def __init__(self, customer_name: str | Phrase) -> None:
        super().__init__(
            f"Azure Support won't take tickets from this bot for {customer_name}'s subscription. The "
            "subscription needs a support plan that allows tickets through the API (ProDirect, Premier or "
            "Unified), and the bot's app needs the Support Request Contributor role on it. Ask whoever "
            "manages the subscription to check both, then press Try again.",
            "error.azure_support_access_denied",
            customer=customer_name,
        )
        self.customer_name = customer_name


class AzureSubscriptionMissing(SupportDeskError):
    title = "No Azure subscription set"

    def __init__(self, customer_name: str) -> None:
        super().__init__(
            f"I don't know which of {customer_name}'s Azure subscriptions to file this in. Whoever runs "
            "this bot adds it to AZURE_SUPPORT_SUBSCRIPTIONS (<customer tenant id>=<subscription id>). "
            "Microsoft 365 problems can still be escalated: they go through Partner Center.",
            "error.azure_subscription_missing",
            customer=customer_name,
        )
        self.customer_name = customer_name


class PartnerCenterSignInNeeded(SupportDeskError):
    """Partner Center's service-request endpoints refused the call (403): they are App+User only."""

    title = "Partner Center sign-in needed"

    def __init__(self, app_only: bool) -> None:
        if app_only:
            message = (
                "Partner Center only lets a signed-in partner admin read or update service requests "
                "(App+User), and this bot runs app-only. Whoever runs it sets CUSTOMER_ACCESS=gdap and "
                "runs 'make consent' once."
            )
        else:
            message = (
                "Partner Center refused the partner admin who consented for this bot: they need a Partner "
                "Center role that manages service requests (Admin agent). Whoever runs this bot can give "
                "them the role, or run 'make consent' again as someone who has it."
            )
        which = "error.partner_center_app_only" if app_only else "error.partner_center_role_missing"
        super().__init__(message, which)


class AwaitingServiceRequestNumber(SupportDeskError):
    title = "No SR number yet"

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"{reference} is still waiting for its Partner Center SR number, so a note can't reach "
            f"Microsoft yet. File it in Partner Center, then 'link {reference} <SR number>'; notes go "
            "with it after that.",
            "error.awaiting_sr_number",
            reference=reference,
        )
        self.reference = reference
