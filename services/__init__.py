"""The support desk's domain, its backends and storage. Knows nothing of Teams or Bot Framework."""
