"""Where the bot can write to a conversation on its own: captured from every incoming activity.

Our own small shape rather than botbuilder's ConversationReference, which drops Teams' tenant id when it
serializes. Channel messages arrive in a thread (`19:…@thread.tacv2;messageid=…`); the address keeps the
channel, since a new notice starts a thread of its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from dialogs.conversation_scope import conversation_key


def tenant_of(activity: Activity) -> str:
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant")
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        return str(tenant["id"])
    return (activity.conversation.tenant_id or "") if activity.conversation else ""


def tenant_allowed(allowed_tenants: frozenset[str], tenant_id: str) -> bool:
    """ALLOWED_TENANTS' one rule, for turns, proactive sends and the access check alike: none set allows
    every tenant; otherwise the tenant id must be one of them, compared case-insensitively (a GUID may be
    spelt in either case by Teams or whoever set the variable); no tenant at all is never allowed."""
    if not allowed_tenants:
        return True
    return bool(tenant_id) and tenant_id.casefold() in {allowed.casefold() for allowed in allowed_tenants}


@dataclass(frozen=True)
class Address:
    service_url: str
    conversation_id: str
    conversation_type: str
    tenant_id: str
    bot_id: str
    bot_name: str
    channel_id: str = "msteams"

    @classmethod
    def of(cls, activity: Activity) -> Address:
        recipient = activity.recipient or ChannelAccount(id="", name="")
        return cls(
            service_url=activity.service_url or "",
            conversation_id=conversation_key(activity),
            conversation_type=(activity.conversation.conversation_type or "personal")
            if activity.conversation
            else "",
            tenant_id=tenant_of(activity),
            bot_id=recipient.id or "",
            bot_name=recipient.name or "",
            channel_id=activity.channel_id or "msteams",
        )

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Address:
        return cls(**{k: str(v) for k, v in value.items() if k in cls.__dataclass_fields__})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def is_channel(self) -> bool:
        return self.conversation_type.casefold() == "channel"

    def message(self, activity: Activity, conversation_id: str | None = None) -> Activity:
        """`activity` addressed as a new message from the bot (not a reply) in this or one of its threads."""
        activity.type = activity.type or ActivityTypes.message
        activity.service_url = self.service_url
        activity.channel_id = self.channel_id
        activity.from_property = ChannelAccount(id=self.bot_id, name=self.bot_name)
        activity.conversation = ConversationAccount(
            id=conversation_id or self.conversation_id,
            conversation_type=self.conversation_type,
            tenant_id=self.tenant_id or None,
            is_group=self.conversation_type.casefold() != "personal",
        )
        activity.reply_to_id = None
        return activity
