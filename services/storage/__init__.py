"""Storage written once: the records port every shared store is built over, and its implementations."""
