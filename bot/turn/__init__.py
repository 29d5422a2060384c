"""One turn: the runner that answers each activity once, the handler, the command rows and routing,
who may do what, acknowledgements, and the error card instead of a stack trace."""
