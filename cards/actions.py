"""The verbs card buttons carry, and the parsing of what a button sends back.

Every button puts its verb under one key, `action`. Submitted data comes from the client and may be
stale or tampered with, so it is validated into a typed model or rejected as a whole.
Most buttons simply run a command (`health <customer id>`), so the command parser is the one place
that validates them, exactly as if the user had typed the text.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from microsoft_teams.cards import ExecuteAction, SubmitAction
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from services.domain.models import NOTICE_ID_PATTERN, Customer

ACTION_KEY = "action"
RUN_COMMAND = "command.run"
CUSTOMERS_PAGE = "customers.page"
REQUESTS_PAGE = "requests.page"
ACKNOWLEDGE_NOTICE = "notice.acknowledge"
FLOW_OFFER = "flow.offer"

# A guided flow's buttons name the flow under FLOW_KEY and one of these verbs under ACTION_KEY.
FLOW_KEY = "flow"
FLOW_VERBS = ("answer", "edit", "submit", "form")
MAX_COMMAND_LENGTH = 300
# A flow's id, its dialog's key (uuid4 hex) and a step name, as a guided flow puts them on its cards.
_FLOW = Annotated[str, Field(pattern=r"^[a-z_]{1,20}$")]
_KEY = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
_STEP = Annotated[str, Field(pattern=r"^[a-z_]{1,20}$")]
# Buttons sent before flows were scoped said `<flow>.<verb>` ('escalation.answer'); they are still in chats.
_LEGACY_FLOW_ACTION = re.compile(rf"^(?P<flow>[a-z_]{{1,20}})\.(?P<verb>{'|'.join(FLOW_VERBS)})$")
# A form's fields: how many, and how long each may be before the flow's own form model judges them.
_MAX_FORM_FIELDS = 40
_MAX_FORM_VALUE = 100_000


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


class _FlowSubmission(_Submission):
    flow: _FLOW
    key: _KEY


class FlowAnswer(_FlowSubmission):
    """A choice button of a guided flow: the answer `value` to `step` of the flow's dialog `key`."""

    action: Literal["answer"]
    step: _STEP
    value: Annotated[str, Field(min_length=1, max_length=MAX_COMMAND_LENGTH)]


class FlowEdit(_FlowSubmission):
    action: Literal["edit"]
    step: _STEP


class FlowSubmit(_FlowSubmission):
    action: Literal["submit"]


class FlowForm(_FlowSubmission):
    """A flow's one-card form: its inputs as typed, which Teams puts beside the button's data. The flow
    validates them into its own form model, and every value again like an answer."""

    model_config = ConfigDict(frozen=True, extra="allow")
    action: Literal["form"]

    def fields(self) -> dict[str, str]:
        """The typed values (strings), without what Teams adds (msteams)."""
        extra = self.model_extra or {}
        return {k: v for k, v in extra.items() if isinstance(v, str)}


FlowAction = FlowAnswer | FlowEdit | FlowSubmit | FlowForm
Submission = Annotated[
    RunCommand | ShowCustomersPage | OfferChoice | ShowRequestsPage,
    Field(discriminator="action"),
]
_SUBMISSION = TypeAdapter(Submission)
_FLOW_ACTION = TypeAdapter(Annotated[FlowAction, Field(discriminator="action")])


class InvalidSubmission(Exception):
    """A button sent data we never put on a card. What the person is told: `message` (English, for the
    Action.Execute error answer and logs), `message_id` in the catalogues for their language."""

    message = "That button didn't send anything I understand. The card may be out of date; type 'help'."
    message_id = "edge.rejected_button"


def parse_submission(
    value: object,
) -> RunCommand | ShowCustomersPage | ShowRequestsPage | OfferChoice | FlowAction:
    try:
        scoped = _flow_scoped(value)
        if scoped is not None:
            return _FLOW_ACTION.validate_python(scoped)
        return _SUBMISSION.validate_python(value)
    except ValidationError as error:
        raise InvalidSubmission() from error


def _flow_scoped(value: object) -> dict[str, Any] | None:
    """A guided flow's button data in today's shape (`{"flow": "escalation", "action": "answer", ...}`),
    also from the shape sent before (`{"action": "escalation.answer", ...}`); None for other buttons."""
    if not isinstance(value, dict):
        return None
    if FLOW_KEY in value:
        scoped = value
    else:
        legacy = _LEGACY_FLOW_ACTION.match(str(value.get(ACTION_KEY, "")))
        if legacy is None:
            return None
        scoped = {**value, FLOW_KEY: legacy["flow"], ACTION_KEY: legacy["verb"]}
    if len(scoped) > _MAX_FORM_FIELDS or any(
        isinstance(v, str) and len(v) > _MAX_FORM_VALUE for v in scoped.values()
    ):
        raise InvalidSubmission()
    return scoped


class AcknowledgeNotice(_Submission):
    """Action.Execute data of a notice card's Acknowledge button."""

    action: Literal["notice.acknowledge"]
    incident: Annotated[str, Field(pattern=NOTICE_ID_PATTERN)]


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


def flow_answer(flow: str, title: str, key: str, step: str, value: str) -> SubmitAction:
    data = {FLOW_KEY: flow, ACTION_KEY: "answer", "key": key, "step": step, "value": value}
    return SubmitAction(title=title, data=data)


def flow_edit(flow: str, title: str, key: str, step: str) -> SubmitAction:
    return SubmitAction(title=title, data={FLOW_KEY: flow, ACTION_KEY: "edit", "key": key, "step": step})


def flow_submit(flow: str, title: str, key: str) -> SubmitAction:
    return SubmitAction(title=title, data={FLOW_KEY: flow, ACTION_KEY: "submit", "key": key})


def flow_form(flow: str, title: str, key: str) -> SubmitAction:
    """A form's Submit: Teams sends the form's inputs along with this data."""
    return SubmitAction(title=title, data={FLOW_KEY: flow, ACTION_KEY: "form", "key": key})


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


def changes_command(customer: Customer | None = None) -> str:
    """A customer's message center, or (with none) what needs action soon across customers."""
    return f"changes {customer.customer_id}" if customer else "changes"


def change_command(message_id: str) -> str:
    return f"change {message_id}"


def escalate_command(customer: Customer, incident_id: str = "", service: str = "") -> str:
    """Starts a guided escalation pre-filled with what the card knows."""
    if incident_id:
        return f"escalate for {customer.customer_id} about {incident_id}"
    if service:
        return f"escalate for {customer.customer_id} on {service}"
    return f"escalate for {customer.customer_id}"


def request_command(number: str) -> str:
    return f"request {number}"
