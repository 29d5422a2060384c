"""Domain errors. Each carries the wording a support engineer sees, so no layer invents its own."""

from __future__ import annotations


class SupportDeskError(Exception):
    """Base of every error whose message is safe and useful to show to the user."""

    title = "Something went wrong"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DelegatedAccessMissing(SupportDeskError):
    title = "No delegated access"

    def __init__(self, customer_name: str, relationship: str) -> None:
        super().__init__(
            f"{customer_name} is an {relationship} relationship without delegated admin access, "
            "so its service health can't be read. Ask the customer to approve a GDAP relationship "
            "in Partner Center, then try again."
        )
        self.customer_name = customer_name


class IncidentNotFound(SupportDeskError):
    title = "Incident not found"

    def __init__(self, incident_id: str, where: str) -> None:
        super().__init__(
            f"I couldn't find incident {incident_id} {where}. Check the id, or run "
            "'incidents <customer> all' to list recent ones."
        )
        self.incident_id = incident_id


class HealthDataMissing(SupportDeskError):
    title = "No health data"

    def __init__(self, customer_name: str) -> None:
        super().__init__(
            f"Microsoft hasn't published service health for {customer_name} yet. Try again in a few minutes."
        )


class UnknownService(SupportDeskError):
    title = "No such service"

    def __init__(self, wanted: str, customer_name: str, available: list[str]) -> None:
        super().__init__(
            f"{customer_name} has no service matching '{wanted}'. Its services are: {', '.join(available)}."
        )


class UpstreamUnavailable(SupportDeskError):
    """A backend timed out, throttled (429) or failed (5xx); safe to retry with the same idempotency key."""

    title = "Microsoft's service didn't answer"

    def __init__(self, what: str, retry_after: float | None = None) -> None:
        super().__init__(f"{what} didn't answer in time. Nothing is lost; try again in a moment.")
        self.retry_after = retry_after


class AlreadyLinked(SupportDeskError):
    title = "Already linked"

    def __init__(self, reference: str, number: str) -> None:
        super().__init__(f"{reference} is already linked to service request {number}.")


class ServiceRequestNotFound(SupportDeskError):
    title = "Service request not found"

    def __init__(self, number: str) -> None:
        super().__init__(
            f"I couldn't find service request {number}. 'requests' lists the recent ones with their numbers."
        )
        self.number = number
