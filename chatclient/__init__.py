"""A terminal client that talks Bot Framework protocol to the running bot: `make chat`."""
