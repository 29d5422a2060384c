"""The verbs card buttons carry, and the parsing of what a button sends back.

Every button puts its verb under one key, `action`. Submitted data comes from the client and may be
stale or tampered with, so it is validated into a typed model or rejected as a whole.
Most buttons simply run a command (`health <customer id>`), so the command parser is the one place
that validates them, exactly as if the user had typed the text.
"""

from __future__ import annotations

from typing import Annotated, Literal

from microsoft_teams.cards import ExecuteAction, SubmitAction
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from services.models import Customer

ACTION_KEY = "action"
RUN_COMMAND = "command.run"
CUSTOMERS_PAGE = "customers.page"
ACKNOWLEDGE_NOTICE = "notice.acknowledge"
MAX_COMMAND_LENGTH = 300


class _Submission(BaseModel):
    # Teams adds its own keys (msteams, input values) to the data; those are not ours to judge.
    model_config = ConfigDict(frozen=True, extra="ignore")


class RunCommand(_Submission):
    action: Literal["command.run"]
    command: Annotated[str, Field(min_length=1, max_length=MAX_COMMAND_LENGTH)]


class ShowCustomersPage(_Submission):
    action: Literal["customers.page"]
    search: Annotated[str, Field(max_length=MAX_COMMAND_LENGTH)] = ""
    page: Annotated[int, Field(ge=1, le=10_000, strict=True)]


Submission = Annotated[RunCommand | ShowCustomersPage, Field(discriminator="action")]
_SUBMISSION = TypeAdapter(Submission)


class InvalidSubmission(Exception):
    """A button sent data we never put on a card."""

    message = "That button didn't send anything I understand. The card may be out of date; type 'help'."


def parse_submission(value: object) -> RunCommand | ShowCustomersPage:
    try:
        return _SUBMISSION.validate_python(value)
    except ValidationError as error:
        raise InvalidSubmission() from error


class AcknowledgeNotice(_Submission):
    """Action.Execute data of a notice card's Acknowledge button."""

    action: Literal["notice.acknowledge"]
    incident: Annotated[str, Field(pattern=r"^[A-Z]{2,4}\d{3,12}$")]


_EXECUTE = TypeAdapter(AcknowledgeNotice)


def parse_execute(verb: object, data: object) -> AcknowledgeNotice:
    """An Action.Execute's verb and data, as a typed request; InvalidSubmission for anything else."""
    if verb != ACKNOWLEDGE_NOTICE:
        raise InvalidSubmission()
    try:
        return _EXECUTE.validate_python(data)
    except ValidationError as error:
        raise InvalidSubmission() from error


def acknowledge_notice(incident_id: str) -> ExecuteAction:
    data = {ACTION_KEY: ACKNOWLEDGE_NOTICE, "incident": incident_id}
    return ExecuteAction(title="Acknowledge", verb=ACKNOWLEDGE_NOTICE, data=data)


def run_command(title: str, command: str) -> SubmitAction:
    return SubmitAction(title=title, data={ACTION_KEY: RUN_COMMAND, "command": command})


def customers_page(title: str, search: str, page: int) -> SubmitAction:
    return SubmitAction(title=title, data={ACTION_KEY: CUSTOMERS_PAGE, "search": search, "page": page})


# The commands buttons run. Customers are named by id so a click never hits an ambiguity.


def health_command(customer: Customer) -> str:
    return f"health {customer.customer_id}"


def incidents_command(customer: Customer, service: str = "", include_resolved: bool = False) -> str:
    parts = ["incidents", customer.customer_id, service, "all" if include_resolved else ""]
    return " ".join(p for p in parts if p)


def incident_command(incident_id: str, customer: Customer | None = None) -> str:
    return f"incident {incident_id} {customer.customer_id}" if customer else f"incident {incident_id}"
