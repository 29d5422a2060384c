"""Several instances at once: the one leader, heartbeats, per-conversation leases, and the turn
journal by which each activity is answered once across restarts and instances."""
