"""What the notification commands say when the answer is not a data card."""

from __future__ import annotations

WHICH_CUSTOMER_TITLE = "Which customer?"
WHICH_CUSTOMER = (
    "Tell me whose incidents {where} should hear about, for example 'subscribe contoso', "
    "'subscribe contoso exchange' or 'subscribe all advisories'."
)
UNSUBSCRIBED_TITLE = "Unsubscribed"
UNSUBSCRIBED = "{where} no longer hears about {what}. {left}"
LEFT = "It still follows {count}; 'subscriptions' lists them."
NOTHING_LEFT = "It follows nothing now."
NOT_SUBSCRIBED_TITLE = "Not subscribed"
NOT_SUBSCRIBED = "{where} doesn't follow {what}. 'subscriptions' lists what it does follow."
QUIET_TITLE = "Quiet"
QUIET_MESSAGE = "{where} is quiet until {until}. Notices are held until then and arrive as one digest."
QUIET_ENDED_TITLE = "Quiet ended"
QUIET_ENDED = "Notices reach {where} again; anything held arrives as one digest in a moment."
QUIET_HOURS_TITLE = "For how long?"
QUIET_HOURS = "Say how many hours to hold notices, from 1 to {most}: 'quiet 2'. 'quiet off' ends it."
