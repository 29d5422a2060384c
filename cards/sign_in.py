"""The sign-in card of Teams single sign-on: a Bot Framework OAuthCard, not an Adaptive Card.

Teams first tries a silent token exchange with `tokenExchangeResource` (then the person sees nothing but
the answer); when that can't be done the bot answers 412 and Teams shows the card's sign-in button, whose
link is the token service's sign-in page (venv: botbuilder/core/card_factory.py `oauth_card`,
botbuilder/dialogs/prompts/oauth_prompt.py). Pure data: the bot wraps it in its attachment.
"""

from __future__ import annotations

from typing import Any

from locales.translator import Translator

OAUTH_CARD = "application/vnd.microsoft.card.oauth"


def sign_in_card(
    connection: str,
    sign_in_link: str,
    exchange_id: str,
    exchange_uri: str,
    provider_id: str,
    t: Translator,
) -> dict[str, Any]:
    """The OAuthCard's content: what it is for, one sign-in button, the resource Teams exchanges."""
    return {
        "text": t("sign_in.card_text"),
        "connectionName": connection,
        "buttons": [{"type": "signin", "title": t("sign_in.button"), "value": sign_in_link}],
        "tokenExchangeResource": {"id": exchange_id, "uri": exchange_uri, "providerId": provider_id},
    }
