"""What comes in over HTTP: who is calling and whether they may (inbound auth), the shape and size
of what they sent, and the log filter that keeps ids and secrets out of every line."""
