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

from services.models import INCIDENT_ID_PATTERN, Customer

ACTION_KEY = "action"
RUN_COMMAND = "command.run"
CUSTOMERS_PAGE = "customers.page"
REQUESTS_PAGE = "requests.page"
ACKNOWLEDGE_NOTICE = "notice.acknowledge"
FLOW_OFFER = "flow.offer"

ESCALATION_ANSWER = "escalation.answer"
ESCALATION_EDIT = "escalation.edit"
ESCALATION_SUBMIT = "escalation.submit"
ESCALATION_FORM = "escalation.form"
MAX_COMMAND_LENGTH = 300
# An escalation's idempotency key (uuid4 hex) and a step name, as the dialog puts them on its cards.
_KEY = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
_STEP = Annotated[str, Field(pattern=r"^[a-z_]{1,20}$")]


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


class OfferChoice(_Submission):
    """A button of the question a guided flow asks when a message could mean two things: the answer or
    a command (`answer` / `command`), carrying on or starting the same flow anew (`keep` / `switch`)."""

    action: Literal["flow.offer"]
    choice: Literal["answer", "command", "keep", "switch"]


class ShowRequestsPage(_Submission):
    """Next or Previous on the `requests` card: `customer` is the id it lists ('' for every customer)."""

    action: Literal["requests.page"]
    customer: Annotated[str, Field(max_length=MAX_COMMAND_LENGTH)] = ""
    page: Annotated[int, Field(ge=1, le=10_000, strict=True)]


class EscalationAnswer(_Submission):
    """A choice button of a guided escalation: the answer `value` to `step` of the dialog `key`."""

    action: Literal["escalation.answer"]
    key: _KEY
    step: _STEP
    value: Annotated[str, Field(min_length=1, max_length=MAX_COMMAND_LENGTH)]


class EscalationEdit(_Submission):
    action: Literal["escalation.edit"]
    key: _KEY
    step: _STEP


class EscalationSubmit(_Submission):
    action: Literal["escalation.submit"]
    key: _KEY


class EscalationForm(_Submission):
    """The one-card form: every field as typed. Values are validated again by the dialog, like answers."""

    action: Literal["escalation.form"]
    key: _KEY
    customer: Annotated[str, Field(max_length=MAX_COMMAND_LENGTH)] = ""
    # Azure problem classification ids are resource ids of about 140 characters.
    topic: Annotated[str, Field(max_length=MAX_COMMAND_LENGTH)] = ""
    severity: Annotated[str, Field(max_length=40)] = ""
    title: Annotated[str, Field(max_length=10_000)] = ""
    description: Annotated[str, Field(max_length=100_000)] = ""
    contact_name: Annotated[str, Field(max_length=10_000)] = ""
    contact_email: Annotated[str, Field(max_length=10_000)] = ""
    phone: Annotated[str, Field(max_length=10_000)] = ""


EscalationAction = EscalationAnswer | EscalationEdit | EscalationSubmit | EscalationForm
Submission = Annotated[
    RunCommand
    | ShowCustomersPage
    | OfferChoice
    | ShowRequestsPage
    | EscalationAnswer
    | EscalationEdit
    | EscalationSubmit
    | EscalationForm,
    Field(discriminator="action"),
]
_SUBMISSION = TypeAdapter(Submission)


class InvalidSubmission(Exception):
    """A button sent data we never put on a card. What the person is told: `message` (English, for the
    Action.Execute error answer and logs), `message_id` in the catalogues for their language."""

    message = "That button didn't send anything I understand. The card may be out of date; type 'help'."
    message_id = "edge.rejected_button"


def parse_submission(
    value: object,
) -> RunCommand | ShowCustomersPage | ShowRequestsPage | OfferChoice | EscalationAction:
    try:
        return _SUBMISSION.validate_python(value)
    except ValidationError as error:
        raise InvalidSubmission() from error


class AcknowledgeNotice(_Submission):
    """Action.Execute data of a notice card's Acknowledge button."""

    action: Literal["notice.acknowledge"]
    incident: Annotated[str, Field(pattern=INCIDENT_ID_PATTERN)]


_EXECUTE = TypeAdapter(AcknowledgeNotice)


def parse_execute(verb: object, data: object) -> AcknowledgeNotice:
    """An Action.Execute's verb and data, as a typed request; InvalidSubmission for anything else."""
    if verb != ACKNOWLEDGE_NOTICE:
        raise InvalidSubmission()
    try:
        return _EXECUTE.validate_python(data)
    except ValidationError as error:
        raise InvalidSubmission() from error


def acknowledge_notice(incident_id: str, title: str) -> ExecuteAction:
    data = {ACTION_KEY: ACKNOWLEDGE_NOTICE, "incident": incident_id}
    return ExecuteAction(title=title, verb=ACKNOWLEDGE_NOTICE, data=data)


def escalation_answer(title: str, key: str, step: str, value: str) -> SubmitAction:
    return SubmitAction(
        title=title, data={ACTION_KEY: ESCALATION_ANSWER, "key": key, "step": step, "value": value}
    )


def escalation_edit(title: str, key: str, step: str) -> SubmitAction:
    return SubmitAction(title=title, data={ACTION_KEY: ESCALATION_EDIT, "key": key, "step": step})


def escalation_submit(title: str, key: str) -> SubmitAction:
    return SubmitAction(title=title, data={ACTION_KEY: ESCALATION_SUBMIT, "key": key})


def run_command(title: str, command: str) -> SubmitAction:
    return SubmitAction(title=title, data={ACTION_KEY: RUN_COMMAND, "command": command})


def offer_choice(title: str, choice: str) -> SubmitAction:
    return SubmitAction(title=title, data={ACTION_KEY: FLOW_OFFER, "choice": choice})


def customers_page(title: str, search: str, page: int) -> SubmitAction:
    return SubmitAction(title=title, data={ACTION_KEY: CUSTOMERS_PAGE, "search": search, "page": page})


def requests_page(title: str, customer_id: str, page: int) -> SubmitAction:
    return SubmitAction(title=title, data={ACTION_KEY: REQUESTS_PAGE, "customer": customer_id, "page": page})


# The commands buttons run. Customers are named by id so a click never hits an ambiguity.


def health_command(customer: Customer) -> str:
    return f"health {customer.customer_id}"


def incidents_command(customer: Customer, service: str = "", include_resolved: bool = False) -> str:
    parts = ["incidents", customer.customer_id, service, "all" if include_resolved else ""]
    return " ".join(p for p in parts if p)


def incident_command(incident_id: str, customer: Customer | None = None) -> str:
    return f"incident {incident_id} {customer.customer_id}" if customer else f"incident {incident_id}"


def escalate_command(customer: Customer, incident_id: str = "", service: str = "") -> str:
    """Starts a guided escalation pre-filled with what the card knows."""
    if incident_id:
        return f"escalate for {customer.customer_id} about {incident_id}"
    if service:
        return f"escalate for {customer.customer_id} on {service}"
    return f"escalate for {customer.customer_id}"


def request_command(number: str) -> str:
    return f"request {number}"
