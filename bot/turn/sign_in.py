"""Teams single sign-on (BOT_SSO_CONNECTION set): people act as themselves; the token service holds tokens.

- A person's turn runs as them (services/domain/signed_in.py): their token is asked of the token service
  only when a write needs it. When there is none (or Microsoft refused it: expired, revoked, MFA,
  consent), the dialog says why in one card, and this module keeps what they asked (the typed text or
  the pressed card's data, never a token) and sends the OAuthCard. After a refusal the token service's
  token is signed out first, so the next exchange gets a fresh one (or Teams shows the button).
- `signin/tokenExchange`: Teams sends the same exchange id from each of the person's devices. Each is
  exchanged at the token service, then one record per (person, exchange id) is created in the records
  port: the device whose create wins answers 200 and resumes the kept command; the others get 200 with no
  body and nothing more (one answer, one filing, on SQLite or on shared blobs across instances). An
  exchange the token service can't do answers 412 with failureDetail, so Teams shows the sign-in button.
  Not botbuilder's TeamsSSOTokenExchangeMiddleware: over our store its duplicate raises an error it
  doesn't recognise, it never forgets its records, prints tracebacks and uses msrest's client (README).
- `signin/verifyState` (the magic code after the popup sign-in): the token, then the kept command; a code
  the service doesn't know gets one line, never a 500. `signin/failure`: its code is logged, one line.
- Records are kept an hour (`forget_before`, run by retention).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.outbound.connector import AuthorizationSource
from bot.outbound.user_tokens import TokenServiceUnavailable, UserTokens
from cards.sign_in import OAUTH_CARD, sign_in_card
from dialogs.language import translator_of
from services.domain.signed_in import SignedIn
from services.storage.places import Place, records_in

logger = logging.getLogger("bot.sign_in")

TOKEN_EXCHANGE = "signin/tokenExchange"
VERIFY_STATE = "signin/verifyState"
FAILURE = "signin/failure"
INVOKES = frozenset({TOKEN_EXCHANGE, VERIFY_STATE, FAILURE})
# What Teams reads to fall back to the sign-in button (OAuthPrompt's wording).
FAILURE_DETAIL = "The bot is unable to exchange token. Proceed with regular login."
# How long a kept command and an exchange marker live (retention forgets them after).
KEPT_FOR = timedelta(hours=1)
EXCHANGES = "sso_exchanges"
PENDING = "sso_pending"
# A refusal after which the token service's token is useless: sign it out before asking again.
_STALE = frozenset({"expired", "revoked", "mfa", "consent"})

# Runs a kept command again as a message of the person's (the handler's message path).
Resume = Callable[[TurnContext], Awaitable[None]]
# Drops whatever on-behalf-of tokens are kept for an object id (sign out, refusals).
Forget = Callable[[str], None]


def _person_key(activity: Activity) -> tuple[str, str]:
    """(hashed conversation, user id): a kept command is the person's in that conversation."""
    conversation = activity.conversation.id if activity.conversation else ""
    user = activity.from_property.id if activity.from_property else ""
    return hashlib.sha256(conversation.encode()).hexdigest()[:16], user or ""


class TeamsSignIn:
    def __init__(
        self,
        tokens: UserTokens,
        connection: str,
        app_id: str,
        place: Place,
        clock: Callable[[], datetime],
        forget: Forget,
    ) -> None:
        self._tokens = tokens
        self.connection = connection
        self._app_id = app_id
        self._exchanges = records_in(place, EXCHANGES)
        self._pending = records_in(place, PENDING)
        self._clock = clock
        self._forget = forget

    def person(self, turn_context: TurnContext) -> SignedIn | None:
        """Who the turn acts as; their token is fetched only if a write asks for it."""
        activity = turn_context.activity
        person = activity.from_property
        if person is None or not person.id or not person.aad_object_id:
            return None
        user_id, channel = person.id, activity.channel_id or "msteams"

        async def fetch() -> str | None:
            try:
                return await self._tokens.token(user_id, self.connection, channel)
            except TokenServiceUnavailable:
                return None

        return SignedIn(person.aad_object_id, person.name or "", fetch)

    async def after_turn(self, turn_context: TurnContext, person: SignedIn | None) -> None:
        """The turn's write needed a sign-in: keep what was asked, then offer the sign-in card."""
        if person is None or not person.failed:
            return
        activity = turn_context.activity
        if person.failed in _STALE:
            self._forget(person.object_id)
            await self._sign_out(activity)
        kept = {"text": activity.text or "", "value": activity.value, "at": self._clock().isoformat()}
        await self._pending.put(kept, *_person_key(activity))
        await self._offer(turn_context)

    async def _offer(self, turn_context: TurnContext) -> None:
        t = translator_of(turn_context)
        try:
            reference = TurnContext.get_conversation_reference(turn_context.activity).serialize()
            resource = await self._tokens.sign_in_resource(self.connection, reference, self._app_id)
        except TokenServiceUnavailable:
            await turn_context.send_activity(MessageFactory.text(t("sign_in.unavailable")))
            return
        content = sign_in_card(
            self.connection,
            resource.sign_in_link,
            resource.exchange_id,
            resource.exchange_uri,
            resource.provider_id,
            t,
        )
        card = Attachment(content_type=OAUTH_CARD, content=content)
        await turn_context.send_activity(MessageFactory.attachment(card))

    async def on_invoke(self, turn_context: TurnContext, resume: Resume) -> InvokeResponse:
        name = turn_context.activity.name
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        if name == TOKEN_EXCHANGE:
            return await self._token_exchange(turn_context, value, resume)
        if name == VERIFY_STATE:
            return await self._verify_state(turn_context, value, resume)
        code = str(value.get("code", ""))[:40]
        logger.warning("sign-in failed in Teams code=%s", code or "-")
        t = translator_of(turn_context)
        await turn_context.send_activity(MessageFactory.text(t("sign_in.failed_in_teams")))
        return InvokeResponse(status=200)

    async def _token_exchange(
        self, turn_context: TurnContext, value: dict[str, Any], resume: Resume
    ) -> InvokeResponse:
        activity = turn_context.activity
        exchange_id = str(value.get("id", ""))
        person = activity.from_property
        if not exchange_id or person is None or not person.id or not isinstance(value.get("token"), str):
            return InvokeResponse(status=400, body={"error": "Invoke value must be a token exchange request"})
        try:
            token = await self._tokens.exchange(
                person.id, self.connection, activity.channel_id or "msteams", value["token"]
            )
        except TokenServiceUnavailable:
            token = None
        if token is None:
            logger.info("sign-in exchange refused: Teams falls back to the sign-in button")
            return InvokeResponse(
                status=412,
                body={"id": exchange_id, "connectionName": self.connection, "failureDetail": FAILURE_DETAIL},
            )
        if not await self._exchanges.create({"at": self._clock().isoformat()}, person.id, exchange_id):
            logger.info("sign-in exchange already answered from another device")
            return InvokeResponse(status=200)
        await self._resume(turn_context, resume)
        return InvokeResponse(
            status=200, body={"id": exchange_id, "connectionName": self.connection, "failureDetail": None}
        )

    async def _verify_state(
        self, turn_context: TurnContext, value: dict[str, Any], resume: Resume
    ) -> InvokeResponse:
        activity = turn_context.activity
        person = activity.from_property
        code = str(value.get("state", ""))
        token = None
        if code and person is not None and person.id:
            try:
                token = await self._tokens.token(
                    person.id, self.connection, activity.channel_id or "msteams", code=code
                )
            except TokenServiceUnavailable:
                token = None
        if token is None:
            t = translator_of(turn_context)
            await turn_context.send_activity(MessageFactory.text(t("sign_in.not_finished")))
            return InvokeResponse(status=200)
        await self._resume(turn_context, resume)
        return InvokeResponse(status=200)

    async def _resume(self, turn_context: TurnContext, resume: Resume) -> None:
        """The command kept when the sign-in was offered, run now as a message of theirs (once)."""
        invoke = turn_context.activity
        key = _person_key(invoke)
        kept = await self._pending.get(*key)
        await self._pending.delete(*key)
        t = translator_of(turn_context)
        if not isinstance(kept, dict):
            await turn_context.send_activity(MessageFactory.text(t("sign_in.signed_in")))
            return
        message = Activity().deserialize(invoke.serialize())
        message.type = ActivityTypes.message
        message.name = None
        message.text = kept.get("text") or ""
        message.value = kept.get("value")
        turn_context.activity = message
        try:
            await resume(turn_context)
        finally:
            turn_context.activity = invoke

    async def sign_out(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        person = activity.from_property
        if person is not None and person.aad_object_id:
            self._forget(person.aad_object_id)
        await self._sign_out(activity)

    async def _sign_out(self, activity: Activity) -> None:
        person = activity.from_property
        if person is None or not person.id:
            return
        await self._tokens.sign_out(person.id, self.connection, activity.channel_id or "msteams")

    async def forget_expired(self, now: datetime) -> int:
        """Retention: exchange markers and kept commands older than KEPT_FOR go; how many."""
        moment = now - KEPT_FOR
        gone = 0
        for records in (self._exchanges, self._pending):
            for key, value in (await records.values()).items():
                at = value.get("at") if isinstance(value, dict) else None
                if not isinstance(at, str) or datetime.fromisoformat(at) < moment:
                    await records.delete(*key)
                    gone += 1
        if gone:
            logger.info("retention forgot sign-in records=%d", gone)
        return gone

    async def close(self) -> None:
        await self._tokens.close()


def open_sign_in(
    connection: str,
    token_service_url: str,
    app_id: str,
    authorization: AuthorizationSource,
    place: Place,
    clock: Callable[[], datetime],
    forget: Forget,
) -> TeamsSignIn | None:
    """Teams SSO when BOT_SSO_CONNECTION names a connection; None (everything as the app) otherwise."""
    if not connection:
        return None
    return TeamsSignIn(UserTokens(token_service_url, authorization), connection, app_id, place, clock, forget)
