"""The owners' lines on notices, where the people a conversation holds are @mentioned.

A mention in an Adaptive Card is `<at>Name</at>` in a TextBlock plus an entity in the card's
`msteams.entities` whose `text` is exactly that span, and whose `mentioned.id` may be the person's Entra
object id ("Mention support within Adaptive Cards" and "Azure AD Object ID and UPN in user mention",
learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format). A span without
its entity is shown as plain text; an entity without its span is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from microsoft_teams.cards import AdaptiveCard, Mention, MentionedEntity, TeamsCardProperties, TextBlock

from cards.parts import card_payload, safe, subtle, without_format_characters
from locales.translator import Translator
from services.domain.models import Customer, Owner

# One card @mentions at most this many people; the others are named. A notice is for the few who look
# after a customer, not a roll call.
MOST_MENTIONS = 20
# The customers whose owners one notice names, at most (a digest can hold many customers).
MOST_OWNER_LINES = 20
# A mention's text is the person's name, cut to this.
MENTION_NAME_LENGTH = 64
# The longest name an entity carries (Entra caps display names at 256).
NAME_LENGTH = 256
# Characters that would change the span (`<`, `>`), start markdown, or a Teams template (`{{`): a name is
# the roster's, so it is shown without them rather than escaped, which would break the span's match.
_NOT_IN_MENTIONS = re.compile(r"[<>\\`*_\[\]~{}]")


def mention_name(name: str) -> str:
    """A name as it can stand between `<at>` and `</at>` and in the entity's text alike."""
    cleaned = " ".join(_NOT_IN_MENTIONS.sub(" ", without_format_characters(name)).split())
    return cleaned[:MENTION_NAME_LENGTH].strip()


@dataclass(frozen=True)
class OwnerLines:
    """The owners' lines of a notice: TextBlocks to add to its body and the mention entities they need."""

    blocks: tuple[TextBlock, ...]
    mentions: tuple[Mention, ...]


def owner_lines(
    owned: Sequence[tuple[Customer, Sequence[Owner]]], mentionable: Collection[str], t: Translator
) -> OwnerLines:
    """A line per affected customer that has owners ('Owners: Ana, Ben'; with the customer's name when
    there are several). Each person in `mentionable` (object ids: members of the conversation, on a
    card that may ping) is @mentioned once per card, where first named; everyone else is named."""
    owned = [(customer, owners) for customer, owners in owned if owners]
    mentions: list[Mention] = []
    mentioned: set[str] = set()
    blocks: list[TextBlock] = []
    for customer, owners in owned[:MOST_OWNER_LINES]:
        names: list[str] = []
        for owner in owners:
            name = mention_name(owner.name)
            if (
                owner.object_id in mentionable
                and owner.object_id not in mentioned
                and name
                and len(mentions) < MOST_MENTIONS
            ):
                span = f"<at>{name}</at>"
                mentions.append(
                    Mention(
                        text=span,
                        mentioned=MentionedEntity(
                            id=owner.object_id, name=without_format_characters(owner.name)[:NAME_LENGTH]
                        ),
                    )
                )
                mentioned.add(owner.object_id)
                names.append(span)
            else:
                names.append(safe(owner.name))
        label = t("owners.line_of", customer=customer.name) if len(owned) > 1 else t("owners.line")
        blocks.append(TextBlock(text=f"{safe(label)} {', '.join(names)}", wrap=True, spacing="Small"))
    if len(owned) > MOST_OWNER_LINES:
        blocks.append(subtle(t.count("owners.more_customers", len(owned) - MOST_OWNER_LINES)))
    return OwnerLines(tuple(blocks), tuple(mentions))


def with_mentions(result: AdaptiveCard, mentions: Sequence[Mention]) -> AdaptiveCard:
    """The card carrying `mentions` in its `msteams.entities`, for Teams to ping those people: those
    whose span the card still shows whole (a card over Teams' size has its longest texts cut)."""
    shown = "\n".join(_texts(card_payload(result).get("body", []))) if mentions else ""
    kept = [m for m in mentions if m.text and m.text in shown]
    if kept:
        result.msteams = TeamsCardProperties(entities=kept)
    return result


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "TextBlock" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)
