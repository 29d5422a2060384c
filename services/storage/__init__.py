"""Where things are kept: the records port every shared store is built over, its SQLite and blob
implementations, and the stores that are only storage (bot state documents, the audit log, retention)."""
