"""Dialog ids, shared by the root dialog and the bot's command table."""

ROOT = "root"
HELP = "help"
CUSTOMERS = "customers"
HEALTH = "health"
INCIDENTS = "incidents"
INCIDENT = "incident"
