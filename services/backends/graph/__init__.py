"""Microsoft Graph service communications: response parsing (and, later, the live client)."""
