"""The Teams edge: activities in, dialogs run, cards out. The only layer above dialogs."""
