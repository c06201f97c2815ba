"""The web chat page and its server."""
