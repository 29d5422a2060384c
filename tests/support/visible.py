"""What a support engineer sees of the bot's replies: every assertion on a reply goes through here."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity

from chatclient.card_text import Button, render_activity


def as_dict(activity: Activity | dict[str, Any]) -> dict[str, Any]:
    return activity if isinstance(activity, dict) else activity.serialize()


def visible_text(activity: Activity | dict[str, Any]) -> str:
    return render_activity(as_dict(activity)).text


def buttons(activity: Activity | dict[str, Any]) -> list[Button]:
    return render_activity(as_dict(activity)).buttons


def button(activity: Activity | dict[str, Any], title: str) -> Button:
    found = [b for b in buttons(activity) if b.title == title]
    assert found, f"no button {title!r}; buttons are {[b.title for b in buttons(activity)]}"
    return found[0]
