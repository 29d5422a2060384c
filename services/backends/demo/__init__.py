"""The embedded demo backend: a fictional partner's world in the real APIs' shapes."""
