"""Partner Center REST API: response parsing (and, later, the live client)."""
