"""Adaptive Cards for the support desk: pure functions from domain objects to typed card models."""
