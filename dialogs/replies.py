"""The one place that turns an Adaptive Card into a Bot Framework activity."""

from __future__ import annotations

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from cards.parts import card_payload


def card_reply(card: AdaptiveCard) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(card_payload(card)))


def text_reply(text: str) -> Activity:
    return MessageFactory.text(text)
