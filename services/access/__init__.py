"""Each engineer sees only their customers: what GDAP grants a person (read through a directory, cached
briefly, failing closed) and the backend and desk as that person sees them during their turn."""
