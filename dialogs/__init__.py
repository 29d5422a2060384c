"""Conversation flows: one ComponentDialog per flow, started by the root dialog."""
