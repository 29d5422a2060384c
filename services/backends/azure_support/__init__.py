"""Azure Support REST API (Microsoft.Support): the support catalogue, tickets and their communications."""
