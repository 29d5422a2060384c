"""Drain the notice outbox: every subscribed conversation gets each incident's card once, kept up to date.

- A first notice posts a card (in a channel, as a new thread); later changes update that card in place
  (PUT, same activity id), and in a channel a one-line reply goes into its thread.
- Sends are paced under Teams' limits (per conversation 8 per 2 s and 60 per 30 s; 50 per second per app)
  and retried by the Connector (429/412/5xx, Retry-After); every attempt, retries included, is paced, and
  one refused with 429 gives its slot back (bot/outbound/pacing.py). A 403 or 404 marks the conversation
  inactive: the bot was blocked or removed, or the channel is gone; it is not tried again.
- A conversation that asked for quiet has its notices held, then gets them as one digest card.
- A send whose reply was lost (timeout) may have arrived: it is recorded as uncertain, not sent twice.
  A post is given a longer read timeout than an update, and shutdown lets posts on their way get their
  answer, so that is rare. When it happens all the same, the next change posts ONE replacement card that
  says it replaces a card that may not have arrived, and from then on only the replacement is updated;
  should the replacement's answer be lost too, no further card is posted (never a card per change).
  Finding the first card instead would need ChannelMessage.Read.Group (README, Outage notices).
- The affected customers' owners are named on the card; in a channel or group chat, those who are members
  there are @mentioned (a Teams mention entity, so Teams notifies them) on the first post and on a digest
  only, never on an update in place (see `_deliver`). An owner who isn't a member, or every owner when
  the conversation's roster can't be read, is named without a mention: the notice goes out regardless.
- Everything is read from and written back to the notice board, so a crash resumes where it stopped.
- With ALLOWED_TENANTS set, nothing goes to a conversation in another tenant (or in none we know), even one
  subscribed before the setting: its deliveries are set aside, and the conversation itself is kept, so
  allowing the tenant later lets the next notices through.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from botbuilder.schema import Activity, ActivityTypes
from microsoft_teams.cards import AdaptiveCard

from bot.outbound.connector import Connector, ConnectorError, Pace
from bot.outbound.log_ids import conversation_hash
from bot.outbound.pacing import SendPacer, Slot
from bot.outbound.proactive import Address, tenant_allowed
from cards.changes import change_notice_card
from cards.notifications import (
    incident_notice_card,
    notice_digest_card,
    thread_update_text,
)
from dialogs.replies import card_reply
from locales.translator import Translator
from services.domain.models import (
    Claim,
    Customer,
    Delivery,
    DeliveryState,
    KnownConversation,
    Notice,
    Owner,
)
from services.domain.ports import CustomerDirectory, CustomerOwners, KnownConversations, NoticeOutbox
from services.telemetry import NOTICES_SENT

logger = logging.getLogger("bot.notices")

# Why a delivery stands where it does, recorded as a message id (and a value after '|'), so `notices`
# says it in the reader's language (cards/notifications.py, delivery_reason).
UNCERTAIN = "notices.reason_uncertain"
ABANDONED = "notices.reason_abandoned"
NO_CARD_LEFT = "notices.reason_no_card_left"
STOPPED_BEFORE_SENDING = "notices.reason_stopped_before_sending"
# Cards whose answers were lost, after which a change posts no further card: the first and one replacement.
MOST_UNCONFIRMED_POSTS = 2
TENANT_NOT_ALLOWED = "notices.reason_tenant"
RETRY_AFTER_FAILURE = timedelta(minutes=1)
# Conversations whose members can be @mentioned: a personal chat has only the one person and the bot.
GROUP_CONVERSATIONS = frozenset({"channel", "groupchat"})
# Deliveries per round. A round ends with its slowest send (a 429's Retry-After), with the pacer idle
# meanwhile, so a round should take most of what is due: 1,000 conversations are one round.
ROUND_BATCH = 2000


class NoticeDelivery:
    def __init__(
        self,
        connector: Connector,
        board: NoticeOutbox,
        conversations: KnownConversations,
        directory: CustomerDirectory,
        clock: Callable[[], datetime],
        app_rate_per_second: int = 50,
        concurrency: int = 32,
        allowed_tenants: frozenset[str] = frozenset(),
        holder: str = "",
        claim_for: timedelta = timedelta(minutes=1),
        owners: CustomerOwners | None = None,
    ) -> None:
        """`holder` names this instance on the claims of the sends it makes; a claim lasts `claim_for`,
        which must cover a send with all its retries. `owners`: who looks after which customer, named
        (and where they can be, mentioned) on its notices; None names nobody."""
        self._owners = owners
        self._holder = holder
        self._claim_for = claim_for
        self._connector = connector
        self._allowed_tenants = allowed_tenants
        self._board = board
        self._conversations = conversations
        self._directory = directory
        self._clock = clock
        self._pacer = SendPacer(app_rate_per_second)
        self._concurrency = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._draining = asyncio.Lock()
        self._closing = False
        self._batch_was_full = False

    def wake(self) -> None:
        """Something new is in the outbox."""
        self._wake.set()

    async def close(self, seconds: float) -> None:
        """At shutdown: nothing more leaves (what is due stays in the outbox, for the next leader or the
        next start), and the sends already on their way get their answer, so a card Teams accepted is
        recorded with its id and the next change updates it. `seconds`: the longest one call can take."""
        self._closing = True
        self._wake.set()
        try:
            await asyncio.wait_for(self._draining.acquire(), seconds)
        except TimeoutError:
            logger.warning("notice delivery cut off at shutdown; unsent notices stay in the outbox")
            return
        self._draining.release()

    async def run(self, idle_seconds: float = 5.0) -> None:
        """Deliver what is due, then wait to be woken (or look again after `idle_seconds`), until closed.

        A round that took a full batch goes straight on to the next one."""
        while not self._closing:
            try:
                await self.deliver_due()
            except Exception as error:  # noqa: BLE001 - the loop must outlive any one bad round
                logger.error("notice delivery round failed error=%s", type(error).__name__)
            if self._batch_was_full:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), idle_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    async def deliver_due(self) -> int:
        """One round over everything due; how many activities were sent or updated."""
        async with self._draining:
            if self._closing:
                return 0
            due = await self._board.due(self._clock(), ROUND_BATCH)
            self._batch_was_full = len(due) >= ROUND_BATCH
            if not due:
                return 0
            by_conversation: dict[str, list[tuple[Notice, Delivery, tuple[str, ...]]]] = defaultdict(list)
            for item in due:
                by_conversation[item[1].conversation].append(item)
            known = await self._conversations.many(list(by_conversation))
            customers = {c.customer_id: c for c in await self._directory.list_customers()}
            owners = await self._owners_of(c for _, _, followed in due for c in followed)
            sent = await asyncio.gather(
                *(
                    self._deliver_to(conversation, known.get(conversation), items, customers, owners)
                    for conversation, items in by_conversation.items()
                )
            )
            self._pacer.forget_idle()
            return sum(sent)

    async def _deliver_to(
        self,
        conversation: str,
        known: KnownConversation | None,
        items: list[tuple[Notice, Delivery, tuple[str, ...]]],
        customers: dict[str, Customer],
        owners: Mapping[str, Sequence[Owner]],
    ) -> int:
        now = self._clock()
        if known is None or not known.active:
            reason = known.inactive_reason if known else "notices.reason_removed"
            await self._board.deactivate(conversation, reason, now)
            return 0
        # A refresh (someone acknowledged) changes a card already there; only news waits for quiet to end.
        news = [item for item in items if item[1].version > item[1].delivered_version]
        refreshes = [item for item in items if item[1].version <= item[1].delivered_version]
        if known.quiet_at(now):
            assert known.quiet_until is not None
            for _, delivery, _ in news:
                await self._board.held(
                    delivery, f"notices.reason_quiet_until|{known.quiet_until.isoformat()}", now
                )
            items = refreshes
        address = Address.from_json(known.reference)
        if not tenant_allowed(self._allowed_tenants, address.tenant_id):
            await self._board.deactivate(conversation, TENANT_NOT_ALLOWED, now)
            logger.warning("notices withheld conversation=%s reason=tenant", conversation_hash(conversation))
            return 0
        async with self._concurrency:
            try:
                count = 0
                if any(d.state == DeliveryState.HELD for _, d, _ in news) and not known.quiet_at(now):
                    count += await self._digest(address, known, news, customers, owners)
                    items = refreshes
                for notice, delivery, followed in items:
                    count += await self._deliver(
                        address,
                        notice,
                        delivery,
                        [customers[c] for c in followed if c in customers],
                        Translator(known.language),
                        owners,
                    )
                return count
            except _Refused as refused:
                await self._conversations.deactivate(conversation, refused.reason)
                await self._board.deactivate(conversation, refused.reason, now)
                logger.warning(
                    "conversation inactive conversation=%s status=%d",
                    conversation_hash(conversation),
                    refused.status,
                )
                return 0

    async def _deliver(
        self,
        address: Address,
        notice: Notice,
        delivery: Delivery,
        customers: Sequence[Customer],
        t: Translator,
        owners: Mapping[str, Sequence[Owner]],
    ) -> int:
        """Post or update the card, in the language the conversation subscribed in (`t`).

        The customers' owners are @mentioned on the first post only; an update in place names them
        without mention entities. Teams documents mention notifications for messages sent, and is silent
        on what a mention in an edited message does; people editing their own message in Teams do alert
        whoever an edit newly mentions. A notice is updated at every change of its incident (often a
        dozen times), so a mention kept on the card could ping its owners at each one; without it, the
        first post's notification (which opens this same card) is the one ping they get per incident."""
        posting = delivery.activity_id is None
        now = self._clock()
        if delivery.activity_id is None and notice.version <= delivery.delivered_version:
            # Only a refresh, of a card whose id Teams never returned (its reply was lost): posting it
            # now would be a second card for the same incident.
            await self._board.delivered(
                delivery, notice.version, None, None, now, delivery.state, delivery.reason
            )
            return 0
        if delivery.activity_id is None and delivery.unconfirmed_posts >= MOST_UNCONFIRMED_POSTS:
            # Neither the card nor its replacement came back with an id: a third would be a card per change.
            await self._board.delivered(
                delivery, notice.version, None, None, now, DeliveryState.UNCERTAIN, NO_CARD_LEFT
            )
            return 0
        if delivery.activity_id is None and delivery.unconfirmed_posts:
            logger.warning(
                "notice card replaces one that may not have arrived conversation=%s incident=%s",
                conversation_hash(delivery.conversation),
                delivery.incident_id,
            )
        named = {c.customer_id: owners[c.customer_id] for c in customers if c.customer_id in owners}
        notice_card = change_notice_card if notice.incident.is_change else incident_notice_card
        card = notice_card(
            notice,
            customers,
            now,
            t,
            delivery.acknowledged_by,
            replaces_lost_card=delivery.unconfirmed_posts > 0,
            owners=named,
            mentionable=await self._mentionable(address, named) if posting else (),
        )
        sent = 0
        pace = self._pace(address.conversation_id, [delivery])
        try:
            if delivery.activity_id is None:
                thread_id, activity_id = await self._post(address, card_reply(card), pace)
                sent = 1
            else:
                thread_id = delivery.thread_id or address.conversation_id
                activity_id = delivery.activity_id
                update = address.message(card_reply(card), thread_id)
                update.id = activity_id
                await self._connector.update(update, pace)
                sent = 1
                if address.is_channel and notice.version > delivery.delivered_version:
                    reply = address.message(
                        Activity(type=ActivityTypes.message, text=thread_update_text(notice, t)), thread_id
                    )
                    reply.reply_to_id = activity_id
                    await self._connector.send(reply, pace)
                    sent += 1
        except _NotClaimed as refused:
            self._not_claimed(refused, [delivery])
            return sent
        except _Closing as closing:
            await self._stopped_before_sending(closing, [delivery], now)
            return sent
        except ConnectorError as error:
            if error.status in (403, 404):
                raise _Refused(error.status) from None
            if error.maybe_delivered and delivery.activity_id is None:
                logger.warning(
                    "notice card may not have arrived conversation=%s incident=%s",
                    conversation_hash(delivery.conversation),
                    delivery.incident_id,
                )
                await self._board.unconfirmed(delivery, notice.version, UNCERTAIN, now)
                return sent
            reason = (
                f"notices.reason_teams_answered|{error.status}"
                if error.status
                else "notices.reason_unreachable"
            )
            await self._board.failed(delivery, reason, now + RETRY_AFTER_FAILURE, now)
            return sent
        await self._board.delivered(delivery, notice.version, activity_id, thread_id, self._clock())
        NOTICES_SENT.add(sent)
        return sent

    async def post_card(self, known: KnownConversation, card: AdaptiveCard) -> bool:
        """A card of the bot's own making (the weekly message center digest), posted as a notice is: paced
        with the notices under Teams' limits, never into a tenant ALLOWED_TENANTS leaves out, and a 403 or
        404 marks the conversation inactive. Whether it was posted."""
        address = Address.from_json(known.reference)
        if self._closing or not known.active or not tenant_allowed(self._allowed_tenants, address.tenant_id):
            return False

        async def pace() -> Slot:
            return await self._pacer.slot(address.conversation_id)

        try:
            await self._post(address, card_reply(card), pace)
        except ConnectorError as error:
            if error.status in (403, 404):
                refused = _Refused(error.status)
                await self._conversations.deactivate(known.conversation, refused.reason)
                await self._board.deactivate(known.conversation, refused.reason, self._clock())
            logger.warning(
                "card not posted conversation=%s status=%s",
                conversation_hash(known.conversation),
                error.status or "unreachable",
            )
            return False
        NOTICES_SENT.add(1)
        return True

    async def _post(self, address: Address, activity: Activity, pace: Pace) -> tuple[str, str]:
        """A new card: a new thread in a channel, a new message in a chat."""
        if address.is_channel:
            return await self._connector.start_thread(
                address.service_url,
                address.conversation_id,
                address.tenant_id,
                address.message(activity),
                pace,
            )
        response = await self._connector.send(address.message(activity), pace)
        return address.conversation_id, response.id

    async def _digest(
        self,
        address: Address,
        known: KnownConversation,
        items: list[tuple[Notice, Delivery, tuple[str, ...]]],
        customers: dict[str, Customer],
        owners: Mapping[str, Sequence[Owner]],
    ) -> int:
        """The notices held while quiet, as one card, carrying the mentions held back with them."""
        now = self._clock()
        notices = [(n, [customers[c] for c in followed if c in customers]) for n, _, followed in items]
        named = {c: owners[c] for _, _, followed in items for c in followed if c in owners}
        card = notice_digest_card(
            notices,
            known.quiet_since,
            now,
            Translator(known.language),
            owners=named,
            mentionable=await self._mentionable(address, named),
        )
        try:
            await self._post(
                address, card_reply(card), self._pace(address.conversation_id, [d for _, d, _ in items])
            )
        except _NotClaimed as refused:
            self._not_claimed(refused, [d for _, d, _ in items])
            return 0
        except _Closing as closing:
            await self._stopped_before_sending(closing, [d for _, d, _ in items], now)
            return 0
        except ConnectorError as error:
            if error.status in (403, 404):
                raise _Refused(error.status) from None
            for _, delivery, _ in items:
                await self._board.failed(
                    delivery, "notices.reason_digest_failed", now + RETRY_AFTER_FAILURE, now
                )
            return 0
        for notice, delivery, _ in items:
            # The digest replaces each card; a later change starts a new card rather than editing the digest.
            await self._board.delivered(delivery, notice.version, None, None, now)
        await self._conversations.set_quiet(known.conversation, None, None)
        return 1

    async def _owners_of(self, customer_ids: Iterable[str]) -> Mapping[str, Sequence[Owner]]:
        """The owners of the customers due this round; none when they can't be read (the notices go)."""
        if self._owners is None:
            return {}
        try:
            return await self._owners.of_customers(customer_ids)
        except Exception as error:  # noqa: BLE001 - naming owners is never worth holding a notice back
            logger.warning("customer owners unavailable error=%s", type(error).__name__)
            return {}

    async def _mentionable(self, address: Address, owners: Mapping[str, Sequence[Owner]]) -> Collection[str]:
        """Which of the owners may be @mentioned here: members of this channel or group chat (by Entra
        object id, as the roster names them). None when the roster can't be read: they are named."""
        wanted = {owner.object_id for found in owners.values() for owner in found}
        if not wanted or address.conversation_type.casefold() not in GROUP_CONVERSATIONS:
            return frozenset()
        try:
            members = await self._connector.members(
                address.service_url,
                address.conversation_id,
                # Unclaimed slots: a read, counted against the app's rate like the sends beside it.
                lambda: self._pacer.slot(address.conversation_id),
            )
        except ConnectorError as error:
            logger.info(
                "conversation members unavailable conversation=%s status=%s",
                conversation_hash(address.conversation_id),
                error.status or "unreachable",
            )
            return frozenset()
        present = {m.get("aadObjectId") or m.get("objectId") for m in members}
        return frozenset(wanted & {p for p in present if isinstance(p, str)})

    def _pace(self, conversation: str, deliveries: list[Delivery]) -> Pace:
        """Room under Teams' limits for each attempt; before the first, the claim of `deliveries` for this
        instance, taken only now, when the request is about to leave: so a claim left by an instance that
        stopped means its card may have gone out, and one that never got this far was never claimed."""
        claimed = False

        async def pace() -> Slot:
            nonlocal claimed
            if self._closing:
                raise _Closing(claimed)
            slot = await self._pacer.slot(conversation)
            if self._closing:
                slot.give_back()
                raise _Closing(claimed)
            if not claimed:
                now = self._clock()
                for delivery in deliveries:
                    until = now + self._claim_for
                    claim = await self._board.claim(delivery, self._holder, until, now, ABANDONED)
                    if claim is not Claim.CLAIMED:
                        slot.give_back()
                        raise _NotClaimed(claim)
                claimed = True
            return slot

        return pace

    async def _stopped_before_sending(
        self, closing: _Closing, deliveries: list[Delivery], now: datetime
    ) -> None:
        """Shutting down before an attempt left. One the claim was taken for (a retry after a refusal,
        or a thread reply after its update) is handed back as not sent, so the next leader sends it
        rather than take it for may-have-arrived; one not yet claimed is simply still due."""
        if closing.claimed:
            for delivery in deliveries:
                await self._board.failed(delivery, STOPPED_BEFORE_SENDING, now, now)

    @staticmethod
    def _not_claimed(refused: _NotClaimed, deliveries: list[Delivery]) -> None:
        """Another instance is sending these (left to it), or one stopped while sending them: the board
        recorded them as may-have-arrived, and they are never sent a second time."""
        if refused.claim is Claim.ABANDONED:
            for delivery in deliveries:
                logger.warning(
                    "notice delivery abandoned by a stopped instance conversation=%s incident=%s",
                    conversation_hash(delivery.conversation),
                    delivery.incident_id,
                )


class _NotClaimed(Exception):
    def __init__(self, claim: Claim) -> None:
        super().__init__(claim.value)
        self.claim = claim


class _Closing(Exception):
    """Shutting down: this attempt doesn't leave. `claimed`: the send's claim was taken already."""

    def __init__(self, claimed: bool) -> None:
        super().__init__("closing")
        self.claimed = claimed


class _Refused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status
        self.reason = "notices.reason_blocked" if status == 403 else "notices.reason_gone"
