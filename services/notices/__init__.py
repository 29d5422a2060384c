"""Proactive outage notices: who subscribes to what, where the bot can post, the watcher that polls
health, events pushed to /api/notify, and the notice board (the outbox)."""
