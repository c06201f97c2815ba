"""The staff dashboard: anonymised topics for analysts, the request queue for caseworkers,
users for admins."""
