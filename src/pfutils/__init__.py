"""Polite Flamingo reproduction: every step of the method as small, tested modules."""
