"""The one place that turns an Adaptive Card into a Bot Framework activity."""

from __future__ import annotations

import html

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from cards.notices import notice_card
from cards.parts import card_payload
from locales.translator import Translator
from services.domain.errors import RoleMissing, SupportDeskError


def card_reply(card: AdaptiveCard) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(card_payload(card)))


def text_reply(text: str) -> Activity:
    return MessageFactory.text(text)


def preformatted_reply(lead: str, code: str) -> Activity:
    """`lead`, then `code` as a code block (Teams' `<pre>` in an XML-formatted message: preformatted text
    is rendered on desktop, web and mobile, with a copy button), both escaped."""
    reply = MessageFactory.text(
        f"{html.escape(lead, quote=False)}<pre>{html.escape(code, quote=False)}</pre>"
    )
    reply.text_format = "xml"
    return reply


def error_reply(error: SupportDeskError, t: Translator) -> Activity:
    """A domain error as the reader sees it: a notice card, or for a missing role the one line that names
    the role and who grants it."""
    title, message = error.wording(t)
    return text_reply(message) if isinstance(error, RoleMissing) else card_reply(notice_card(title, message))
