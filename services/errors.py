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
